"""Choosing how to pay at checkout, and staff recording the money."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from fulfillment import cancellations, lines
from fulfillment.payments import services
from tests import factories
from tests.fulfillment.test_checkout_rules import honey, reach_preview  # noqa: F401
from tests.shop.test_checkout import add_to_basket, china  # noqa: F401

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
Source = get_model("payment", "Source")
StockRecord = get_model("partner", "StockRecord")
Transaction = get_model("payment", "Transaction")

pytestmark = pytest.mark.django_db

BANK_TRANSFER = "bank_transfer"
COD = "cod"


def placed_order(stockrecord, *, method=BANK_TRANSFER, quantity=1, placed_at=None):
    """Return an order placed by Oscar's creator with method's payment terms.

    The same terms and payment source the checkout views record, without
    walking the views.
    """
    basket = Basket.objects.create()
    basket.strategy = Default()
    basket.add_product(stockrecord.product, quantity)
    order = create_order(basket=basket)
    placed_at = placed_at or order.date_placed
    terms = services.payment_terms(
        method=method, order_number=order.number, placed_at=placed_at
    )
    Order.objects.filter(pk=order.pk).update(date_placed=placed_at, **terms)
    source = services.payment_source(
        method=method, amount=order.total_incl_tax, reference=order.number
    )
    source.order = order
    source.save()
    order.refresh_from_db()
    return order


def snapshot(order) -> dict:
    """Return everything a payment could change about order."""
    order.refresh_from_db()
    source = order.sources.get()
    return {
        "payment_status": order.payment_status,
        "paid_at": order.paid_at,
        "status": order.status,
        "debited": source.amount_debited,
        "transactions": Transaction.objects.filter(source__order=order).count(),
        "events": PaymentEvent.objects.filter(order=order).count(),
    }


@pytest.fixture
def staff():
    user = get_user_model().objects.create_user(
        username="staff", email="staff@example.com", password="x", is_staff=True
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="order",
            codename__in=["view_order", "change_order"],
        )
    )
    return user


def test_payment_method_page_offers_transfer_and_cash_without_a_gateway(
    django_app,
    china,  # noqa: F811
    honey,  # noqa: F811
):
    add_to_basket(django_app, honey.product)
    reach_preview(django_app)

    page = django_app.get(reverse("checkout:payment-method"))

    form = page.forms["payment_method_form"]
    assert [value for value, *_ in form["method"].options] == [BANK_TRANSFER, COD]


def test_bank_transfer_checkout_shows_the_account_reference_and_due_time(
    django_app,
    china,  # noqa: F811
    honey,  # noqa: F811
):
    add_to_basket(django_app, honey.product, quantity=2)
    preview = reach_preview(django_app, payment_method=BANK_TRANSFER)

    thank_you = preview.forms["place_order_form"].submit().maybe_follow()

    order = Order.objects.get()
    assert order.payment_method == BANK_TRANSFER
    assert order.payment_status == "awaiting"
    assert order.payment_reference == order.number
    assert order.payment_due_at == order.date_placed + datetime.timedelta(hours=48)
    assert order.paid_at is None
    source = order.sources.get()
    assert source.source_type.name == "银行转账"
    assert source.amount_allocated == Decimal("90.00")  # 2 × 40.00 + 10.00
    assert source.amount_debited == Decimal("0.00")
    card = thank_you.html.select_one(".order-payment")
    assert card["data-status"] == "awaiting"
    assert card.select_one(".payment-reference").text == order.number
    due = timezone.localtime(order.payment_due_at).strftime("%Y-%m-%d %H:%M")
    assert card.select_one(".payment-due").text == due
    account = settings.BANK_TRANSFER_ACCOUNT
    assert card.select_one(".bank-account-number").text == account["NUMBER"]
    assert card.select_one(".bank-account-name").text == account["NAME"]
    # The impact summary is still there.
    assert thank_you.html.select_one(".impact-amount").text == "¥80.00"


def test_pay_within_comes_from_settings(
    django_app,
    china,  # noqa: F811
    honey,  # noqa: F811
    settings,
):
    settings.BANK_TRANSFER_PAY_WITHIN = datetime.timedelta(hours=24)
    add_to_basket(django_app, honey.product)

    reach_preview(django_app).forms["place_order_form"].submit().maybe_follow()

    order = Order.objects.get()
    assert order.payment_due_at == order.date_placed + datetime.timedelta(hours=24)


def test_payment_details_and_preview_say_what_happens_next(
    django_app,
    china,  # noqa: F811
    honey,  # noqa: F811
):
    django_app.set_cookie(settings.LANGUAGE_COOKIE_NAME, "en")
    add_to_basket(django_app, honey.product)

    preview = reach_preview(django_app, payment_method=BANK_TRANSFER)
    details = django_app.get(reverse("checkout:payment-details"))

    for page in (details, preview):
        steps = page.html.select_one(".payment-next-steps")
        assert steps["data-method"] == BANK_TRANSFER
        assert "transfer ¥50.00 to the account below within 2\xa0days" in steps.text
        number = steps.select_one(".bank-account-number").text
        assert number == settings.BANK_TRANSFER_ACCOUNT["NUMBER"]
        assert "needs implementing" not in page.text
        assert "Payment details to go here" not in page.text


def test_cash_on_delivery_checkout_asks_for_nothing_now(
    django_app,
    china,  # noqa: F811
    honey,  # noqa: F811
):
    django_app.set_cookie(settings.LANGUAGE_COOKIE_NAME, "en")
    add_to_basket(django_app, honey.product)
    preview = reach_preview(django_app, payment_method=COD)
    steps = preview.html.select_one(".payment-next-steps")
    assert "Pay ¥50.00 in cash to the courier" in steps.text

    thank_you = preview.forms["place_order_form"].submit().maybe_follow()

    order = Order.objects.get()
    assert (order.payment_method, order.payment_status) == (COD, "on_delivery")
    assert (order.payment_due_at, order.payment_reference) == (None, "")
    source = order.sources.get()
    assert (source.source_type.name, source.amount_allocated) == (
        "货到付款",
        Decimal("50.00"),
    )
    card = thank_you.html.select_one(".order-payment")
    assert card["data-method"] == COD
    assert card.select_one(".payment-due") is None


def test_preview_without_a_chosen_method_sends_the_buyer_to_choose(
    django_app,
    china,  # noqa: F811
    honey,  # noqa: F811
):
    add_to_basket(django_app, honey.product)
    reach_preview(django_app)
    session = django_app.session
    del session["checkout_data"]["payment"]
    session.save()

    page = django_app.get(reverse("checkout:preview")).maybe_follow()

    assert page.request.path == reverse("checkout:payment-method")
    assert "payment_method_form" in page.forms
    assert Order.objects.count() == 0


def test_an_unknown_method_is_refused_on_the_choice_page(
    django_app,
    china,  # noqa: F811
    honey,  # noqa: F811
):
    add_to_basket(django_app, honey.product)
    reach_preview(django_app)
    page = django_app.get(reverse("checkout:payment-method"))
    form = page.forms["payment_method_form"]
    form["method"].force_value("gateway")  # offered only with a gateway

    refused = form.submit()

    assert refused.status_code == 200
    assert refused.html.select_one("#payment_method_form .alert-danger")
    assert django_app.session["checkout_data"]["payment"]["method"] == BANK_TRANSFER


def test_staff_confirm_a_bank_transfer_from_the_order_page(
    django_app,
    honey,  # noqa: F811
    staff,
):
    django_app.set_cookie(settings.LANGUAGE_COOKIE_NAME, "en")
    order = placed_order(honey, quantity=2)
    page = django_app.get(
        reverse("dashboard:order-detail", args=[order.number]), user=staff
    )
    form = page.forms["bank_transfer_confirm_form"]
    form["reference"] = order.number
    form["amount"] = "80.00"

    result = form.submit(user=staff).follow(user=staff)

    order.refresh_from_db()
    assert order.payment_status == "paid"
    assert order.paid_at is not None
    source = order.sources.get()
    assert source.amount_debited == Decimal("80.00")
    debit = Transaction.objects.get(source=source)
    assert (debit.txn_type, debit.amount, debit.reference) == (
        "Debit",
        Decimal("80.00"),
        order.number,
    )
    event = PaymentEvent.objects.get(order=order)
    assert (event.event_type.name, event.amount) == ("已付款", Decimal("80.00"))
    assert [q.quantity for q in event.line_quantities.all()] == [2]
    message = result.html.select_one(".alert-success").text
    assert f"Bank transfer for order {order.number} confirmed." in message
    assert result.html.select_one(".order-payment .payment-status").text == "paid"
    assert "bank_transfer_confirm_form" not in result.forms


def test_wrong_amount_is_refused_and_nothing_changes(django_app, honey, staff):  # noqa: F811
    django_app.set_cookie(settings.LANGUAGE_COOKIE_NAME, "en")
    order = placed_order(honey, quantity=2)
    before = snapshot(order)
    page = django_app.get(
        reverse("dashboard:order-detail", args=[order.number]), user=staff
    )
    form = page.forms["bank_transfer_confirm_form"]
    form["reference"] = order.number
    form["amount"] = "79.99"

    result = form.submit(user=staff).follow(user=staff)

    assert snapshot(order) == before
    message = result.html.select_one(".alert-danger").text
    assert "The amount must be exactly ¥80.00, not ¥79.99." in message


def test_wrong_reference_is_refused_and_nothing_changes(honey):  # noqa: F811
    order = placed_order(honey)
    before = snapshot(order)

    with translation.override("en"), pytest.raises(services.WrongReference) as error:
        services.bank_transfer_confirm(
            order=order, reference="100999", amount=Decimal("40.00")
        )

    assert str(error.value) == f"The transfer reference must be {order.number}."
    assert snapshot(order) == before


def test_a_transfer_is_confirmed_only_once(honey):  # noqa: F811
    order = placed_order(honey)
    services.bank_transfer_confirm(
        order=order, reference=f" {order.number} ", amount=Decimal("40.00")
    )
    before = snapshot(order)

    with pytest.raises(services.NotAwaitingPayment):
        services.bank_transfer_confirm(
            order=order, reference=order.number, amount=Decimal("40.00")
        )

    assert snapshot(order) == before
    assert before["debited"] == Decimal("40.00")
    assert before["transactions"] == 1


def test_cash_on_delivery_order_cannot_be_confirmed_as_a_transfer(honey):  # noqa: F811
    order = placed_order(honey, method=COD)
    before = snapshot(order)

    with pytest.raises(services.WrongPaymentMethod):
        services.bank_transfer_confirm(
            order=order, reference=order.number, amount=Decimal("40.00")
        )

    assert snapshot(order) == before


def test_only_staff_who_may_change_orders_confirm_transfers(client, honey):  # noqa: F811
    order = placed_order(honey)
    before = snapshot(order)
    customer = get_user_model().objects.create_user(
        username="buyer", email="buyer@example.com", password="x"
    )
    url = reverse("payments:bank-transfer-confirm", args=[order.number])
    data = {"reference": order.number, "amount": "40.00"}

    viewer = get_user_model().objects.create_user(
        username="viewer", email="viewer@example.com", password="x", is_staff=True
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))

    anonymous = client.post(url, data)
    client.force_login(customer)
    as_customer = client.post(url, data)
    client.force_login(viewer)
    as_viewer = client.post(url, data)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("customer:login"))
    assert (as_customer.status_code, as_viewer.status_code) == (403, 403)
    assert snapshot(order) == before


def deliver(order) -> None:
    for line in order.lines.all():
        for status in (lines.CONFIRMED, lines.SHIPPED, lines.DELIVERED):
            lines.line_status_change(line=line, status=status)


def test_staff_record_cash_collected_once_delivered(django_app, honey, staff):  # noqa: F811
    order = placed_order(honey, method=COD, quantity=3)
    deliver(order)
    page = django_app.get(
        reverse("dashboard:order-detail", args=[order.number]), user=staff
    )

    page.forms["cash_on_delivery_collect_form"].submit(user=staff)

    order.refresh_from_db()
    assert (order.payment_status, order.status) == ("paid", lines.DELIVERED)
    assert order.sources.get().amount_debited == Decimal("120.00")
    event = PaymentEvent.objects.get(order=order)
    assert (event.event_type.name, event.amount) == ("已付款", Decimal("120.00"))


def test_cash_is_not_collected_before_delivery(honey):  # noqa: F811
    order = placed_order(honey, method=COD)
    lines.line_status_change(line=order.lines.get(), status=lines.CONFIRMED)
    lines.line_status_change(line=order.lines.get(), status=lines.SHIPPED)
    before = snapshot(order)

    with pytest.raises(services.NotDelivered):
        services.cash_on_delivery_collect(order=order)

    assert snapshot(order) == before


def test_cash_collected_leaves_out_cancelled_units(honey):  # noqa: F811
    sachets = factories.StockRecordFactory(price=Decimal("7.50"))
    basket = Basket.objects.create()
    basket.strategy = Default()
    basket.add_product(honey.product, 3)
    basket.add_product(sachets.product, 2)
    order = create_order(basket=basket)
    Order.objects.filter(pk=order.pk).update(
        payment_method=COD, payment_status="on_delivery"
    )
    order.refresh_from_db()
    jars_line, sachets_line = order.lines.order_by("pk")
    cancellations.line_cancel(line=jars_line, quantity=1, reason="买家取消")
    cancellations.line_cancel(line=sachets_line, quantity=2, reason="买家取消")
    for status in (lines.CONFIRMED, lines.SHIPPED, lines.DELIVERED):
        lines.line_status_change(line=jars_line, status=status)

    amount = services.cash_on_delivery_collect(order=order)

    # ¥120.00 + ¥15.00, less one jar (¥40.00) and both sachets (¥15.00).
    assert order.total_incl_tax == Decimal("135.00")
    assert amount == Decimal("80.00")
    assert order.sources.get().amount_debited == Decimal("80.00")
