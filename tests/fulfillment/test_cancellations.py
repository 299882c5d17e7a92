"""Cancellations and refunds keep stock and the ledger exact."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from fulfillment import lines as statuses
from fulfillment.cancellations import (
    AdjustmentRefused,
    line_cancel,
    line_net_paid,
    line_refund,
    order_cancel,
)
from fulfillment.ledger import verify_chain
from fulfillment.models import AttributionEntry, LineAdjustment
from tests import factories

Basket = get_model("basket", "Basket")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Match refusals against their English source text."""
    with translation.override("en"):
        yield


def order_of(price: str, quantity: int, weights=(1, 1, 1), stock: int = 10):
    record = factories.StockRecordFactory(price=Decimal(price), num_in_stock=stock)
    for weight in weights:
        factories.BenefitLinkFactory(
            producer=record.product.producer, weight=Decimal(weight)
        )
    basket = Basket.objects.create()
    basket.strategy = Default()
    basket.add_product(record.product, quantity)
    order = create_order(basket=basket)
    return order, order.lines.get(), record


def net_by_household(line) -> dict:
    net = {}
    for entry in AttributionEntry.objects.filter(line=line):
        net[entry.registry_number] = net.get(entry.registry_number, 0) + entry.amount
    return net


def test_cancelling_some_units_restocks_and_reverses_their_share():
    order, line, record = order_of("10.00", 3)

    line_cancel(line=line, quantity=2, reason="买家改了主意")

    # ¥30.00 over three equal links is ¥10.00 each; ¥20.00 comes back off
    # them by their remaining ¥10.00 each: 6.67, 6.67, 6.66 (ties by number).
    record.refresh_from_db()
    assert record.num_allocated == 1
    assert sorted(net_by_household(line).values()) == [
        Decimal("3.33"),
        Decimal("3.33"),
        Decimal("3.34"),
    ]
    assert line_net_paid(line) == Decimal("10.00")
    line.refresh_from_db()
    assert line.status == statuses.PENDING


def test_cancelling_the_last_unit_closes_line_and_order():
    order, line, record = order_of("10.00", 3)
    line_cancel(line=line, quantity=1, reason="缺货")

    order_cancel(order=order, reason="买家取消")

    line.refresh_from_db()
    order.refresh_from_db()
    record.refresh_from_db()
    assert (line.status, order.status) == (statuses.CANCELLED, statuses.CANCELLED)
    assert record.num_allocated == 0
    assert set(net_by_household(line).values()) == {Decimal("0.00")}
    assert [a.amount for a in LineAdjustment.objects.all()] == [
        Decimal("10.00"),
        Decimal("20.00"),
    ]
    assert verify_chain().ok


def test_a_shipped_line_cannot_be_cancelled_and_nothing_changes():
    order, line, record = order_of("8.00", 2)
    statuses.line_status_change(line=line, status=statuses.CONFIRMED)
    statuses.line_status_change(line=line, status=statuses.SHIPPED)
    entries_before = AttributionEntry.objects.count()

    with pytest.raises(AdjustmentRefused, match="can no longer be cancelled"):
        line_cancel(line=line, quantity=1, reason="太晚了")
    with pytest.raises(AdjustmentRefused, match="shipped lines"):
        order_cancel(order=order, reason="太晚了")

    record.refresh_from_db()
    assert record.num_allocated == 2
    assert AttributionEntry.objects.count() == entries_before
    assert LineAdjustment.objects.count() == 0


def test_refunding_a_delivered_line_leaves_stock_alone():
    order, line, record = order_of("12.00", 2, weights=(1, 3))
    for status in (statuses.CONFIRMED, statuses.SHIPPED, statuses.DELIVERED):
        statuses.line_status_change(line=line, status=status)

    line_refund(line=line, quantity=2, reason="破损")

    line.refresh_from_db()
    order.refresh_from_db()
    record.refresh_from_db()
    assert (line.status, order.status) == (statuses.REFUNDED, statuses.REFUNDED)
    assert record.num_allocated == 2
    assert line_net_paid(line) == Decimal("0.00")
    assert set(net_by_household(line).values()) == {Decimal("0.00")}


def test_taking_more_units_than_are_left_is_refused():
    order, line, record = order_of("5.00", 2)
    line_cancel(line=line, quantity=1, reason="缺货")

    with pytest.raises(AdjustmentRefused, match="1 unit"):
        line_cancel(line=line, quantity=2, reason="缺货")
    with pytest.raises(AdjustmentRefused):
        line_cancel(line=line, quantity=0, reason="缺货")
    with pytest.raises(AdjustmentRefused, match="Say why"):
        line_cancel(line=line, quantity=1, reason="  ")

    record.refresh_from_db()
    assert record.num_allocated == 1


operations = st.lists(
    st.tuples(st.sampled_from(["cancel", "ship", "refund"]), st.integers(1, 4)),
    max_size=6,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    price_fen=st.integers(1, 50000),
    quantity=st.integers(1, 6),
    weights=st.lists(st.integers(1, 9), min_size=1, max_size=4),
    history=operations,
)
def test_net_attributed_equals_net_paid_through_any_history(
    price_fen, quantity, weights, history
):
    price = str(Decimal(price_fen) / 100)
    order, line, record = order_of(price, quantity, weights=weights, stock=quantity)

    for operation, count in history:
        line.refresh_from_db()
        try:
            if operation == "cancel":
                line_cancel(line=line, quantity=count, reason="property")
            elif operation == "refund":
                line_refund(line=line, quantity=count, reason="property")
            elif line.status in (statuses.PENDING, statuses.CONFIRMED):
                if line.status == statuses.PENDING:
                    statuses.line_status_change(line=line, status=statuses.CONFIRMED)
                statuses.line_status_change(line=line, status=statuses.SHIPPED)
        except AdjustmentRefused:
            pass

        net = net_by_household(line)
        assert sum(net.values()) == line_net_paid(line)
        assert all(amount >= 0 for amount in net.values())

    line.refresh_from_db()
    cancelled = sum(a.quantity for a in line.adjustments.filter(kind="cancellation"))
    record.refresh_from_db()
    assert record.num_allocated == quantity - cancelled


def test_impact_of_a_cancelled_order_is_nothing():
    from fulfillment.selectors import order_impact

    order, line, record = order_of("9.99", 3, weights=(2, 1))
    line_cancel(line=line, quantity=1, reason="缺货")
    assert order_impact(order=order)["attributed"] == Decimal("19.98")

    order_cancel(order=order, reason="买家取消")

    impact = order_impact(order=order)
    assert (impact["attributed"], impact["counted"]) == (Decimal("0.00"),) * 2
    assert (impact["household_count"], impact["village_count"]) == (0, 0)
