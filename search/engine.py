"""Product search on the database, for the embedded default.

Every whitespace-separated term must match the title, description, UPC,
producer name or origin county name (case-insensitive substring). Chinese is
not word-segmented here; a substring match is what a shopper expects for
short Chinese queries such as 天麻 or 丹寨.
"""

from functools import reduce
from operator import and_, or_

from django.db.models import Min, Q, QuerySet

from catalog.catalogue.models import Product

SEARCHED_FIELDS = (
    "title",
    "description",
    "upc",
    "producer__name",
    "origin_county__name",
)

SORTS = {
    "relevancy": ("title", "pk"),
    "rating": ("-rating", "title", "pk"),
    "newest": ("-date_created", "pk"),
    "price-desc": ("-min_price", "title", "pk"),
    "price-asc": ("min_price", "title", "pk"),
    "title-asc": ("title", "pk"),
    "title-desc": ("-title", "-pk"),
}


def _term_filter(term: str) -> Q:
    return reduce(or_, (Q(**{f"{f}__icontains": term}) for f in SEARCHED_FIELDS))


def search_products(
    *, query: str = "", category_ids: list[int] | None = None, sort_by: str = ""
) -> QuerySet[Product]:
    """Return public products matching query, in category_ids, sorted.

    An empty query returns every browsable product; an unknown sort falls
    back to relevancy (title order, as there is no scoring here).
    """
    products = Product.objects.browsable().filter(is_public=True)
    terms = query.split()
    if terms:
        products = products.filter(reduce(and_, map(_term_filter, terms)))
    if category_ids is not None:
        products = products.filter(categories__in=category_ids)

    products = products.distinct().annotate(min_price=Min("stockrecords__price"))
    order = SORTS.get(sort_by, SORTS["relevancy"])
    return products.order_by(*order).select_related("producer", "origin_county")
