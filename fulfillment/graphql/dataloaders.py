"""Per-request loaders over the attribution ledger."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from catalog.models import County
from fulfillment.selectors import county_totals


@dataclass(frozen=True)
class CountyTotals:
    attributed: Decimal
    counted: Decimal
    household_count: int


class AttributionTotalsByCountyCodeLoader:
    """Attributed totals by county code, computed at most once per request.

    The ledger is aggregated over every county at once, so a miss loads
    them all: two queries per request however many counties are shown.
    """

    def __init__(self) -> None:
        self._totals: dict[str, CountyTotals] = {}
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
            self._totals[county.code] = CountyTotals(
                attributed=county.attributed_total,
                counted=county.counted_total,
                household_count=county.household_count,
            )
        return result

    def load(self, code: str) -> CountyTotals:
        if code not in self._totals and not self._has_all:
            self.load_counties(County.objects.all())
            self._has_all = True
        return self._totals.get(code, CountyTotals(Decimal(0), Decimal(0), 0))
