"""Whole-order refunds, and the ledger through histories of several lines."""

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
    order_refund,
)
from fulfillment.models import AttributionEntry, LineAdjustment
from fulfillment.shipments import ShipmentLineRequest, ShipmentRefused, shipment_create
from tests import factories

Basket = get_model("basket", "Basket")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def order_with(prices_and_quantities, weights=(1, 2)):
    """Return an order of a line per (price, quantity), each of a producer."""
    basket = Basket.objects.create()
    basket.strategy = Default()
    records = []
    for price, quantity in prices_and_quantities:
        record = factories.StockRecordFactory(price=Decimal(price), num_in_stock=20)
        for weight in weights:
            factories.BenefitLinkFactory(
                producer=record.product.producer, weight=Decimal(weight)
            )
        basket.add_product(record.product, quantity)
        records.append(record)
    order = create_order(basket=basket)
    return order, list(order.lines.order_by("pk")), records


def ship(line, quantity: int, tracking: str):
    shipment_create(
        producer=line.partner,
        lines=[ShipmentLineRequest(line.pk, quantity)],
        carrier="顺丰速运",
        tracking_number=tracking,
    )


def net_attributed(line) -> Decimal:
    return sum(
        AttributionEntry.objects.filter(line=line).values_list("amount", flat=True),
        Decimal("0.00"),
    )


def test_refunding_a_whole_order_cancels_what_stayed_and_refunds_what_left():
    order, [shipped, part, waiting], records = order_with(
        [("12.00", 2), ("5.50", 3), ("8.00", 1)]
    )
    ship(shipped, 2, "SF001")
    ship(part, 2, "SF002")

    adjustments = order_refund(order=order, reason="买家退货")

    assert sorted((a.line_id, a.kind, a.quantity, a.amount) for a in adjustments) == [
        (shipped.pk, LineAdjustment.Kind.REFUND, 2, Decimal("24.00")),
        (part.pk, LineAdjustment.Kind.CANCELLATION, 1, Decimal("5.50")),
        (part.pk, LineAdjustment.Kind.REFUND, 2, Decimal("11.00")),
        (waiting.pk, LineAdjustment.Kind.CANCELLATION, 1, Decimal("8.00")),
    ]
    for line in (shipped, part, waiting):
        line.refresh_from_db()
        assert net_attributed(line) == line_net_paid(line) == Decimal("0.00")
    assert [shipped.status, part.status, waiting.status] == [
        statuses.REFUNDED,
        statuses.REFUNDED,
        statuses.CANCELLED,
    ]
    # Shipped units left the warehouse; the others are on sale again.
    assert [StockRecord.objects.get(pk=r.pk).num_allocated for r in records] == [
        2,
        2,
        0,
    ]
    order.refresh_from_db()
    assert order.status == statuses.REFUNDED


def test_an_order_with_nothing_left_is_refused_and_unchanged():
    order, [line], _ = order_with([("9.90", 2)])
    order_cancel(order=order, reason="买家取消")
    before = list(LineAdjustment.objects.values_list("pk", flat=True))

    with pytest.raises(AdjustmentRefused) as refused:
        order_refund(order=order, reason="再退一次")

    assert str(refused.value) == (f"Order {order.number} has nothing left to refund.")
    assert list(LineAdjustment.objects.values_list("pk", flat=True)) == before


actions = st.lists(
    st.tuples(
        st.sampled_from(["cancel", "ship", "refund", "order_cancel", "order_refund"]),
        st.integers(0, 2),
        st.integers(1, 3),
    ),
    max_size=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(
        st.tuples(st.integers(1, 20000), st.integers(1, 4)), min_size=1, max_size=3
    ),
    weights=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    history=actions,
)
def test_every_line_attributes_what_remains_paid_through_any_history(
    lines, weights, history
):
    prices = [(str(Decimal(fen) / 100), quantity) for fen, quantity in lines]
    order, order_lines, records = order_with(prices, weights=weights)

    for number, (action, index, count) in enumerate(history):
        line = order_lines[index % len(order_lines)]
        line.refresh_from_db()
        try:
            if action == "cancel":
                line_cancel(line=line, quantity=count, reason="property")
            elif action == "refund":
                line_refund(line=line, quantity=count, reason="property")
            elif action == "ship":
                ship(line, count, f"SF{number}")
            elif action == "order_cancel":
                order_cancel(order=order, reason="property")
            else:
                order_refund(order=order, reason="property")
        except (AdjustmentRefused, ShipmentRefused):
            pass

    for line, record in zip(order_lines, records, strict=True):
        line.refresh_from_db()
        cancelled = sum(
            line.adjustments.filter(kind="cancellation").values_list(
                "quantity", flat=True
            )
        )
        net = {}
        for entry in AttributionEntry.objects.filter(line=line):
            net[entry.household_id] = net.get(entry.household_id, 0) + entry.amount
        assert sum(net.values(), Decimal("0.00")) == line_net_paid(line)
        assert all(amount >= 0 for amount in net.values())
        assert StockRecord.objects.get(pk=record.pk).num_allocated == (
            line.quantity - cancelled
        )
