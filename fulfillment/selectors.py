"""Read-side queries over the attribution ledger."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from catalog.models import County, Village
from fulfillment.models import AttributionEntry

ZERO = Decimal("0.00")


def _decimal_sum(field: str, **filters) -> Coalesce:
    return Coalesce(
        Sum(field, filter=Q(**filters) if filters else None),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def order_impact(*, order) -> dict:
    """Return an order's impact: ¥ counted and not, households, villages."""
    entries = AttributionEntry.objects.filter(order=order)
    totals = entries.aggregate(
        attributed=_decimal_sum("amount"),
        counted=_decimal_sum("amount", is_counted=True),
        households=Count("household", distinct=True),
        counted_households=Count("household", distinct=True, filter=Q(is_counted=True)),
    )
    village_codes = sorted(set(entries.values_list("village_code", flat=True)))
    villages = list(Village.objects.filter(code__in=village_codes).order_by("code"))
    return {
        "attributed": totals["attributed"],
        "counted": totals["counted"],
        "not_counted": totals["attributed"] - totals["counted"],
        "household_count": totals["households"],
        "counted_household_count": totals["counted_households"],
        "village_count": len(village_codes),
        "villages": villages,
    }


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
        county.attributed_total = row.get("attributed", ZERO)
        county.counted_total = row.get("counted", ZERO)
        county.household_count = row.get("households", 0)
    return result


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
