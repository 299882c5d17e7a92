"""The order status follows from its lines' statuses."""

import pytest
from oscar.apps.order.exceptions import InvalidLineStatus
from oscar.test.factories import create_order

from fulfillment import lines as s
from fulfillment.lines import derive_order_status, line_status_change


@pytest.mark.parametrize(
    ("line_statuses", "expected"),
    [
        ([s.PENDING, s.PENDING], s.PENDING),
        ([s.CONFIRMED, s.CONFIRMED], s.CONFIRMED),
        ([s.PENDING, s.CONFIRMED], s.PENDING),
        ([s.SHIPPED, s.CONFIRMED], s.PARTLY_SHIPPED),
        ([s.SHIPPED, s.DELIVERED], s.SHIPPED),
        ([s.DELIVERED, s.CANCELLED], s.DELIVERED),
        ([s.CANCELLED, s.CANCELLED], s.CANCELLED),
        ([s.REFUNDED, s.CANCELLED], s.REFUNDED),
        ([s.SHIPPED, s.REFUNDED], s.SHIPPED),
        ([s.CONFIRMED, s.CANCELLED], s.CONFIRMED),
    ],
)
def test_order_status_is_derived_from_line_statuses(line_statuses, expected):
    assert derive_order_status(line_statuses) == expected


@pytest.mark.django_db
def test_a_line_moves_along_the_pipeline_and_the_order_follows():
    order = create_order()
    line = order.lines.get()

    line_status_change(line=line, status=s.CONFIRMED)
    line_status_change(line=line, status=s.SHIPPED)

    order.refresh_from_db()
    assert order.status == s.SHIPPED
    assert list(
        order.status_changes.order_by("pk").values_list("new_status", flat=True)
    ) == [
        s.CONFIRMED,
        s.SHIPPED,
    ]


@pytest.mark.django_db
def test_a_shipped_line_cannot_go_back_to_cancelled():
    order = create_order()
    line = order.lines.get()
    line_status_change(line=line, status=s.CONFIRMED)
    line_status_change(line=line, status=s.SHIPPED)

    with pytest.raises(InvalidLineStatus):
        line_status_change(line=line, status=s.CANCELLED)

    line.refresh_from_db()
    assert line.status == s.SHIPPED
