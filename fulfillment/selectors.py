"""Read-side queries over the attribution ledger."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from catalog.models import County, Household, Village
from fulfillment.models import AttributionEntry, LineAdjustment

ZERO = Decimal("0.00")
FEN = Decimal("0.01")


def _decimal_sum(field: str, **filters) -> Coalesce:
    return Coalesce(
        Sum(field, filter=Q(**filters) if filters else None),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def order_impact(*, order) -> dict:
    """Return an order's net impact: ¥ counted and not, households, villages.

    Sums in Python: an order has few entries, and SQLite's SUM() would turn
    decimals into floats. A household whose share was fully reversed (a
    cancelled line) no longer counts.
    """
    entries = AttributionEntry.objects.filter(order=order).only(
        "amount", "is_counted", "household_id", "village_code"
    )
    net: dict[int, Decimal] = defaultdict(lambda: ZERO)
    counted_net: dict[int, Decimal] = defaultdict(lambda: ZERO)
    village_of = {}
    for entry in entries:
        net[entry.household_id] += entry.amount
        village_of[entry.household_id] = entry.village_code
        if entry.is_counted:
            counted_net[entry.household_id] += entry.amount
    reached = [h for h, amount in net.items() if amount > 0]
    village_codes = sorted({village_of[h] for h in reached})
    attributed = sum(net.values(), ZERO)
    counted = sum(counted_net.values(), ZERO)
    return {
        "refunded": order_refunded(order=order),
        "attributed": attributed,
        "counted": counted,
        "not_counted": attributed - counted,
        "household_count": len(reached),
        "counted_household_count": sum(1 for a in counted_net.values() if a > 0),
        "village_count": len(village_codes),
        "villages": list(
            Village.objects.filter(code__in=village_codes).order_by("code")
        ),
    }


def order_refunded(*, order) -> Decimal:
    """Return what cancellations and refunds gave back on an order's lines."""
    amounts = LineAdjustment.objects.filter(line__order=order).values_list(
        "amount", flat=True
    )
    return sum(amounts, ZERO)


def order_entries(*, order) -> QuerySet[AttributionEntry]:
    """Return an order's entries in line and registry-number order."""
    return AttributionEntry.objects.filter(order=order).select_related("line")


def county_totals(counties: QuerySet[County] | None = None) -> list[County]:
    """Return counties with attributed and counted totals and households."""
    counties = counties if counties is not None else County.objects.all()
    codes = AttributionEntry.objects.values("county_code")
    per_county = (
        codes.order_by()
        .annotate(
            attributed=_decimal_sum("amount"),
            counted=_decimal_sum("amount", is_counted=True),
            households=Count("household", distinct=True),
        )
        .values("county_code", "attributed", "counted", "households")
    )
    by_code = {row["county_code"]: row for row in per_county}
    result = list(counties)
    for county in result:
        row = by_code.get(county.code, {})
        # SQLite sums decimals as floats; round back to the fen.
        county.attributed_total = (
            Decimal(row.get("attributed", ZERO)).quantize(FEN) + ZERO
        )
        county.counted_total = Decimal(row.get("counted", ZERO)).quantize(FEN) + ZERO
        county.household_count = row.get("households", 0)
    return result


def village_totals() -> dict[str, tuple[Decimal, Decimal, int]]:
    """Return (attributed, counted, households) by village code, net.

    Villages without entries are left out.
    """
    per_village = (
        AttributionEntry.objects.values("village_code")
        .order_by()
        .annotate(
            attributed=_decimal_sum("amount"),
            counted=_decimal_sum("amount", is_counted=True),
            households=Count("household", distinct=True),
        )
    )
    return {
        row["village_code"]: (
            _to_fen(row["attributed"]),
            _to_fen(row["counted"]),
            row["households"],
        )
        for row in per_village
    }


def _to_fen(total) -> Decimal:
    # SQLite sums decimals as floats; round back to the fen.
    return Decimal(total).quantize(FEN) + ZERO


def _exact_sum(entries: QuerySet[AttributionEntry]) -> Decimal:
    # SQLite sums decimals as floats: a fully refunded line would come
    # back as -3.5e-18. One order's entries are few; add them exactly.
    return sum(entries.values_list("amount", flat=True), ZERO)


def line_net_attributed(line) -> Decimal:
    """Return what a line attributes now: its sales less their reversals."""
    return _exact_sum(AttributionEntry.objects.filter(line=line))


def order_net_attributed(order) -> Decimal:
    """Return what an order attributes now: its sales less their reversals."""
    return _exact_sum(AttributionEntry.objects.filter(order=order))


IMPACT_KEYS = {"county": "county_code", "village": "village_code"}


def impact_totals(*, orders: QuerySet, by: str) -> list[dict]:
    """Return the net impact of orders per county or village code.

    Each row holds the code, the amount attributed (counted or not, net of
    reversals), the counted part and the households reached, in code order.
    by is "county" or "village".
    """
    key = IMPACT_KEYS[by]
    rows = (
        AttributionEntry.objects.filter(order__in=orders)
        .values(key)
        .order_by(key)
        .annotate(
            attributed=_decimal_sum("amount"),
            counted=_decimal_sum("amount", is_counted=True),
            households=Count("household", distinct=True),
        )
    )
    return [
        {
            "code": row[key],
            "attributed": _fen(row["attributed"]),
            "counted": _fen(row["counted"]),
            "household_count": row["households"],
        }
        for row in rows
    ]


def household_impact(*, orders: QuerySet, county_code: str | None = None):
    """Return the households reached by orders, annotated with their impact.

    Each household carries `attributed` (net of reversals, counted or not)
    and `counted`, summed over the entries of orders only. county_code
    narrows them to the households registered in that county now.
    """
    households = Household.objects.filter(attribution_entries__order__in=orders)
    if county_code is not None:
        households = households.filter(village__code__startswith=county_code)
    # The filter above and the sums below share one join, so only the
    # entries of orders are summed.
    return households.annotate(
        attributed=_decimal_sum("attribution_entries__amount"),
        counted=_decimal_sum(
            "attribution_entries__amount", attribution_entries__is_counted=True
        ),
    )


def households_reached(*, orders: QuerySet) -> int:
    """Return how many households the entries of orders reach."""
    return (
        Household.objects.filter(attribution_entries__order__in=orders)
        .distinct()
        .count()
    )


def _fen(value) -> Decimal:
    # SQLite sums decimals as floats; round back to the fen.
    return Decimal(value).quantize(FEN) + ZERO
