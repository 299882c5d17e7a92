"""Cancel or refund whole orders, lines or some of a line's units.

Before shipping, a cancellation gives the units back to stock; after
shipping, a refund does not (the goods have left). Either way the money is
taken off the line's households with reversing attribution entries, so a
line's net attributed always equals what remains paid for it.
"""

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from fulfillment import lines as line_statuses
from fulfillment import stock
from fulfillment.models import AttributionEntry, LineAdjustment
from fulfillment.refunds import (
    REASON_MAX_LENGTH,
    refund_amount_for_quantity,
    reverse_line,
)
from fulfillment.signals import order_cancelled

logger = logging.getLogger(__name__)

Line = get_model("order", "Line")

# Lines with units still to ship, which may be cancelled.
NOT_SHIPPED = {
    line_statuses.PENDING,
    line_statuses.CONFIRMED,
    line_statuses.PARTLY_SHIPPED,
}
SHIPPED = {line_statuses.SHIPPED, line_statuses.DELIVERED}


class AdjustmentRefused(ValueError):
    """The cancellation or refund does not fit the line; nothing changed."""


def adjusted_quantity(line) -> int:
    """Return how many of line's units were cancelled or refunded."""
    total = line.adjustments.aggregate(total=Sum("quantity"))["total"]
    return total or 0


def shipped_quantity(line) -> int:
    """Return how many of line's units have been shipped."""
    total = line.shipment_lines.aggregate(total=Sum("quantity"))["total"]
    return total or 0


def _check_quantity(line, quantity: int, *, shipped: int = 0) -> int:
    """Return the units already taken off line, if quantity more fit.

    shipped units are left out of what a cancellation may take.
    """
    already = adjusted_quantity(line)
    left = line.quantity - already - shipped
    if quantity < 1 or quantity > left:
        raise AdjustmentRefused(
            _("Line “%(title)s” has %(left)d unit(s) left; %(asked)d cannot be taken.")
            % {"title": line.title, "left": left, "asked": quantity}
        )
    return already


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise AdjustmentRefused(_("Say why the units are taken off the line."))
    if len(reason) > REASON_MAX_LENGTH:
        raise AdjustmentRefused(
            _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH}
        )


def _adjust(*, line, quantity: int, reason: str, kind: str) -> LineAdjustment:
    _check_reason(reason)
    already = _check_quantity(line, quantity)
    amount = refund_amount_for_quantity(
        line=line, quantity=quantity, already_cancelled=already
    )
    has_entries = AttributionEntry.objects.filter(line=line).exists()
    if amount > 0 and has_entries:
        reverse_line(line=line, amount=amount, reason=reason)
    adjustment = LineAdjustment.objects.create(
        line=line, kind=kind, quantity=quantity, amount=amount, reason=reason
    )
    logger.info(
        "line adjusted order=%s line=%s kind=%s quantity=%d amount=%s",
        line.order.number,
        line.pk,
        kind,
        quantity,
        amount,
    )
    return adjustment


def _locked(line):
    return Line.objects.select_for_update().select_related("order").get(pk=line.pk)


def _restock(line, quantity: int) -> None:
    product = line.product
    if line.stockrecord_id and product and product.get_product_class().track_stock:
        stock.release(stockrecord_id=line.stockrecord_id, quantity=quantity)


def _cancel_units(line, quantity: int, reason: str) -> LineAdjustment:
    adjustment = _adjust(
        line=line,
        quantity=quantity,
        reason=reason,
        kind=LineAdjustment.Kind.CANCELLATION,
    )
    taken = adjusted_quantity(line)
    if taken == line.quantity:
        line_statuses.line_status_change(line=line, status=line_statuses.CANCELLED)
    elif line.quantity - taken == shipped_quantity(line):
        # The rest of a partly shipped line was cancelled: all that remains
        # of it has left.
        line_statuses.line_status_change(line=line, status=line_statuses.SHIPPED)
    return adjustment


def _check_cancellable(line) -> None:
    if line.status not in NOT_SHIPPED:
        raise AdjustmentRefused(
            _("Line “%(title)s” is “%(status)s” and can no longer be cancelled.")
            % {"title": line.title, "status": line.status}
        )


def line_cancel(*, line, quantity: int, reason: str) -> LineAdjustment:
    """Cancel quantity units of a line that has not shipped; restock them.

    Raise AdjustmentRefused when the line has shipped, is closed, or has
    fewer units left than quantity. Nothing changes when it is raised.
    """
    with transaction.atomic():
        line = _locked(line)
        _check_cancellable(line)
        # Units of a partly shipped line that have left are refunded, not
        # cancelled.
        _check_quantity(line, quantity, shipped=shipped_quantity(line))
        # Stock rows before the ledger head, the order placement takes them
        # in: the other way round, a cancellation and a new order deadlock.
        _restock(line, quantity)
        adjustment = _cancel_units(line, quantity, reason)
        _signal_if_cancelled(line.order)
        return adjustment


def line_refund(*, line, quantity: int, reason: str) -> LineAdjustment:
    """Refund quantity units of a shipped or delivered line.

    Raise AdjustmentRefused before shipping (cancel instead) or when fewer
    units are left than quantity. Stock is not touched: the goods left.
    """
    with transaction.atomic():
        line = _locked(line)
        if line.status not in SHIPPED:
            raise AdjustmentRefused(
                _("Line “%(title)s” is “%(status)s”: only shipped lines are refunded.")
                % {"title": line.title, "status": line.status}
            )
        return _refund_units(line, quantity, reason)


def order_cancel(*, order, reason: str) -> list[LineAdjustment]:
    """Cancel every remaining unit of an order that has not shipped at all.

    Raise AdjustmentRefused, changing nothing, when any line has shipped:
    such an order is refunded instead (order_refund, line_refund).
    """
    with transaction.atomic():
        lines = list(order.lines.select_for_update().order_by("pk"))
        if any(line.status in SHIPPED or shipped_quantity(line) for line in lines):
            raise AdjustmentRefused(
                _("Order %(number)s has shipped lines and cannot be cancelled whole.")
                % {"number": order.number}
            )
        remaining = [
            (line, line.quantity - adjusted_quantity(line))
            for line in lines
            if line.status in NOT_SHIPPED
        ]
        remaining = [(line, left) for line, left in remaining if left]
        # Every stock row first, in stockrecord order like placement, then
        # the ledger: no lock is ever taken in the opposite order.
        for line, left in sorted(
            remaining, key=lambda pair: pair[0].stockrecord_id or 0
        ):
            _restock(line, left)
        adjustments = [_cancel_units(line, left, reason) for line, left in remaining]
        if adjustments:
            order_cancelled.send(sender=type(order), order=order)
        return adjustments


def order_refund(*, order, reason: str) -> list[LineAdjustment]:
    """Take back every unit of an order still paid for, shipped or not.

    Units that have not shipped are cancelled and restocked; shipped ones
    are refunded. Every line ends cancelled or refunded and the households'
    shares are reversed to nothing. Raise AdjustmentRefused, changing
    nothing, when nothing is left to take back or reason is blank.
    """
    _check_reason(reason)
    with transaction.atomic():
        lines = list(order.lines.select_for_update().order_by("pk"))
        plan = [(line, *_units_left(line)) for line in lines]
        if not any(unshipped or shipped for _line, unshipped, shipped in plan):
            raise AdjustmentRefused(
                _("Order %(number)s has nothing left to refund.")
                % {"number": order.number}
            )
        # Stock rows first, in stockrecord order, as in order_cancel.
        for line, unshipped, _shipped in sorted(
            plan, key=lambda row: row[0].stockrecord_id or 0
        ):
            if unshipped:
                _restock(line, unshipped)
        adjustments = []
        for line, unshipped, shipped in plan:
            if unshipped:
                adjustments.append(_cancel_units(line, unshipped, reason))
            if shipped:
                adjustments.append(_refund_units(line, shipped, reason))
        _signal_if_cancelled(order)
        return adjustments


def _units_left(line) -> tuple[int, int]:
    """Return the units of line still paid for: not shipped, and shipped."""
    taken = dict(
        line.adjustments.values("kind")
        .annotate(total=Sum("quantity"))
        .values_list("kind", "total")
    )
    shipped = shipped_quantity(line)
    cancelled = taken.get(LineAdjustment.Kind.CANCELLATION, 0)
    refunded = taken.get(LineAdjustment.Kind.REFUND, 0)
    return line.quantity - shipped - cancelled, shipped - refunded


def _refund_units(line, quantity: int, reason: str) -> LineAdjustment:
    adjustment = _adjust(
        line=line, quantity=quantity, reason=reason, kind=LineAdjustment.Kind.REFUND
    )
    if adjusted_quantity(line) == line.quantity:
        line_statuses.line_status_change(line=line, status=line_statuses.REFUNDED)
    return adjustment


def _signal_if_cancelled(order) -> None:
    # Only the cancellation that closes an order's last open line does it.
    statuses = list(order.lines.values_list("status", flat=True))
    if line_statuses.derive_order_status(statuses) == line_statuses.CANCELLED:
        order_cancelled.send(sender=type(order), order=order)


def line_net_paid(line) -> Decimal:
    """Return what remains paid for a line after its adjustments."""
    refunded = line.adjustments.aggregate(total=Sum("amount"))["total"]
    return line.line_price_incl_tax - (refunded or Decimal("0.00"))
