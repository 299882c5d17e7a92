"""The attribution ledger's hash chain: append entries, verify the chain.

Every entry carries a sequence number (1, 2, 3… with no gap), the previous
entry's hash (64 zeros for the first) and its own hash: SHA-256 over a
canonical JSON form of its content, its sequence and that previous hash. A
row changed or deleted behind the ORM's back breaks the chain where it
happened, and verify_chain names the place.

The single LedgerHead row holds the last sequence and hash. Appending locks
it until the caller's transaction ends: concurrent order placements append
one after the other, and a rolled-back placement leaves no gap.
"""

import datetime
import enum
import hashlib
import json
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from fulfillment.models import (
    GENESIS_HASH,
    AppendOnlyError,
    AttributionEntry,
    LedgerHead,
)

logger = logging.getLogger(__name__)

# Bump when the canonical form changes; verification would then need to
# know both forms, so do it only with a migration that says how.
FORMAT_VERSION = 1
CHUNK_SIZE = 2000

FEN = Decimal("0.01")
WEIGHT_STEP = Decimal("0.001")


class LedgerNotInTransaction(RuntimeError):
    """Raised when the ledger is appended to outside a transaction."""


class LedgerHeadMissing(RuntimeError):
    """Raised when entries exist but the ledger head row does not."""


class Problem(enum.StrEnum):
    CONTENT_CHANGED = "content changed"
    PREVIOUS_HASH_MISMATCH = "previous hash mismatch"
    SEQUENCE_GAP = "sequence gap"
    HEAD_MISMATCH = "head mismatch"


@dataclass(frozen=True)
class ChainReport:
    """What verify_chain found: how far it got, and the first break if any."""

    checked: int
    last_hash: str
    problem: Problem | None = None
    sequence: int | None = None
    order_number: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


def _fixed(value: Decimal, step: Decimal) -> str:
    quantized = Decimal(value).quantize(step)
    # "-0.00" would not survive a round trip through the database.
    return str(abs(quantized) if quantized == 0 else quantized)


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _instant(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def entry_content(entry, *, order_number: str) -> dict:
    """Return the content an entry's hash covers, as JSON-ready values.

    Works on historical models in migrations too: only fields are read.
    """
    return {
        "format": FORMAT_VERSION,
        "sequence": entry.sequence,
        "previous_hash": entry.previous_hash,
        "order_number": str(order_number),
        "line_id": entry.line_id,
        "household_id": entry.household_id,
        "registry_number": entry.registry_number,
        "village_code": entry.village_code,
        "county_code": entry.county_code,
        "producer_id": entry.producer_id,
        "producer_name": entry.producer_name,
        "amount": _fixed(entry.amount, FEN),
        "weight": _fixed(entry.weight, WEIGHT_STEP),
        "rule": str(entry.rule),
        "link_type": str(entry.link_type),
        "certificate_id": entry.certificate_id_snapshot,
        "certificate_number": entry.certificate_number,
        "certificate_valid_from": _day(entry.certificate_valid_from),
        "certificate_valid_until": _day(entry.certificate_valid_until),
        "is_counted": bool(entry.is_counted),
        "not_counted_reason": str(entry.not_counted_reason),
        "kind": str(entry.kind),
        "reverses_id": entry.reverses_id,
        "reversal_reason": entry.reversal_reason,
        "created_at": _instant(entry.created_at),
    }


def compute_hash(entry, *, order_number: str) -> str:
    """Return the hex SHA-256 of an entry's canonical content."""
    canonical = json.dumps(
        entry_content(entry, order_number=order_number),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lock_head() -> LedgerHead:
    """Lock the ledger head row until the caller's transaction ends.

    Creates the row if a flushed test database lost it. Raise
    LedgerNotInTransaction outside a transaction, LedgerHeadMissing when the
    row is gone but entries exist.
    """
    if not transaction.get_connection().in_atomic_block:
        raise LedgerNotInTransaction("the ledger is appended to inside a transaction")
    head, created = LedgerHead.objects.select_for_update().get_or_create(pk=1)
    if created and AttributionEntry.objects.exists():
        raise LedgerHeadMissing("ledger head row missing while entries exist")
    if created:
        logger.warning("ledger head created on an empty ledger")
    return head


def append_entries(entries: list[AttributionEntry]) -> list[AttributionEntry]:
    """Chain new entries after the ledger head and insert them, in order.

    Holds the head's row lock until the caller's transaction ends. Raise
    LedgerNotInTransaction outside a transaction, AppendOnlyError for an
    entry that is already stored.
    """
    head = lock_head()
    if any(entry.pk is not None for entry in entries):
        raise AppendOnlyError("attribution entries are never updated")
    if not entries:
        return entries

    now = timezone.now()
    sequence, previous_hash = head.last_sequence, head.last_hash
    for entry in entries:
        sequence += 1
        # Store exactly what is hashed: the columns' own precision.
        entry.amount = Decimal(entry.amount).quantize(FEN)
        entry.weight = Decimal(entry.weight).quantize(WEIGHT_STEP)
        entry.created_at = now
        entry.sequence = sequence
        entry.previous_hash = previous_hash
        entry.entry_hash = compute_hash(entry, order_number=entry.order.number)
        previous_hash = entry.entry_hash

    AttributionEntry.objects.bulk_create(entries)
    head.last_sequence, head.last_hash = sequence, previous_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    logger.info(
        "ledger appended first=%d last=%d orders=%s",
        entries[0].sequence,
        sequence,
        ",".join(sorted({str(entry.order.number) for entry in entries})),
    )
    return entries


def _check(entry, expected_sequence: int, previous_hash: str) -> ChainReport | None:
    number = entry.ledger_order_number
    if entry.sequence != expected_sequence:
        return ChainReport(
            checked=expected_sequence - 1,
            last_hash=previous_hash,
            problem=Problem.SEQUENCE_GAP,
            sequence=expected_sequence,
            detail=(
                f"sequence {expected_sequence} is missing; the next entry is "
                f"{entry.sequence} (order {number})"
            ),
        )
    if entry.previous_hash != previous_hash:
        return ChainReport(
            checked=expected_sequence - 1,
            last_hash=previous_hash,
            problem=Problem.PREVIOUS_HASH_MISMATCH,
            sequence=entry.sequence,
            order_number=number,
            detail=(
                f"records previous hash {entry.previous_hash[:12]}…, "
                f"but entry {expected_sequence - 1} hashes to "
                f"{previous_hash[:12]}…"
            ),
        )
    recomputed = compute_hash(entry, order_number=number)
    if recomputed != entry.entry_hash:
        return ChainReport(
            checked=expected_sequence - 1,
            last_hash=previous_hash,
            problem=Problem.CONTENT_CHANGED,
            sequence=entry.sequence,
            order_number=number,
            detail=(
                f"stored hash {entry.entry_hash[:12]}… does not match the "
                f"content, which hashes to {recomputed[:12]}…"
            ),
        )
    return None


def _check_head(checked: int, last_hash: str, head: LedgerHead | None):
    head_sequence = head.last_sequence if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    if checked != head_sequence:
        detail = f"the chain ends at {checked}, the head says {head_sequence}"
    elif last_hash != head_hash:
        detail = f"the last entry's hash is not the head's {head_hash[:12]}…"
    else:
        return None
    return ChainReport(
        checked=checked,
        last_hash=last_hash,
        problem=Problem.HEAD_MISMATCH,
        sequence=max(checked, head_sequence) or None,
        detail=detail,
    )


def _stray_entries(checked: int, last_hash: str) -> ChainReport | None:
    # Read the highest sequence before the head: an append commits its
    # entries and the head together, so a head read afterwards covers
    # every honest entry seen here. Anything above it was slipped in.
    highest = AttributionEntry.objects.aggregate(m=Max("sequence"))["m"] or 0
    head = LedgerHead.objects.filter(pk=1).first()
    head_sequence = head.last_sequence if head else 0
    if highest <= head_sequence:
        return None
    if head is None:
        detail = f"the ledger head row is missing; entries go up to {highest}"
    else:
        detail = f"entries up to {highest} lie past the head at {head_sequence}"
    return ChainReport(
        checked=checked,
        last_hash=last_hash,
        problem=Problem.HEAD_MISMATCH,
        sequence=head_sequence + 1,
        detail=detail,
    )


def verify_chain(*, chunk_size: int = CHUNK_SIZE) -> ChainReport:
    """Recompute every entry's hash in sequence order and check the links.

    Return an ok report with the number of entries, or the first break:
    a sequence gap, a previous-hash mismatch, changed content, or a chain
    that does not end at the ledger head. Entries appended while this runs
    are left for the next run.
    """
    head = LedgerHead.objects.filter(pk=1).first()
    head_sequence = head.last_sequence if head else 0
    entries = (
        AttributionEntry.objects.filter(sequence__lte=head_sequence)
        .annotate(ledger_order_number=F("order__number"))
        .order_by("sequence")
    )

    checked, previous_hash = 0, GENESIS_HASH
    for entry in entries.iterator(chunk_size=chunk_size):
        broken = _check(entry, checked + 1, previous_hash)
        if broken is not None:
            return _logged(broken)
        checked, previous_hash = checked + 1, entry.entry_hash

    broken = _check_head(checked, previous_hash, head) or _stray_entries(
        checked, previous_hash
    )
    if broken is not None:
        return _logged(broken)
    logger.info("ledger verified entries=%d", checked)
    return ChainReport(checked=checked, last_hash=previous_hash)


def _logged(report: ChainReport) -> ChainReport:
    logger.error(
        "ledger broken sequence=%s order=%s problem=%s",
        report.sequence,
        report.order_number,
        report.problem,
    )
    return report
