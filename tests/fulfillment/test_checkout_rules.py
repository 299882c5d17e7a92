"""What a buyer sees when placing an order goes wrong, through the views."""

import datetime
from decimal import Decimal
from http.cookies import SimpleCookie

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import create_offer, create_voucher

from fulfillment import placement
from fulfillment.models import AttributionEntry
from fulfillment.order import utils as order_utils
from tests import factories
from tests.races import run_together
from tests.shop.test_checkout import (  # noqa: F401
    add_to_basket,
    china,
    choose_payment_method,
)

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
Voucher = get_model("voucher", "Voucher")

pytestmark = pytest.mark.django_db


@pytest.fixture
def honey():
    stockrecord = factories.StockRecordFactory(
        product__title="丹寨蜂蜜", price=Decimal("40.00"), num_in_stock=5
    )
    factories.BenefitLinkFactory(producer=stockrecord.product.producer)
    return stockrecord


def reach_preview(app, email="buyer@example.com", payment_method="bank_transfer"):
    gateway = app.get(reverse("checkout:index"))
    form = gateway.forms[0]
    form["username"] = email
    form.select("options", "anonymous")
    form = form.submit().follow().forms["new_shipping_address"]
    for field, value in {
        "first_name": "李华",
        "line1": "龙泉镇 8 号",
        "line4": "丹寨县",
        "postcode": "557500",
    }.items():
        form[field] = value
    choose_payment_method(form.submit().maybe_follow(), payment_method)
    return app.get(reverse("checkout:preview"))


def test_buyer_who_loses_the_last_units_is_told_and_nothing_is_written(
    django_app,
    china,  # noqa: F811
    honey,
    monkeypatch,
):
    add_to_basket(django_app, honey.product, quantity=4)
    preview = reach_preview(django_app)
    real_lock = placement.lock_vouchers

    def another_buyer_takes_three(**kwargs):
        # Another checkout commits three of the five jars after Oscar's
        # availability check and before this order's allocation.
        StockRecord.objects.filter(pk=honey.pk).update(num_allocated=3)
        real_lock(**kwargs)

    monkeypatch.setattr(order_utils, "lock_vouchers", another_buyer_takes_three)

    page = preview.forms["place_order_form"].submit()

    assert page.status_code == 200
    error = page.html.select_one(".alert-danger").get_text(" ", strip=True)
    assert "“丹寨蜂蜜”" in error
    assert "2" in error and "4" in error
    assert Order.objects.count() == 0
    assert AttributionEntry.objects.count() == 0
    # The simulated rival ran inside this buyer's rolled-back transaction, so
    # its three units went too; what matters is that nothing was allocated
    # to the refused buyer.
    honey.refresh_from_db()
    assert not honey.num_allocated


def test_stock_gone_before_placing_sends_the_buyer_back_to_the_basket(
    django_app,
    china,  # noqa: F811
    honey,
):
    add_to_basket(django_app, honey.product, quantity=4)
    preview = reach_preview(django_app)
    StockRecord.objects.filter(pk=honey.pk).update(num_allocated=3)

    page = preview.forms["place_order_form"].submit().follow()

    assert page.request.path == reverse("basket:summary")
    assert "丹寨蜂蜜" in page.html.select_one(".alert").get_text()
    assert Order.objects.count() == 0


def test_basket_changed_in_another_tab_is_not_ordered_unseen(
    django_app,
    china,  # noqa: F811
    honey,
):
    add_to_basket(django_app, honey.product, quantity=1)
    preview = reach_preview(django_app)
    add_to_basket(django_app, honey.product, quantity=1)  # the other tab

    page = preview.forms["place_order_form"].submit()

    assert (
        "您在确认订单后购物车发生了变化（可能是在另一个窗口中修改的）。"
        "请核对下面的订单后再提交。"
    ) in page.text
    assert Order.objects.count() == 0
    fresh = django_app.get(reverse("checkout:preview"))
    placed = fresh.forms["place_order_form"].submit().maybe_follow()
    order = Order.objects.get()
    assert order.lines.get().quantity == 2
    assert placed.request.path == reverse("checkout:thank-you")


def test_submitting_the_same_basket_twice_places_one_order(
    django_app,
    china,  # noqa: F811
    honey,
):
    add_to_basket(django_app, honey.product, quantity=1)
    form = reach_preview(django_app).forms["place_order_form"]

    form.submit().maybe_follow()
    form.submit().maybe_follow()

    assert Order.objects.count() == 1
    honey.refresh_from_db()
    assert honey.num_allocated == 1


def test_voucher_expired_before_placing_is_reported_and_removed(
    django_app,
    china,  # noqa: F811
    honey,
):
    voucher = create_voucher(code="FUPIN10")
    add_to_basket(django_app, honey.product, quantity=1)
    form = django_app.get(reverse("basket:summary")).forms["voucher_form"]
    form["code"] = "FUPIN10"
    form.submit().maybe_follow()
    preview = reach_preview(django_app)
    Voucher.objects.filter(pk=voucher.pk).update(
        end_datetime=timezone.now() - datetime.timedelta(minutes=1)
    )

    page = preview.forms["place_order_form"].submit()

    assert "FUPIN10" in page.html.select_one(".alert-danger").text
    assert Order.objects.count() == 0
    assert voucher.applications.count() == 0


def test_confirmation_email_waits_for_the_commit(
    django_app,
    china,  # noqa: F811
    honey,
    django_capture_on_commit_callbacks,
):
    add_to_basket(django_app, honey.product, quantity=1)
    form = reach_preview(django_app).forms["place_order_form"]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        form.submit().maybe_follow()
    assert Order.objects.count() == 1
    assert len(mail.outbox) == 0

    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert Order.objects.get().number in mail.outbox[0].subject + mail.outbox[0].body


def test_offer_still_applies_with_the_safe_placement(
    django_app,
    china,  # noqa: F811
    honey,
):
    create_offer()  # 20% off
    add_to_basket(django_app, honey.product, quantity=1)

    reach_preview(django_app).forms["place_order_form"].submit().maybe_follow()

    order = Order.objects.get()
    assert order.total_incl_tax == Decimal("42.00")  # 32.00 + 10.00 shipping
    entry = AttributionEntry.objects.get()
    assert entry.amount == Decimal("32.00")


@pytest.mark.django_db(transaction=True)
def test_two_tabs_placing_one_basket_at_once_make_one_order(
    django_app,
    china,  # noqa: F811
    honey,
    postgres_only,
):
    add_to_basket(django_app, honey.product, quantity=1)
    form = reach_preview(django_app).forms["place_order_form"]
    fields = dict(form.submit_fields())
    tabs = [Client(), Client()]
    for tab in tabs:
        tab.cookies = SimpleCookie(django_app.cookies)
    place = reverse("checkout:preview")

    answers = run_together(*(lambda tab=tab: tab.post(place, fields) for tab in tabs))

    assert Order.objects.count() == 1
    assert [answer.status_code for answer in answers] == [302, 302]
    assert {answer.url for answer in answers} == {reverse("checkout:thank-you")}
    honey.refresh_from_db()
    assert honey.num_allocated == 1
    assert AttributionEntry.objects.count() == 1
