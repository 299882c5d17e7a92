"""priceUpdate: set the price of some products."""

import graphene

from catalog import listings
from catalog.graphql.mutations.errors import ListingError, bulk_change, refused
from catalog.graphql.types import Listing, listing_producer, listings_for
from shop.graphql.types import DecimalAmount


class PriceUpdateInput(graphene.InputObjectType):
    class Meta:
        description = "A new price for one of the cooperative's products."

    product = graphene.ID(
        required=True, description="The product's id, as in `Listing.id`."
    )
    price = DecimalAmount(
        required=True,
        description='Price of one unit in yuan (CNY), more than 0, e.g. "12.50".',
    )


class PriceUpdate(graphene.Mutation):
    class Meta:
        description = "What `priceUpdate` changed, or why it changed nothing."

    class Arguments:
        input = graphene.List(
            graphene.NonNull(PriceUpdateInput),
            required=True,
            description=f"The new prices, at most {listings.MAX_ITEMS}, each "
            "product once.",
        )

    listings = graphene.List(
        graphene.NonNull(Listing),
        required=True,
        description="The products with their new prices, in the order of "
        "`input`; empty when there are errors.",
    )
    errors = graphene.List(
        graphene.NonNull(ListingError),
        required=True,
        description="Every problem of every item; when there is any, nothing "
        "was changed.",
    )

    @staticmethod
    def mutate(root, info, input):
        producer = listing_producer(info)

        records, errors = bulk_change(
            input,
            build=lambda item, pk: listings.PriceChange(
                product_id=pk, price=item.price
            ),
            check=lambda changes: listings.price_problems(
                producer=producer, changes=changes
            ),
            apply=lambda changes: listings.price_update(
                producer=producer, changes=changes
            ),
        )
        if errors:
            return PriceUpdate(listings=[], errors=refused(info, errors))
        ids = [record.product_id for record in records]
        return PriceUpdate(
            listings=listings_for(producer=producer, product_ids=ids), errors=[]
        )
