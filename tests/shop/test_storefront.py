"""Pages a shopper and a staff member see, rendered by the real views."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from oscar.core.loading import get_model

from fulfillment.models import AttributionEntry
from tests import factories
from tests.shop.test_checkout import (  # noqa: F401
    add_to_basket,
    checkout_as_guest,
    china,
    choose_payment_method,
)

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


@pytest.fixture
def honey():
    product = factories.StockRecordFactory(
        product__title="丹寨蜂蜜", price=Decimal("68.00")
    ).product
    villages = [factories.VillageFactory(name=name) for name in ("卡拉村", "高要村")]
    for number, village in (("H001", villages[0]), ("H002", villages[1])):
        factories.BenefitLinkFactory(
            producer=product.producer,
            household__registry_number=number,
            household__village=village,
            household__head_name_masked="王*",
        )
    factories.CertificateFactory(product=product, document_number="黔扶认〔2020〕7号")
    return product


def test_product_page_shows_provenance_without_personal_details(django_app, honey):
    page = django_app.get(honey.get_absolute_url())

    provenance = page.html.select_one("#provenance").get_text(" ", strip=True)
    assert honey.producer.name in provenance
    assert "丹寨县" in provenance
    assert "黔扶认〔2020〕7号" in provenance
    reach = page.html.select_one("#reach").get_text(" ", strip=True)
    assert " 2 " in f" {reach} "
    assert "卡拉村" in reach and "高要村" in reach
    for secret in ("H001", "H002", "王*"):
        assert secret not in page.text


def test_product_page_says_when_the_certificate_has_expired(django_app, honey):
    honey.certificates.update(valid_until=datetime.date(2021, 6, 30))

    page = django_app.get(honey.get_absolute_url())

    certificate = page.html.select_one("#certificate").get_text(" ", strip=True)
    assert "2021-06-30" in certificate
    assert "not counted" in certificate or "不计入" in certificate


def test_producer_page_lists_story_and_products(django_app, honey):
    honey.producer.story = "合作社带动卡拉村农户养蜂。"
    honey.producer.save()

    page = django_app.get(
        reverse("catalog:producer-detail", args=[honey.producer.slug])
    )

    assert "合作社带动卡拉村农户养蜂。" in page.text
    assert "丹寨蜂蜜" in page.text
    assert "H001" not in page.text
    listing = django_app.get(reverse("catalog:producer-list"))
    assert honey.producer.name in listing.text


def test_product_without_stockrecord_is_unavailable_and_refused(django_app, client):
    product = factories.ProductFactory(title="无货样品")

    page = django_app.get(product.get_absolute_url())
    assert page.status_code == 200
    assert "add_to_basket_form" not in page.forms

    response = client.post(
        reverse("basket:add", args=[product.pk]), {"quantity": 1}, follow=True
    )
    assert response.status_code == 200
    assert Basket.objects.filter(lines__isnull=False).count() == 0


def test_signed_in_customer_sees_impact_in_order_history(django_app, china, honey):  # noqa: F811
    user = get_user_model().objects.create_user(
        username="buyer", email="buyer@example.com", password="secret-pass-1"
    )
    django_app.set_user(user)
    add_to_basket(django_app, honey)

    address_page = django_app.get(reverse("checkout:shipping-address"))
    form = address_page.forms["new_shipping_address"]
    for field, value in {
        "first_name": "赵敏",
        "line1": "龙泉镇 1 号",
        "line4": "丹寨县",
        "postcode": "557500",
    }.items():
        form[field] = value
    choose_payment_method(form.submit().maybe_follow(), "cod")
    preview = django_app.get(reverse("checkout:preview"))
    thank_you = preview.forms["place_order_form"].submit().maybe_follow()

    order = Order.objects.get(user=user)
    # One jar added; free shipping over ¥99 does not apply to ¥68.00.
    assert order.total_incl_tax == Decimal("78.00")
    assert thank_you.html.select_one(".impact-amount").text == "¥68.00"
    history = django_app.get(reverse("customer:order-list"))
    row = history.html.select_one(".impact-amount")
    assert row.text == "¥68.00"
    assert history.html.select_one(".impact-households").text == "2"
    assert history.html.select_one(".impact-villages").text == "2"
    detail = django_app.get(reverse("customer:order", args=[order.number]))
    assert detail.html.select_one(".impact-amount").text == "¥68.00"


def test_dashboard_shows_an_orders_attribution_entries(django_app, china, honey):  # noqa: F811, E501
    add_to_basket(django_app, honey, quantity=2)
    checkout_as_guest(django_app)
    order = Order.objects.get()
    staff = get_user_model().objects.create_user(
        username="staff",
        email="staff@example.com",
        password="x",
        is_staff=True,
        is_superuser=True,
    )

    django_app.reset()
    page = django_app.get(
        reverse("dashboard:order-detail", args=[order.number]), user=staff
    )

    rows = page.html.select("table.attribution-entries tbody tr")
    amounts = [row.select_one(".entry-amount").text for row in rows]
    # ¥136.00 over two equal links; shipping is free over ¥99.
    assert amounts == ["¥68.00", "¥68.00"]
    assert page.html.select_one("#attribution-total").text == "¥136.00"
    link_types = {row.select("td")[6].text for row in rows}
    assert link_types == {"订单收购"}
    assert order.total_incl_tax - order.shipping_incl_tax == Decimal("136.00")
    assert AttributionEntry.objects.filter(order=order).count() == 2
