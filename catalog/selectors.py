"""Read-side queries over producers, products and the registry."""

import datetime
from decimal import Decimal
from enum import StrEnum

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from oscar.core.loading import get_model

from catalog.catalogue.models import Product
from catalog.models import BenefitLink, Certificate, Household
from catalog.partner.models import Partner

Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")


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


def products_without_eligible_household(
    *, day: datetime.date | None = None
) -> QuerySet[Product]:
    """Return public products none of whose sales count today.

    A direct product whose household no longer counts, or a product by
    links whose producer has no link active on day to a household that
    counts: what a registry import can leave behind, for staff to act on.
    Variants are left out: their parent holds the rule and the producer.
    """
    day = day or timezone.localdate()
    eligible_links = BenefitLink.objects.filter(
        Household.eligible_q("household__"),
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        producer=OuterRef("producer"),
        status=BenefitLink.Status.ACTIVE,
        valid_from__lte=day,
    )
    eligible_households = Household.objects.filter(Household.eligible_q())
    direct = Q(benefit_rule=Product.BenefitRule.DIRECT) & ~Q(
        beneficiary__in=eligible_households
    )
    by_links = Q(benefit_rule=Product.BenefitRule.LINKS) & ~Exists(eligible_links)
    return (
        Product.objects.filter(is_public=True)
        .exclude(structure=Product.CHILD)
        .filter(direct | by_links)
        .select_related("producer", "beneficiary")
        .order_by("producer__name", "title")
    )


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


class ProductSort(StrEnum):
    """Orders of a product list."""

    LISTED = "listed"
    TITLE = "title"
    PRICE_ASCENDING = "price_ascending"
    PRICE_DESCENDING = "price_descending"
    NEWEST = "newest"


def _listed_price() -> Subquery:
    # The price buyers see: Oscar's default strategy takes the first
    # stockrecord, and a product rarely has more than one.
    first = StockRecord.objects.filter(product=OuterRef("pk")).order_by("pk")
    return Subquery(first.values("price")[:1])


def _in_category(products: QuerySet[Product], slug: str) -> QuerySet[Product]:
    paths = list(
        Category.objects.browsable().filter(slug=slug).values_list("path", flat=True)
    )
    if not paths:
        return products.none()
    # The paths of a category's subcategories start with its own.
    subtree = Q()
    for path in paths:
        subtree |= Q(category__path__startswith=path)
    placed = ProductCategory.objects.filter(subtree).values("product_id")
    return products.filter(pk__in=placed)


def _has_valid_certificate(day: datetime.date) -> Exists:
    return Exists(
        Certificate.objects.filter(
            product=OuterRef("pk"), valid_from__lte=day, valid_until__gte=day
        )
    )


SORT_ORDERS = {
    ProductSort.LISTED: ("pk",),
    ProductSort.TITLE: ("title", "pk"),
    ProductSort.PRICE_ASCENDING: (F("listed_price").asc(nulls_last=True), "pk"),
    ProductSort.PRICE_DESCENDING: (F("listed_price").desc(nulls_last=True), "pk"),
    ProductSort.NEWEST: ("-date_created", "-pk"),
}


def product_list(
    *,
    county_code: str | None = None,
    producer_id: int | None = None,
    category_slug: str | None = None,
    is_certified: bool | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    sort: ProductSort = ProductSort.LISTED,
) -> QuerySet[Product]:
    """Return the public products that pass every filter given, sorted.

    A category takes in its subcategories. is_certified keeps the products
    with a certificate valid today (True) or those without (False). Price
    bounds are inclusive and leave out products without a price, which
    come last when sorting by price.
    """
    products = products_with_origin()
    by_price = sort in (ProductSort.PRICE_ASCENDING, ProductSort.PRICE_DESCENDING)
    if by_price or min_price is not None or max_price is not None:
        # Only then: the subquery runs for every row before the page's.
        products = products.annotate(listed_price=_listed_price())
    if county_code is not None:
        products = products.filter(origin_county__code=county_code)
    if producer_id is not None:
        products = products.filter(producer_id=producer_id)
    if category_slug is not None:
        products = _in_category(products, category_slug)
    if is_certified is not None:
        certified = _has_valid_certificate(timezone.localdate())
        products = products.filter(certified if is_certified else ~certified)
    if min_price is not None:
        products = products.filter(listed_price__gte=min_price)
    if max_price is not None:
        products = products.filter(listed_price__lte=max_price)
    return products.order_by(*SORT_ORDERS[sort])


def listing_list(
    *, producer: Partner, partner_sku: str | None = None
) -> QuerySet[Product]:
    """Return the producer's own products, public or not, as listed.

    With partner_sku, only the product whose stockrecord of the producer
    carries that SKU.
    """
    products = Product.objects.browsable_dashboard().filter(producer=producer)
    if partner_sku is not None:
        sku = StockRecord.objects.filter(partner=producer, partner_sku=partner_sku)
        products = products.filter(pk__in=sku.values("product_id"))
    return products.order_by("pk")
