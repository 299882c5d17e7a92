"""Reverse attribution when order lines are cancelled or refunded.

DESIGN.md §3.4: entries are never changed; a refund appends reversing
entries (negative amounts, each naming the sale it reverses) so that a
line's net attributed always equals what remains paid for it, and no
household's net goes below zero.
"""

import logging
from collections import defaultdict
from decimal import Decimal

from fulfillment.ledger import append_entries, lock_head
from fulfillment.models import AttributionEntry
from fulfillment.splitting import FEN, split_by_weight

logger = logging.getLogger(__name__)

Kind = AttributionEntry.Kind

REASON_MAX_LENGTH = AttributionEntry._meta.get_field("reversal_reason").max_length


class RefundError(ValueError):
    """Base of the refusals below; nothing is written when one is raised."""


class InvalidRefundAmount(RefundError):
    """Raised for an amount that is not a positive whole number of fen."""


class ReversalExceedsPaid(RefundError):
    """Raised when more would be reversed than the line still attributes."""


class AlreadyFullyReversed(RefundError):
    """Raised when the line has nothing left attributed to reverse."""


class QuantityOutOfRange(RefundError):
    """Raised when a cancelled quantity does not fit the line's quantity."""


def _to_fen(amount: Decimal) -> int:
    return int((amount / FEN).to_integral_exact())


def refund_amount_for_quantity(
    *, line, quantity: int, already_cancelled: int
) -> Decimal:
    """Return what cancelling quantity more units of line refunds, to the fen.

    Once k of the line's Q units are cancelled, paid × k / Q rounded down
    to the fen has been refunded in all. The total therefore depends only
    on how many units are cancelled, never on how they were batched, and
    the fen that rounding down holds back go with the last unit: cancelling
    all Q refunds exactly what was paid. ¥10.00 for 3 refunds 3.33, 3.33,
    then 3.34. Raise QuantityOutOfRange unless 1 <= quantity and
    0 <= already_cancelled and their sum <= line.quantity.
    """
    total_units = line.quantity
    in_range = quantity >= 1 and already_cancelled >= 0
    if not in_range or already_cancelled + quantity > total_units:
        raise QuantityOutOfRange(
            f"cannot cancel {quantity} after {already_cancelled} of {total_units}"
        )
    paid_fen = _to_fen(line.line_price_incl_tax)
    before = paid_fen * already_cancelled // total_units
    after = paid_fen * (already_cancelled + quantity) // total_units
    return Decimal(after - before) * FEN


def _checked(amount: Decimal, reason: str) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidRefundAmount(f"refund amount must be a Decimal, not {amount!r}")
    if amount <= 0 or amount != amount.quantize(FEN):
        raise InvalidRefundAmount(
            f"refund amount must be a positive whole number of fen, not {amount}"
        )
    if not reason.strip() or len(reason) > REASON_MAX_LENGTH:
        raise RefundError(f"reason must be 1 to {REASON_MAX_LENGTH} characters")
    return amount.quantize(FEN)


def _remaining_by_sale(line) -> list[tuple[AttributionEntry, Decimal]]:
    """Return the line's sale entries, each with what it still attributes."""
    # Summed here rather than with SUM(): SQLite sums decimals as floats,
    # and a net of -3.5e-18 instead of 0.00 would still look held.
    reversed_by_sale = defaultdict(Decimal)
    reversals = AttributionEntry.objects.filter(line=line, kind=Kind.REVERSAL)
    for sale_id, amount in reversals.values_list("reverses_id", "amount"):
        reversed_by_sale[sale_id] += amount
    sales = (
        AttributionEntry.objects.filter(line=line, kind=Kind.SALE)
        .select_related("order")
        .order_by("registry_number", "pk")
    )
    return [(sale, sale.amount + reversed_by_sale[sale.pk]) for sale in sales]


def _reversal_of(sale: AttributionEntry, share: Decimal, reason: str):
    # Every snapshot is the sale's own: a reversal of a counted sale is
    # counted, whatever the registry or certificate say today.
    return AttributionEntry(
        order=sale.order,
        line_id=sale.line_id,
        household_id=sale.household_id,
        amount=-share,
        weight=sale.weight,
        rule=sale.rule,
        registry_number=sale.registry_number,
        village_code=sale.village_code,
        county_code=sale.county_code,
        producer_id=sale.producer_id,
        producer_name=sale.producer_name,
        link_type=sale.link_type,
        certificate_id_snapshot=sale.certificate_id_snapshot,
        certificate_number=sale.certificate_number,
        certificate_valid_from=sale.certificate_valid_from,
        certificate_valid_until=sale.certificate_valid_until,
        is_counted=sale.is_counted,
        not_counted_reason=sale.not_counted_reason,
        kind=Kind.REVERSAL,
        reverses=sale,
        reversal_reason=reason,
    )


def reverse_line(*, line, amount: Decimal, reason: str) -> list[AttributionEntry]:
    """Append reversal entries that take amount off line's households.

    amount is split by each household's remaining net for the line (largest
    remainder, ties by registry number), so no share exceeds what that
    household still holds and the line's net falls by exactly amount. reason
    is stored on each reversal and must hold no personal details. A line
    that was never attributed (no beneficiary) gets nothing and is logged.
    Must run inside the caller's transaction. Raise InvalidRefundAmount for
    an amount that is not a positive whole number of fen,
    AlreadyFullyReversed when the line has nothing left, ReversalExceedsPaid
    when amount is more than what is left; nothing is written then.
    """
    amount = _checked(amount, reason)
    # Lock before reading: two refunds of one line must not both split
    # from the same remaining nets, or together they could overdraw it.
    lock_head()
    remaining = _remaining_by_sale(line)
    if not remaining:
        logger.warning("reversal of an unattributed line line=%s", line.pk)
        return []

    left = sum(net for _, net in remaining)
    if left <= 0:
        raise AlreadyFullyReversed(f"line {line.pk} has nothing left to reverse")
    if amount > left:
        raise ReversalExceedsPaid(
            f"cannot reverse {amount} from line {line.pk}: only {left} is left"
        )

    holding = [(sale, net) for sale, net in remaining if net > 0]
    shares = split_by_weight(
        amount,
        [net for _, net in holding],
        [f"{sale.registry_number}:{sale.pk:020d}" for sale, _ in holding],
    )
    entries = append_entries(
        [
            _reversal_of(sale, share, reason)
            for (sale, _), share in zip(holding, shares, strict=True)
            if share > 0
        ]
    )
    logger.info(
        "line reversed order=%s line=%s amount=%s entries=%d",
        holding[0][0].order.number,
        line.pk,
        amount,
        len(entries),
    )
    return entries
