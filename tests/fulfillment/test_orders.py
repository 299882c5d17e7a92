"""Orders placed outside the browser, once per idempotency key."""

from decimal import Decimal

import pytest
from django.utils import translation
from oscar.core.loading import get_model

from fulfillment.models import AttributionEntry, PlacementIntent
from fulfillment.orders import (
    IdempotencyConflict,
    OrderLineRequest,
    UnknownProduct,
    order_place,
)
from fulfillment.stock import InsufficientStock, InvalidQuantity
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
    with pytest.raises(InsufficientStock):
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

    with translation.override("en"), pytest.raises(InvalidQuantity) as refused:
        order_place(key="canteen-0004", lines=lines, shipping_address=ADDRESS)

    assert str(refused.value) == "Line 2: the quantity must be at least 1."
    assert (Order.objects.count(), PlacementIntent.objects.count()) == (0, 0)
    tea.refresh_from_db()
    assert not tea.num_allocated


@pytest.mark.django_db
def test_an_unknown_product_is_refused_by_line_number(china, tea):  # noqa: F811
    lines = [OrderLineRequest(product_id=987654, quantity=1)]

    with translation.override("en"), pytest.raises(UnknownProduct) as refused:
        order_place(key="canteen-0005", lines=lines, shipping_address=ADDRESS)

    assert str(refused.value) == "Line 1: no product 987654 is for sale."
    assert Order.objects.count() == 0
