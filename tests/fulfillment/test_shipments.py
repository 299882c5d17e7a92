"""Shipments: own lines only, partial quantities, line and order statuses."""

from decimal import Decimal

import pytest
from django.utils import translation
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from fulfillment import lines as statuses
from fulfillment.cancellations import AdjustmentRefused, line_cancel, order_cancel
from fulfillment.models import Shipment, ShipmentLine
from fulfillment.shipments import (
    Problem,
    ShipmentLineRequest,
    ShipmentRefused,
    quantity_left_to_ship,
    shipment_create,
)
from tests import factories

Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Match refusals against their English source text."""
    with translation.override("en"):
        yield


def order_with(*quantities: int, producers=None):
    """Return an order with one line per quantity, and its lines by pk.

    producers gives each line's producer; by default all lines share one.
    """
    producers = producers or [factories.PartnerFactory()] * len(quantities)
    basket = Basket.objects.create()
    basket.strategy = Default()
    for quantity, producer in zip(quantities, producers, strict=True):
        record = factories.StockRecordFactory(
            partner=producer, price=Decimal("10.00"), num_in_stock=50
        )
        basket.add_product(record.product, quantity)
    order = create_order(basket=basket)
    return order, list(order.lines.order_by("pk"))


def ship(producer, *pairs, carrier="顺丰速运", tracking="SF1234567890"):
    requests = [ShipmentLineRequest(line.pk, quantity) for line, quantity in pairs]
    return shipment_create(
        producer=producer, lines=requests, carrier=carrier, tracking_number=tracking
    )


def refusal_codes(error: ShipmentRefused) -> list[tuple[str, str]]:
    return [(problem.code, problem.field) for problem in error.value.problems]


def test_shipping_part_of_a_line_marks_it_partly_shipped_with_the_rest_to_ship():
    order, [line] = order_with(5)

    shipment = ship(line.partner, (line, 2))

    line.refresh_from_db()
    order.refresh_from_db()
    assert line.status == statuses.PARTLY_SHIPPED
    assert quantity_left_to_ship(line) == 3
    assert order.status == statuses.PARTLY_SHIPPED
    assert [(s.line_id, s.quantity) for s in shipment.lines.all()] == [(line.pk, 2)]
    assert (shipment.carrier, shipment.tracking_number) == ("顺丰速运", "SF1234567890")


def test_an_order_with_a_line_partly_out_and_one_waiting_is_partly_shipped():
    order, [first, second] = order_with(
        3, 2, producers=[factories.PartnerFactory(), factories.PartnerFactory()]
    )

    ship(first.partner, (first, 1))

    order.refresh_from_db()
    second.refresh_from_db()
    assert (order.status, second.status) == (statuses.PARTLY_SHIPPED, statuses.PENDING)


def test_cancelling_what_is_left_of_a_partly_shipped_line_ships_it():
    order, [line] = order_with(4)
    ship(line.partner, (line, 1))

    line_cancel(line=line, quantity=3, reason="缺货")

    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.status, order.status) == (statuses.SHIPPED, statuses.SHIPPED)


def test_shipping_the_rest_ships_the_line_and_the_order():
    order, [line] = order_with(5)
    ship(line.partner, (line, 2))

    ship(line.partner, (line, 3), tracking="SF1234567891")

    line.refresh_from_db()
    order.refresh_from_db()
    assert line.status == statuses.SHIPPED
    assert order.status == statuses.SHIPPED
    assert Shipment.objects.filter(order=order).count() == 2


def test_one_producer_shipping_its_lines_leaves_the_others_order_partly_shipped():
    tea, honey = factories.PartnerFactory(), factories.PartnerFactory()
    order, [tea_line, honey_line] = order_with(1, 2, producers=[tea, honey])

    ship(tea, (tea_line, 1))

    order.refresh_from_db()
    honey_line.refresh_from_db()
    assert order.status == statuses.PARTLY_SHIPPED
    assert honey_line.status == statuses.PENDING


def test_a_producer_cannot_ship_another_producers_line():
    tea, honey = factories.PartnerFactory(), factories.PartnerFactory()
    _, [tea_line, honey_line] = order_with(1, 2, producers=[tea, honey])

    with pytest.raises(ShipmentRefused) as error:
        ship(tea, (tea_line, 1), (honey_line, 2))

    assert refusal_codes(error) == [(Problem.NOT_FOUND, "lines.1.line")]
    assert error.value.problems[0].message == "There is no such line of yours."
    assert not Shipment.objects.exists()
    tea_line.refresh_from_db()
    assert tea_line.status == statuses.PENDING


def test_more_than_is_left_is_refused_and_nothing_is_shipped():
    _, [line] = order_with(3)
    ship(line.partner, (line, 2))

    with pytest.raises(ShipmentRefused) as error:
        ship(line.partner, (line, 2), tracking="SF1234567892")

    assert error.value.problems[0].message == (
        "Only 1 unit(s) of this line are left to ship, not 2."
    )
    assert refusal_codes(error) == [(Problem.MORE_THAN_LEFT, "lines.0.quantity")]
    assert ShipmentLine.objects.count() == 1


def test_the_same_parcel_sent_again_is_recorded_once():
    _, [line] = order_with(5)
    first = ship(line.partner, (line, 2))

    again = ship(line.partner, (line, 2), tracking=" SF1234567890 ")

    assert again.pk == first.pk
    assert list(ShipmentLine.objects.values_list("line_id", "quantity")) == [
        (line.pk, 2)
    ]
    assert quantity_left_to_ship(line) == 3


def test_a_parcel_recorded_with_other_lines_is_refused():
    _, [line] = order_with(5)
    ship(line.partner, (line, 2))

    with pytest.raises(ShipmentRefused) as error:
        ship(line.partner, (line, 1))

    assert refusal_codes(error) == [(Problem.TRACKING_NUMBER_USED, "trackingNumber")]
    assert error.value.problems[0].message == (
        "Parcel SF1234567890 of 顺丰速运 was recorded before with other lines; "
        "give each parcel its own tracking number."
    )
    assert list(ShipmentLine.objects.values_list("quantity", flat=True)) == [2]


def test_another_producer_may_use_the_same_tracking_number():
    _, [tea, honey] = order_with(
        2, 2, producers=[factories.PartnerFactory(), factories.PartnerFactory()]
    )

    ship(tea.partner, (tea, 2))
    ship(honey.partner, (honey, 2))

    assert Shipment.objects.count() == 2


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_quantity_below_one_is_refused(quantity):
    _, [line] = order_with(3)

    with pytest.raises(ShipmentRefused) as error:
        ship(line.partner, (line, quantity))

    assert refusal_codes(error) == [(Problem.INVALID_QUANTITY, "lines.0.quantity")]
    assert not Shipment.objects.exists()


def test_every_problem_is_reported_at_once():
    _, [line] = order_with(3)

    with pytest.raises(ShipmentRefused) as error:
        ship(line.partner, (line, 1), (line, 0), carrier=" ", tracking="x" * 65)

    assert refusal_codes(error) == [
        (Problem.REQUIRED, "carrier"),
        (Problem.TOO_LONG, "trackingNumber"),
        (Problem.REPEATED_LINE, "lines.1.line"),
        (Problem.INVALID_QUANTITY, "lines.1.quantity"),
    ]


def test_lines_of_two_orders_are_refused():
    producer = factories.PartnerFactory()
    _, [first] = order_with(1, producers=[producer])
    _, [second] = order_with(1, producers=[producer])

    with pytest.raises(ShipmentRefused) as error:
        ship(producer, (first, 1), (second, 1))

    assert refusal_codes(error) == [(Problem.SEVERAL_ORDERS, "lines")]


def test_a_cancelled_line_cannot_be_shipped():
    order, [line] = order_with(2)
    order_cancel(order=order, reason="买家取消")

    with pytest.raises(ShipmentRefused) as error:
        ship(line.partner, (line, 1))

    assert refusal_codes(error) == [(Problem.NOT_SHIPPABLE, "lines.0.line")]


def test_shipped_units_cannot_be_cancelled_but_the_rest_can():
    order, [line] = order_with(5)
    ship(line.partner, (line, 2))

    with pytest.raises(AdjustmentRefused):
        line_cancel(line=line, quantity=4, reason="缺货")
    line_cancel(line=line, quantity=3, reason="缺货")

    line.refresh_from_db()
    order.refresh_from_db()
    assert quantity_left_to_ship(line) == 0
    assert line.status == statuses.SHIPPED
    assert order.status == statuses.SHIPPED


def test_an_order_with_shipped_units_cannot_be_cancelled_whole():
    order, [line] = order_with(5)
    ship(line.partner, (line, 1))

    with pytest.raises(AdjustmentRefused):
        order_cancel(order=order, reason="买家取消")

    line.refresh_from_db()
    assert quantity_left_to_ship(line) == 4
