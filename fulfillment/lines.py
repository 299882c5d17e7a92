"""Line statuses and the order status derived from them.

Each line belongs to one producer (its stockrecord's partner) and moves
along OSCAR_LINE_STATUS_PIPELINE on its own; an order mixing producers is
shipped and delivered line by line. The order's status is computed from
its lines, so the two can never disagree.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import InvalidLineStatus

logger = logging.getLogger(__name__)

PENDING = "待确认"
CONFIRMED = "已确认"
SHIPPED = "已发货"
DELIVERED = "已送达"
CANCELLED = "已取消"
REFUNDED = "已退款"
PARTLY_SHIPPED = "部分发货"

CLOSED = {CANCELLED, REFUNDED}

# The statuses as programs see them, in the partner API and in webhooks:
# stored statuses are the Chinese words staff read.
MACHINE_NAMES = {
    PENDING: "PENDING",
    CONFIRMED: "CONFIRMED",
    PARTLY_SHIPPED: "PARTLY_SHIPPED",
    SHIPPED: "SHIPPED",
    DELIVERED: "DELIVERED",
    CANCELLED: "CANCELLED",
    REFUNDED: "REFUNDED",
}


def derive_order_status(line_statuses: list[str]) -> str:
    """Return the order status that a list of line statuses adds up to."""
    statuses = set(line_statuses)
    if not statuses or statuses == {CANCELLED}:
        return CANCELLED
    if statuses <= CLOSED:
        return REFUNDED
    live = statuses - CLOSED
    for status in (PENDING, CONFIRMED):
        if live == {status}:
            return status
    if live <= {DELIVERED}:
        return DELIVERED
    if live <= {SHIPPED, DELIVERED}:
        return SHIPPED
    if live & {PARTLY_SHIPPED, SHIPPED, DELIVERED}:
        return PARTLY_SHIPPED
    return PENDING if PENDING in live else CONFIRMED


def refresh_order_status(order) -> str:
    """Store the status derived from the order's lines and return it."""
    status = derive_order_status(list(order.lines.values_list("status", flat=True)))
    if status != order.status:
        # set_status saves the whole row: lock and reload it first, so that a
        # payment confirmed a moment ago is not written back as unpaid.
        locked = type(order).objects.select_for_update().get(pk=order.pk)
        old = locked.status
        locked.set_status(status)
        order.status = status
        logger.info("order status order=%s from=%s to=%s", order.number, old, status)
    return status


def line_status_change(*, line, status: str) -> None:
    """Move a line to status and re-derive its order's status.

    Raise InvalidLineStatus when the pipeline does not allow the move, e.g.
    cancelling a line that has already shipped.
    """
    with transaction.atomic():
        locked = type(line).objects.select_for_update().get(pk=line.pk)
        if status not in locked.available_statuses():
            raise InvalidLineStatus(
                _("A line that is “%(old)s” cannot become “%(new)s”.")
                % {"old": locked.status, "new": status}
            )
        locked.set_status(status)
        line.status = status
        refresh_order_status(locked.order)
