"""Per-request loaders over the attribution ledger."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from catalog.models import County
from fulfillment.selectors import county_totals, village_totals


@dataclass(frozen=True)
class LedgerTotals:
    attributed: Decimal
    counted: Decimal
    household_count: int


class AttributionTotalsByCountyCodeLoader:
    """Attributed totals by county code, computed at most once per request.

    The ledger is aggregated over every county at once, so a miss loads
    them all: two queries per request however many counties are shown.
    """

    def __init__(self) -> None:
        self._totals: dict[str, LedgerTotals] = {}
        self._has_all = False

    @classmethod
    def for_request(cls, request) -> "AttributionTotalsByCountyCodeLoader":
        loader = getattr(request, "_attribution_totals_loader", None)
        if loader is None:
            loader = cls()
            request._attribution_totals_loader = loader
        return loader

    def load_counties(self, counties: QuerySet[County]) -> list[County]:
        """Return the counties of the queryset, keeping their totals."""
        result = county_totals(counties)
        for county in result:
            self._totals[county.code] = LedgerTotals(
                attributed=county.attributed_total,
                counted=county.counted_total,
                household_count=county.household_count,
            )
        return result

    def load(self, code: str) -> LedgerTotals:
        if code not in self._totals and not self._has_all:
            self.load_counties(County.objects.all())
            self._has_all = True
        return self._totals.get(code, LedgerTotals(Decimal(0), Decimal(0), 0))


class AttributionTotalsByVillageCodeLoader:
    """Attributed totals by village code, computed at most once per request.

    Like the county loader, a miss aggregates the whole ledger at once, so
    villages reached anywhere in a request cost one query together.
    """

    def __init__(self) -> None:
        self._totals: dict[str, LedgerTotals] | None = None

    @classmethod
    def for_request(cls, request) -> "AttributionTotalsByVillageCodeLoader":
        loader = getattr(request, "_village_totals_loader", None)
        if loader is None:
            loader = cls()
            request._village_totals_loader = loader
        return loader

    def load(self, code: str) -> LedgerTotals:
        if self._totals is None:
            self._totals = {
                village: LedgerTotals(*totals)
                for village, totals in village_totals().items()
            }
        return self._totals.get(code, LedgerTotals(Decimal(0), Decimal(0), 0))
