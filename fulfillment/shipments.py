"""Shipments: a producer sends units of its own order lines.

A line may go out in several parts. Its first shipment confirms it, and it
becomes shipped when every unit that was not cancelled has left; the order's
status follows from its lines (fulfillment.lines).
"""

import logging
from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from fulfillment import lines as line_statuses
from fulfillment import signals
from fulfillment.cancellations import adjusted_quantity, shipped_quantity
from fulfillment.models import Shipment, ShipmentLine

logger = logging.getLogger(__name__)

Line = get_model("order", "Line")
Order = get_model("order", "Order")

SHIPPABLE = {
    line_statuses.PENDING,
    line_statuses.CONFIRMED,
    line_statuses.PARTLY_SHIPPED,
}
# A transfer or gateway payment that has not come in: goods leave once
# paid for (cash on delivery is collected by the carrier).
UNPAID = {Order.PaymentStatus.AWAITING, Order.PaymentStatus.EXPIRED}
MAX_TEXT = 64
MAX_LINES = 500


class Problem(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    MORE_THAN_LEFT = "MORE_THAN_LEFT"
    NOT_SHIPPABLE = "NOT_SHIPPABLE"
    NOT_PAID = "NOT_PAID"
    TRACKING_NUMBER_USED = "TRACKING_NUMBER_USED"
    REPEATED_LINE = "REPEATED_LINE"
    SEVERAL_ORDERS = "SEVERAL_ORDERS"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    TOO_MANY_LINES = "TOO_MANY_LINES"


@dataclass(frozen=True)
class ShipmentLineRequest:
    line_id: int
    quantity: int


@dataclass(frozen=True)
class ShipmentProblem:
    """One reason a shipment was refused; index is the request line's."""

    code: Problem
    message: str
    field: str
    index: int | None = None


class ShipmentRefused(ValueError):
    """The shipment cannot be recorded; nothing was changed."""

    def __init__(self, problems: list[ShipmentProblem]):
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems))


def quantity_left_to_ship(line) -> int:
    """Return the units of line neither shipped nor cancelled."""
    return line.quantity - adjusted_quantity(line) - shipped_quantity(line)


def shipment_create(
    *,
    producer,
    lines: list[ShipmentLineRequest],
    carrier: str,
    tracking_number: str,
) -> Shipment:
    """Record that producer sent the units of lines; return the shipment.

    Raise ShipmentRefused, changing nothing, listing every problem: a line
    that is not one of producer's (reported like a line that does not exist,
    so other producers' lines stay unknown), a quantity below 1 or above
    what is left to ship, a line that is cancelled or already shipped, a
    line of an order still awaiting its payment (cash on delivery ships at
    once), lines of several orders, a blank or over-long carrier or tracking
    number.

    The carrier and tracking number name a parcel: sending the same shipment
    again returns the first one unchanged, so a retried request records
    nothing twice; the same parcel with other lines is refused
    (TRACKING_NUMBER_USED).
    """
    problems = _text_problems(carrier=carrier, tracking_number=tracking_number)
    problems += _request_problems(lines)
    if problems:
        raise ShipmentRefused(problems)

    with transaction.atomic():
        # The line locks come first: a retry racing the first request waits
        # here, then finds the shipment the first one recorded.
        locked = _lock_lines(producer, lines)
        earlier = Shipment.objects.filter(
            producer=producer,
            carrier=carrier.strip(),
            tracking_number=tracking_number.strip(),
        ).first()
        if earlier is not None:
            return _repeated(earlier, lines)
        problems = _line_problems(lines, locked)
        if problems:
            raise ShipmentRefused(problems)
        try:
            with transaction.atomic():
                shipment = _record(producer, lines, locked, carrier, tracking_number)
        except IntegrityError:
            # Another request took the parcel for other lines meanwhile.
            raise ShipmentRefused([_parcel_taken(carrier, tracking_number)]) from None
    logger.info(
        "shipment created order=%s shipment=%s producer=%s lines=%d",
        shipment.order.number,
        shipment.pk,
        producer.pk,
        len(lines),
    )
    return shipment


def _repeated(earlier: Shipment, lines: list[ShipmentLineRequest]) -> Shipment:
    recorded = set(earlier.lines.values_list("line_id", "quantity"))
    if recorded != {(request.line_id, request.quantity) for request in lines}:
        problem = _parcel_taken(earlier.carrier, earlier.tracking_number)
        raise ShipmentRefused([problem])
    logger.info("shipment repeated shipment=%s", earlier.pk)
    return earlier


def _parcel_taken(carrier: str, tracking_number: str) -> ShipmentProblem:
    message = _(
        "Parcel %(tracking)s of %(carrier)s was recorded before with other "
        "lines; give each parcel its own tracking number."
    ) % {"tracking": tracking_number.strip(), "carrier": carrier.strip()}
    return ShipmentProblem(Problem.TRACKING_NUMBER_USED, message, "trackingNumber")


def _text_problems(*, carrier: str, tracking_number: str) -> list[ShipmentProblem]:
    problems = []
    for field, value in (("carrier", carrier), ("trackingNumber", tracking_number)):
        if not value.strip():
            problems.append(
                ShipmentProblem(Problem.REQUIRED, _("This cannot be blank."), field)
            )
        elif len(value) > MAX_TEXT:
            problems.append(
                ShipmentProblem(
                    Problem.TOO_LONG,
                    _("At most %(max)d characters.") % {"max": MAX_TEXT},
                    field,
                )
            )
    return problems


def _request_problems(lines: list[ShipmentLineRequest]) -> list[ShipmentProblem]:
    if not lines or len(lines) > MAX_LINES:
        message = _("A shipment has 1 to %(max)d lines, not %(count)d.") % {
            "max": MAX_LINES,
            "count": len(lines),
        }
        return [ShipmentProblem(Problem.TOO_MANY_LINES, message, "lines")]
    problems = []
    seen = set()
    for index, request in enumerate(lines):
        if request.line_id in seen:
            problems.append(
                ShipmentProblem(
                    Problem.REPEATED_LINE,
                    _("This line is already in the shipment."),
                    f"lines.{index}.line",
                    index,
                )
            )
        seen.add(request.line_id)
        if request.quantity < 1:
            problems.append(
                ShipmentProblem(
                    Problem.INVALID_QUANTITY,
                    _("The quantity must be at least 1."),
                    f"lines.{index}.quantity",
                    index,
                )
            )
    return problems


def _lock_lines(producer, lines: list[ShipmentLineRequest]) -> dict:
    # Locked in primary-key order, as cancellations lock them, so a
    # shipment and a cancellation of the same lines take turns.
    ids = sorted(request.line_id for request in lines)
    found = (
        Line.objects.select_for_update()
        .filter(pk__in=ids, partner=producer)
        .select_related("order")
        .order_by("pk")
    )
    return {line.pk: line for line in found}


def _line_problems(lines, locked: dict) -> list[ShipmentProblem]:
    problems = []
    for index, request in enumerate(lines):
        line = locked.get(request.line_id)
        problem = _line_problem(request, line)
        if problem is not None:
            code, message, field = problem
            problems.append(
                ShipmentProblem(code, message, f"lines.{index}.{field}", index)
            )
    orders = {line.order_id for line in locked.values()}
    if len(orders) > 1:
        problems.append(
            ShipmentProblem(
                Problem.SEVERAL_ORDERS,
                _("A shipment holds lines of one order; these are of %(count)d.")
                % {"count": len(orders)},
                "lines",
            )
        )
    return problems


def _line_problem(request: ShipmentLineRequest, line):
    if line is None:
        return Problem.NOT_FOUND, _("There is no such line of yours."), "line"
    if line.status not in SHIPPABLE:
        message = _("The line is “%(status)s” and cannot be shipped.") % {
            "status": line.status
        }
        return Problem.NOT_SHIPPABLE, message, "line"
    if line.order.payment_status in UNPAID:
        message = _(
            "Order %(number)s is not paid yet; ship it once the payment is in."
        ) % {"number": line.order.number}
        return Problem.NOT_PAID, message, "line"
    left = quantity_left_to_ship(line)
    if request.quantity > left:
        message = _(
            "Only %(left)d unit(s) of this line are left to ship, not %(asked)d."
        ) % {"left": left, "asked": request.quantity}
        return Problem.MORE_THAN_LEFT, message, "quantity"
    return None


def _record(producer, lines, locked: dict, carrier: str, tracking_number: str):
    order = next(iter(locked.values())).order
    shipment = Shipment.objects.create(
        order=order,
        producer=producer,
        carrier=carrier.strip(),
        tracking_number=tracking_number.strip(),
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, line=locked[r.line_id], quantity=r.quantity)
        for r in lines
    )
    for request in lines:
        _advance(locked[request.line_id])
    signals.order_shipped.send(sender=Shipment, order=order, shipment=shipment)
    return shipment


def _advance(line) -> None:
    """Move a line on after a shipment: partly shipped, or shipped."""
    if line.status == line_statuses.PENDING:
        line_statuses.line_status_change(line=line, status=line_statuses.CONFIRMED)
    if quantity_left_to_ship(line) == 0:
        line_statuses.line_status_change(line=line, status=line_statuses.SHIPPED)
    elif line.status == line_statuses.CONFIRMED:
        line_statuses.line_status_change(line=line, status=line_statuses.PARTLY_SHIPPED)
