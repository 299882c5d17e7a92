"""Read-side queries over producers, products and the registry."""

import datetime

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from catalog.catalogue.models import Product
from catalog.models import BenefitLink, Certificate
from catalog.partner.models import Partner


def producer_list() -> QuerySet[Partner]:
    """Return producers that sell something, with their county."""
    return (
        Partner.objects.filter(products__isnull=False)
        .select_related("county__prefecture__province")
        .annotate(product_count=Count("products", distinct=True))
        .order_by("name")
    )


def producer_products(*, producer: Partner) -> QuerySet[Product]:
    """Return the public products of a producer."""
    return (
        Product.objects.browsable()
        .filter(producer=producer, is_public=True)
        .select_related("origin_county")
        .prefetch_related("images", "stockrecords")
        .order_by("title")
    )


def active_links(
    *, producer_id: int, day: datetime.date | None = None
) -> list[BenefitLink]:
    """Return the producer's benefit links active on day (today by default)."""
    day = day or timezone.localdate()
    links = BenefitLink.objects.filter(producer_id=producer_id).select_related(
        "household__village__township__county"
    )
    return [link for link in links if link.is_active_on(day)]


def reach_of_links(links, day: datetime.date | None = None) -> dict:
    """Return the households and villages that the active links reach on day.

    Counts every linked household and, apart, those whose sales count today
    (eligible ones); villages are listed by code. Nothing personal.
    """
    day = day or timezone.localdate()
    active = [link for link in links if link.is_active_on(day)]
    households = {link.household_id: link.household for link in active}
    villages = {h.village.pk: h.village for h in households.values()}
    return {
        "household_count": len(households),
        "eligible_count": sum(h.is_eligible() for h in households.values()),
        "villages": sorted(villages.values(), key=lambda v: v.code),
    }


def producer_reach(*, producer: Partner) -> dict:
    """Return how many households and villages the producer's links reach."""
    return reach_of_links(active_links(producer_id=producer.pk))


def product_reach(*, product: Product) -> dict:
    """Return how many households a sale of product benefits, and where.

    Nothing personal: counts and village names only.
    """
    if product.benefit_rule == Product.BenefitRule.DIRECT:
        household = product.beneficiary
        if household is None:
            return {"household_count": 0, "eligible_count": 0, "villages": []}
        return {
            "household_count": 1,
            "eligible_count": int(household.is_eligible()),
            "villages": [household.village],
        }
    if product.producer_id is None:
        return {"household_count": 0, "eligible_count": 0, "villages": []}
    return reach_of_links(active_links(producer_id=product.producer_id))


def current_certificate(*, product: Product) -> Certificate | None:
    """Return the certificate valid today, else the latest one, else None."""
    today = timezone.localdate()
    certificates = list(product.certificates.all())
    valid = [c for c in certificates if c.is_valid_on(today)]
    if valid:
        return valid[0]
    return certificates[0] if certificates else None


def products_with_origin() -> QuerySet[Product]:
    """Return public products with producer, origin and certificates loaded."""
    return (
        Product.objects.browsable()
        .filter(is_public=True)
        .select_related("producer", "origin_county", "origin_village__township__county")
        .prefetch_related(Prefetch("certificates"))
    )
