"""Orders placed outside the browser, once per idempotency key."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from oscar.core.loading import get_model

from fulfillment.models import AttributionEntry, PlacementIntent
from fulfillment.orders import (
    IdempotencyConflict,
    LineProblem,
    LineProblemCode,
    OrderLineRequest,
    OrderLinesRefused,
    order_place,
)
from shop.partners import services
from shop.partners.models import PartnerApp
from tests import factories
from tests.races import run_together
from tests.shop.test_checkout import china  # noqa: F401

Order = get_model("order", "Order")

ADDRESS = {
    "first_name": "王芳",
    "line1": "龙泉镇 3 号",
    "line4": "丹寨县",
    "postcode": "557500",
}


@pytest.fixture
def tea():
    record = factories.StockRecordFactory(price=Decimal("30.00"), num_in_stock=4)
    factories.BenefitLinkFactory(producer=record.product.producer)
    return record


@pytest.mark.django_db
def test_the_same_key_and_content_returns_the_first_order(china, tea):  # noqa: F811
    lines = [OrderLineRequest(product_id=tea.product.pk, quantity=2)]

    first = order_place(key="canteen-0001", lines=lines, shipping_address=ADDRESS)
    again = order_place(key="canteen-0001", lines=lines, shipping_address=ADDRESS)

    assert again.pk == first.pk
    assert Order.objects.count() == 1
    tea.refresh_from_db()
    assert tea.num_allocated == 2
    assert first.total_incl_tax == Decimal("70.00")  # 60.00 + 10.00 shipping
    assert AttributionEntry.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_other_content_is_refused(china, tea):  # noqa: F811
    order_place(
        key="canteen-0002",
        lines=[OrderLineRequest(product_id=tea.product.pk, quantity=1)],
        shipping_address=ADDRESS,
    )

    with pytest.raises(IdempotencyConflict, match="canteen-0002"):
        order_place(
            key="canteen-0002",
            lines=[OrderLineRequest(product_id=tea.product.pk, quantity=3)],
            shipping_address=ADDRESS,
        )

    assert Order.objects.count() == 1
    tea.refresh_from_db()
    assert tea.num_allocated == 1


@pytest.mark.django_db
def test_a_refused_order_keeps_nothing_so_the_key_can_be_retried(china, tea):  # noqa: F811
    too_many = [OrderLineRequest(product_id=tea.product.pk, quantity=5)]
    with pytest.raises(OrderLinesRefused):
        order_place(key="canteen-0003", lines=too_many, shipping_address=ADDRESS)
    assert (Order.objects.count(), PlacementIntent.objects.count()) == (0, 0)

    fixed = [OrderLineRequest(product_id=tea.product.pk, quantity=4)]
    order = order_place(key="canteen-0003", lines=fixed, shipping_address=ADDRESS)

    assert order.lines.get().quantity == 4


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_make_one_order(
    china,  # noqa: F811
    tea,
    postgres_only,
):
    lines = [OrderLineRequest(product_id=tea.product.pk, quantity=1)]

    def request():
        order = order_place(key="canteen-race", lines=lines, shipping_address=ADDRESS)
        return str(order.number)

    numbers = run_together(request, request)

    assert len(numbers) == 2 and numbers[0] == numbers[1]
    assert Order.objects.count() == 1
    tea.refresh_from_db()
    assert tea.num_allocated == 1


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -2])
def test_a_line_of_zero_or_fewer_units_is_refused_by_line_number(
    china,  # noqa: F811
    tea,
    quantity,
):
    lines = [
        OrderLineRequest(product_id=tea.product.pk, quantity=1),
        OrderLineRequest(product_id=tea.product.pk, quantity=quantity),
    ]

    with translation.override("en"), pytest.raises(OrderLinesRefused) as refused:
        order_place(key="canteen-0004", lines=lines, shipping_address=ADDRESS)

    assert str(refused.value) == "Line 2: the quantity must be at least 1."
    assert (Order.objects.count(), PlacementIntent.objects.count()) == (0, 0)
    tea.refresh_from_db()
    assert not tea.num_allocated


@pytest.mark.django_db
def test_an_unknown_product_is_refused_by_line_number(china, tea):  # noqa: F811
    lines = [OrderLineRequest(product_id=987654, quantity=1)]

    with translation.override("en"), pytest.raises(OrderLinesRefused) as refused:
        order_place(key="canteen-0005", lines=lines, shipping_address=ADDRESS)

    assert str(refused.value) == "Line 1: no product 987654 is for sale."
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_every_bad_line_is_reported_at_once_and_nothing_is_ordered(
    china,  # noqa: F811
    tea,
):
    unpriced = factories.ProductFactory(title="无价茶")
    lines = [
        OrderLineRequest(product_id=tea.product.pk, quantity=1),
        OrderLineRequest(product_id=tea.product.pk, quantity=0),
        OrderLineRequest(product_id=987654, quantity=1),
        OrderLineRequest(product_id=unpriced.pk, quantity=1),
        OrderLineRequest(product_id=tea.product.pk, quantity=1),
    ]

    with translation.override("en"), pytest.raises(OrderLinesRefused) as refused:
        order_place(key="canteen-0006", lines=lines, shipping_address=ADDRESS)

    assert refused.value.problems == [
        LineProblem(
            1,
            LineProblemCode.INVALID_QUANTITY,
            "Line 2: the quantity must be at least 1.",
        ),
        LineProblem(
            2, LineProblemCode.UNKNOWN_PRODUCT, "Line 3: no product 987654 is for sale."
        ),
        LineProblem(
            3, LineProblemCode.UNAVAILABLE, "Line 4: “无价茶” cannot be bought now."
        ),
        LineProblem(
            4,
            LineProblemCode.REPEATED_PRODUCT,
            "Line 5: this product is on an earlier line; order it on one line.",
        ),
    ]
    assert (Order.objects.count(), PlacementIntent.objects.count()) == (0, 0)
    tea.refresh_from_db()
    assert not tea.num_allocated


@pytest.mark.django_db
def test_more_than_the_stock_is_refused_naming_what_is_left(china, tea):  # noqa: F811
    lines = [OrderLineRequest(product_id=tea.product.pk, quantity=5)]

    with translation.override("en"), pytest.raises(OrderLinesRefused) as refused:
        order_place(key="canteen-0007", lines=lines, shipping_address=ADDRESS)

    assert refused.value.problems == [
        LineProblem(
            0,
            LineProblemCode.INSUFFICIENT_STOCK,
            f"Line 1: only 4 of “{tea.product.get_title()}” left, not 5.",
        )
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 501])
def test_an_order_has_1_to_500_lines(china, tea, count):  # noqa: F811
    lines = [OrderLineRequest(product_id=tea.product.pk, quantity=1)] * count

    with translation.override("en"), pytest.raises(OrderLinesRefused) as refused:
        order_place(key="canteen-0008", lines=lines, shipping_address=ADDRESS)

    assert refused.value.problems == [
        LineProblem(
            None,
            LineProblemCode.TOO_MANY_LINES,
            f"An order has 1 to 500 lines, not {count}.",
        )
    ]


@pytest.mark.django_db
def test_an_order_by_bank_transfer_waits_for_the_money(china, tea):  # noqa: F811
    lines = [OrderLineRequest(product_id=tea.product.pk, quantity=2)]

    order = order_place(key="canteen-0009", lines=lines, shipping_address=ADDRESS)

    assert order.payment_method == Order.PaymentMethod.BANK_TRANSFER
    assert order.payment_status == Order.PaymentStatus.AWAITING
    assert order.payment_reference == order.number
    assert order.payment_due_at - order.date_placed == timedelta(hours=48)
    source = order.sources.get()
    assert (source.source_type.code, source.amount_allocated) == (
        "bank_transfer",
        order.total_incl_tax,
    )


@pytest.mark.django_db
def test_an_order_paid_on_delivery_has_no_due_time(china, tea):  # noqa: F811
    lines = [OrderLineRequest(product_id=tea.product.pk, quantity=1)]

    order = order_place(
        key="canteen-0010",
        lines=lines,
        shipping_address=ADDRESS,
        payment_method=Order.PaymentMethod.CASH_ON_DELIVERY,
    )

    assert order.payment_status == Order.PaymentStatus.ON_DELIVERY
    assert order.payment_due_at is None


@pytest.mark.django_db
def test_two_apps_may_use_the_same_key(china, tea):  # noqa: F811
    apps = [
        services.app_create(
            name=name, organisation_kind=PartnerApp.OrganisationKind.PLATFORM, scopes=[]
        )
        for name in ("食堂甲", "食堂乙")
    ]
    lines = [OrderLineRequest(product_id=tea.product.pk, quantity=1)]

    first, second = (
        order_place(key="po-1", lines=lines, shipping_address=ADDRESS, app=app)
        for app in apps
    )

    assert first.number != second.number
    assert [i.app for i in PlacementIntent.objects.order_by("pk")] == apps
