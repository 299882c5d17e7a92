"""productCreate: list a new product of the cooperative, with its stock."""

import graphene

from catalog import listings
from catalog.graphql.mutations.details import ProductDetailFields, listing_details
from catalog.graphql.mutations.errors import ListingError, listing_error, refused
from catalog.graphql.types import Listing, listing_producer, listings_for
from shop.graphql.types import DecimalAmount


class ProductCreateInput(ProductDetailFields, graphene.InputObjectType):
    class Meta:
        description = (
            "A new product of the cooperative. Left out, `description` is "
            "empty, `categories` none, `originVillage` unknown, `benefitRule` "
            "LINKS and `isPublic` true. `partnerSku` is the idempotency key: "
            "the same input sent again returns the product created first."
        )

    title = graphene.String(required=True, description="Title shown to buyers.")
    product_class = graphene.String(
        required=True,
        description="Slug of its product class, e.g. `nong-chan-pin` (农产品) "
        "or `sheng-xian` (生鲜).",
    )
    origin_county = graphene.String(
        required=True,
        description="Six-digit code of the county it is made in or sourced "
        "from, e.g. 522636.",
    )
    partner_sku = graphene.String(
        required=True,
        description="Its SKU in the cooperative's own system, unique among "
        "the cooperative's products.",
    )
    price = DecimalAmount(
        required=True,
        description='Price of one unit in yuan (CNY), more than 0, e.g. "12.50".',
    )
    num_in_stock = graphene.Int(
        required=True, description="Units in stock to begin with, 0 or more."
    )


class ProductCreate(graphene.Mutation):
    class Meta:
        description = "What `productCreate` listed, or why it listed nothing."

    class Arguments:
        input = ProductCreateInput(
            required=True, description="The product and its first stock."
        )

    listing = graphene.Field(
        Listing, description="The new product; null when there are errors."
    )
    errors = graphene.List(
        graphene.NonNull(ListingError),
        required=True,
        description="Every problem of the input; when there is any, nothing "
        "was created.",
    )

    @staticmethod
    def mutate(root, info, input):
        producer = listing_producer(info)

        try:
            product = listings.product_create(
                producer=producer,
                details=listing_details(input),
                partner_sku=input.partner_sku,
                price=input.price,
                num_in_stock=input.num_in_stock,
            )
        except listings.ListingRejected as rejected:
            errors = [listing_error(problem) for problem in rejected.problems]
            return ProductCreate(listing=None, errors=refused(info, errors))
        [listing] = listings_for(producer=producer, product_ids=[product.pk])
        return ProductCreate(listing=listing, errors=[])
