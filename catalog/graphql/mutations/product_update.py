"""productUpdate: change what is told of one of the cooperative's products."""

import graphene

from catalog import listings
from catalog.graphql.mutations.details import ProductDetailFields, listing_details
from catalog.graphql.mutations.errors import (
    ListingError,
    decode_product,
    listing_error,
    refused,
)
from catalog.graphql.types import Listing, listing_producer, listings_for


class ProductUpdateInput(ProductDetailFields, graphene.InputObjectType):
    class Meta:
        description = (
            "Changes to a product; what is left out stays as it is. An "
            "`originCounty` without `originVillage` clears the village."
        )

    title = graphene.String(description="Title shown to buyers.")
    product_class = graphene.String(
        description="Slug of its product class, e.g. `nong-chan-pin` (农产品)."
    )
    origin_county = graphene.String(
        description="Six-digit code of the county it is made in or sourced "
        "from, e.g. 522636."
    )


class ProductUpdate(graphene.Mutation):
    class Meta:
        description = "What `productUpdate` changed, or why it changed nothing."

    class Arguments:
        id = graphene.ID(
            required=True, description="The product's id, as in `Listing.id`."
        )
        input = ProductUpdateInput(required=True, description="What changes.")

    listing = graphene.Field(
        Listing, description="The product as changed; null when there are errors."
    )
    errors = graphene.List(
        graphene.NonNull(ListingError),
        required=True,
        description="Every problem of the input; when there is any, nothing "
        "was changed.",
    )

    @staticmethod
    def mutate(root, info, id, input):
        producer = listing_producer(info)
        pk, error = decode_product(id, field="id")
        if error is not None:
            return ProductUpdate(listing=None, errors=refused(info, [error]))

        try:
            listings.product_update(
                producer=producer, product_id=pk, details=listing_details(input)
            )
        except listings.ListingRejected as rejected:
            errors = [_error(problem) for problem in rejected.problems]
            return ProductUpdate(listing=None, errors=refused(info, errors))
        [listing] = listings_for(producer=producer, product_ids=[pk])
        return ProductUpdate(listing=listing, errors=[])


def _error(problem: listings.Problem) -> ListingError:
    # The product itself is the `id` argument, not part of `input`.
    if problem.field == "product":
        return ListingError(
            field="id", code=problem.code.value, message=problem.message
        )
    return listing_error(problem)
