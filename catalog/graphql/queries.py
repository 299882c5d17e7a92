"""Root fields of the catalogue: products, producers and counties; and the
calling cooperative's own listings.
"""

import graphene
from django.core.exceptions import ValidationError

from catalog import selectors
from catalog.graphql.types import (
    County,
    Listing,
    Producer,
    Product,
    Village,
    listing_producer,
    with_listing_relations,
    with_producer_products,
    with_producer_relations,
    with_product_relations,
)
from catalog.models import County as CountyModel
from catalog.models import Village as VillageModel
from catalog.registry.codes import validate_county_code, validate_province_code
from fulfillment.graphql.dataloaders import AttributionTotalsByCountyCodeLoader
from shop.graphql.connections import LimitedConnectionField
from shop.graphql.errors import ErrorCode, api_error
from shop.graphql.ids import decode_global_id
from shop.graphql.types import DecimalAmount, enum_value


def _checked_code(value: str, validate, *, argument: str, example: str) -> str:
    try:
        validate(value)
    except ValidationError:
        raise api_error(
            f"`{argument}` must be a six-digit GB/T 2260 code such as {example}, "
            f"not “{value}”.",
            ErrorCode.INVALID_CODE,
        ) from None
    return value


class ProductSort(graphene.Enum):
    class Meta:
        description = "Orders in which `products` can come."

    LISTED = selectors.ProductSort.LISTED.value
    TITLE = selectors.ProductSort.TITLE.value
    PRICE_ASCENDING = selectors.ProductSort.PRICE_ASCENDING.value
    PRICE_DESCENDING = selectors.ProductSort.PRICE_DESCENDING.value
    NEWEST = selectors.ProductSort.NEWEST.value

    @property
    def description(self) -> str:
        return {
            ProductSort.LISTED: "In the order they were listed, oldest first.",
            ProductSort.TITLE: "By title, in the database's text order.",
            ProductSort.PRICE_ASCENDING: "Cheapest first; those without a price last.",
            ProductSort.PRICE_DESCENDING: "Dearest first; those without a price last.",
            ProductSort.NEWEST: "Most recently listed first.",
        }[self]


class CatalogQueries(graphene.ObjectType):
    products = LimitedConnectionField(
        Product,
        description="Public products, in the order they were listed unless "
        "`sortBy` says otherwise. Filters combine: a product passes all given.",
        county=graphene.String(
            description="Only products from this county, by its six-digit code "
            "(e.g. 522636)."
        ),
        producer=graphene.ID(description="Only products of this producer, by id."),
        category=graphene.String(
            description="Only products in this category or its subcategories, "
            "by the category's slug (e.g. `cha-ye` for 茶叶); none for a slug "
            "no category has."
        ),
        certified=graphene.Boolean(
            description="Only products with a poverty-product certificate valid "
            "today (true), or only those without one (false)."
        ),
        min_price=DecimalAmount(
            description='Only products with a price of at least this, e.g. "10.00".'
        ),
        max_price=DecimalAmount(
            description='Only products with a price of at most this, e.g. "99.50".'
        ),
        sort_by=graphene.Argument(
            ProductSort,
            default_value=ProductSort.LISTED,
            description="The order of the products.",
        ),
    )
    product = graphene.Field(
        Product,
        id=graphene.ID(required=True, description="The product's id."),
        description="A public product by id; null if there is none.",
    )
    producers = LimitedConnectionField(
        Producer, description="Producers with products on sale, by name."
    )
    producer = graphene.Field(
        Producer,
        id=graphene.ID(required=True, description="The producer's id."),
        description="A producer with products on sale, by id; null otherwise.",
    )
    counties = graphene.List(
        graphene.NonNull(County),
        required=True,
        is_poverty_county=graphene.Boolean(
            description="Only poverty counties (true) or only the others (false)."
        ),
        province=graphene.String(
            description="Only counties of this province, by its six-digit code "
            "(e.g. 520000)."
        ),
        description="Counties by code, with what sales have brought their "
        "registry households.",
    )

    villages = graphene.List(
        graphene.NonNull(Village),
        required=True,
        county=graphene.String(
            required=True,
            description="Six-digit code of the county whose villages to list, "
            "e.g. 522636.",
        ),
        description="The administrative villages of one county, by code, with "
        "what sales have brought their registry households.",
    )

    listings = LimitedConnectionField(
        Listing,
        description="The calling cooperative's own products, public or not, "
        "with SKU, price, stock and allocations, in the order they were "
        "listed. Needs a token of a cooperative's app with the `listings` "
        "scope.",
        partner_sku=graphene.String(
            description="Only the product whose stockrecord has this SKU."
        ),
    )

    @staticmethod
    def resolve_products(
        root,
        info,
        county=None,
        producer=None,
        category=None,
        certified=None,
        min_price=None,
        max_price=None,
        sort_by=ProductSort.LISTED,
        **kwargs,
    ):
        if county is not None:
            county = _checked_code(
                county, validate_county_code, argument="county", example="522636"
            )
        if producer is not None:
            producer = decode_global_id(
                producer, type_name="Producer", argument="producer"
            )
        products = selectors.product_list(
            county_code=county,
            producer_id=producer,
            category_slug=category,
            is_certified=certified,
            min_price=min_price,
            max_price=max_price,
            sort=selectors.ProductSort(enum_value(sort_by)),
        )
        return with_producer_products(with_product_relations(products), info)

    @staticmethod
    def resolve_product(root, info, id):
        pk = decode_global_id(id, type_name="Product", argument="id")
        products = with_product_relations(selectors.products_with_origin())
        return products.filter(pk=pk).first()

    @staticmethod
    def resolve_producers(root, info, **kwargs):
        producers = selectors.producer_list().order_by("name", "pk")
        return with_producer_relations(producers)

    @staticmethod
    def resolve_producer(root, info, id):
        pk = decode_global_id(id, type_name="Producer", argument="id")
        producers = with_producer_relations(selectors.producer_list())
        return producers.filter(pk=pk).first()

    @staticmethod
    def resolve_listings(root, info, partner_sku=None, **kwargs):
        producer = listing_producer(info)
        listings = selectors.listing_list(producer=producer, partner_sku=partner_sku)
        return with_listing_relations(listings, producer=producer)

    @staticmethod
    def resolve_villages(root, info, county):
        code = _checked_code(
            county, validate_county_code, argument="county", example="522636"
        )
        return VillageModel.objects.filter(township__county__code=code).order_by("code")

    @staticmethod
    def resolve_counties(root, info, is_poverty_county=None, province=None):
        counties = CountyModel.objects.select_related("prefecture__province")
        if is_poverty_county is not None:
            counties = counties.filter(is_poverty_county=is_poverty_county)
        if province is not None:
            code = _checked_code(
                province, validate_province_code, argument="province", example="520000"
            )
            counties = counties.filter(prefecture__province__code=code)
        totals = AttributionTotalsByCountyCodeLoader.for_request(info.context)
        return totals.load_counties(counties.order_by("code"))
