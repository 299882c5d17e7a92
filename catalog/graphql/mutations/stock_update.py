"""stockUpdate: set how many units of some products are in stock."""

import graphene

from catalog import listings
from catalog.graphql.mutations.errors import ListingError, bulk_change, refused
from catalog.graphql.types import Listing, listing_producer, listings_for


class StockUpdateInput(graphene.InputObjectType):
    class Meta:
        description = "A new stock level for one of the cooperative's products."

    product = graphene.ID(
        required=True, description="The product's id, as in `Listing.id`."
    )
    num_in_stock = graphene.Int(
        required=True,
        description="Units in stock from now on, allocated ones included: 0 or "
        "more, and not below the product's `numAllocated`.",
    )


class StockUpdate(graphene.Mutation):
    class Meta:
        description = "What `stockUpdate` changed, or why it changed nothing."

    class Arguments:
        input = graphene.List(
            graphene.NonNull(StockUpdateInput),
            required=True,
            description=f"The new levels, at most {listings.MAX_ITEMS}, each "
            "product once.",
        )

    listings = graphene.List(
        graphene.NonNull(Listing),
        required=True,
        description="The products with their new levels, in the order of "
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
            build=lambda item, pk: listings.StockLevel(
                product_id=pk, num_in_stock=item.num_in_stock
            ),
            check=lambda levels: listings.stock_problems(
                producer=producer, levels=levels
            ),
            apply=lambda levels: listings.stock_update(
                producer=producer, levels=levels
            ),
        )
        if errors:
            return StockUpdate(listings=[], errors=refused(info, errors))
        ids = [record.product_id for record in records]
        return StockUpdate(
            listings=listings_for(producer=producer, product_ids=ids), errors=[]
        )
