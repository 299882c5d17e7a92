"""Root fields of the catalogue: products, producers and counties."""

import graphene
from django.core.exceptions import ValidationError

from catalog import selectors
from catalog.graphql.types import (
    County,
    Producer,
    Product,
    with_producer_relations,
    with_product_relations,
)
from catalog.models import County as CountyModel
from catalog.registry.codes import validate_county_code, validate_province_code
from fulfillment.graphql.dataloaders import AttributionTotalsByCountyCodeLoader
from shop.graphql.connections import LimitedConnectionField
from shop.graphql.errors import ErrorCode, api_error
from shop.graphql.ids import decode_global_id


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


class CatalogQueries(graphene.ObjectType):
    products = LimitedConnectionField(
        Product,
        description="Public products, in the order they were listed.",
        county=graphene.String(
            description="Only products from this county, by its six-digit code "
            "(e.g. 522636)."
        ),
        producer=graphene.ID(description="Only products of this producer, by id."),
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

    @staticmethod
    def resolve_products(root, info, county=None, producer=None, **kwargs):
        products = selectors.products_with_origin()
        if county is not None:
            code = _checked_code(
                county, validate_county_code, argument="county", example="522636"
            )
            products = products.filter(origin_county__code=code)
        if producer is not None:
            producer_id = decode_global_id(
                producer, type_name="Producer", argument="producer"
            )
            products = products.filter(producer_id=producer_id)
        return with_product_relations(products.order_by("pk"))

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
