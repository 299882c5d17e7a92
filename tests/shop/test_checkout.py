"""A purchase through the storefront's own views, basket to confirmation."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from fulfillment.models import AttributionEntry
from tests import factories

Country = get_model("address", "Country")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


@pytest.fixture
def china():
    return Country.objects.create(
        iso_3166_1_a2="CN",
        iso_3166_1_a3="CHN",
        iso_3166_1_numeric="156",
        printable_name="中国",
        name="中华人民共和国",
        is_shipping_country=True,
    )


@pytest.fixture
def tea_and_tianma():
    """Two producers: tea over three equal links, tianma over 1 and 2."""
    tea = factories.StockRecordFactory(
        product__title="丹寨硒锌茶", price=Decimal("10.00")
    ).product
    for number in ("522636000003", "522636000001", "522636000002"):
        factories.BenefitLinkFactory(
            producer=tea.producer, household__registry_number=number
        )
    factories.CertificateFactory(product=tea)

    tianma = factories.StockRecordFactory(
        product__title="大方天麻", price=Decimal("7.00")
    ).product
    factories.BenefitLinkFactory(
        producer=tianma.producer,
        household__registry_number="520521000001",
        weight=Decimal("1"),
    )
    factories.BenefitLinkFactory(
        producer=tianma.producer,
        household__registry_number="520521000002",
        weight=Decimal("2"),
    )
    factories.CertificateFactory(product=tianma)
    return tea, tianma


def add_to_basket(app, product, quantity=1):
    page = app.get(product.get_absolute_url())
    form = page.forms["add_to_basket_form"]
    form["quantity"] = quantity
    return form.submit().follow()


def choose_payment_method(page, method="bank_transfer"):
    """Choose how to pay on the payment method page; return the next page."""
    assert page.request.path == reverse("checkout:payment-method")
    form = page.forms["payment_method_form"]
    form["method"] = method
    return form.submit().maybe_follow()


def checkout_as_guest(app, email="buyer@example.com", payment_method="bank_transfer"):
    """Walk the checkout from the gateway to the thank-you page."""
    gateway = app.get(reverse("checkout:index"))
    form = gateway.forms[0]
    form["username"] = email
    form.select("options", "anonymous")
    address_page = form.submit().follow()

    form = address_page.forms["new_shipping_address"]
    form["first_name"] = "李华"
    form["line1"] = "龙泉镇文化路 8 号"
    form["line4"] = "丹寨县"
    form["postcode"] = "557500"
    # One shipping method: Oscar goes straight on to the payment method.
    payment = choose_payment_method(form.submit().maybe_follow(), payment_method)
    assert payment.request.path == reverse("checkout:payment-details")

    preview = app.get(reverse("checkout:preview"))
    return preview.forms["place_order_form"].submit().maybe_follow()


def test_guest_buys_from_two_producers_and_each_fen_is_attributed(
    django_app, china, tea_and_tianma
):
    tea, tianma = tea_and_tianma
    add_to_basket(django_app, tea)
    add_to_basket(django_app, tianma)

    thank_you = checkout_as_guest(django_app)

    order = Order.objects.get()
    entries = {
        e.registry_number: e.amount for e in AttributionEntry.objects.order_by("pk")
    }
    # ¥10.00 over three equal weights: 1,000 fen / 3 = 333⅓ each, the spare
    # fen goes to the lowest registry number. ¥7.00 over 1:2 gives 233⅓ and
    # 466⅔ fen; the larger remainder (⅔) takes the spare fen.
    assert entries == {
        "522636000001": Decimal("3.34"),
        "522636000002": Decimal("3.33"),
        "522636000003": Decimal("3.33"),
        "520521000001": Decimal("2.33"),
        "520521000002": Decimal("4.67"),
    }
    assert order.total_incl_tax == Decimal("27.00")
    assert order.shipping_incl_tax == Decimal("10.00")
    assert sum(entries.values()) == order.total_incl_tax - order.shipping_incl_tax
    assert AttributionEntry.objects.filter(is_counted=True).count() == 5
    impact = thank_you.html.select_one(".order-impact")
    assert impact.select_one(".impact-amount").text == "¥17.00"
    assert impact.select_one(".impact-households").text == "5"
    assert impact.select_one(".impact-villages").text == "5"
