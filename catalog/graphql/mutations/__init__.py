"""Mutations of the catalogue: a cooperative's own listings.

Every one needs a token of a cooperative's app with the `listings` scope
and acts for that app's producer only; any other caller gets a FORBIDDEN
top-level error. A refused input comes back in the payload's `errors`,
with nothing changed.
"""

import graphene

from catalog.graphql.mutations.price_update import PriceUpdate
from catalog.graphql.mutations.product_create import ProductCreate
from catalog.graphql.mutations.product_update import ProductUpdate
from catalog.graphql.mutations.stock_update import StockUpdate


class ListingMutations(graphene.ObjectType):
    stock_update = StockUpdate.Field(
        description="Set the stock level of some of the cooperative's "
        "products, all or none: when any item is refused, nothing changes "
        "and every item's problems are returned."
    )
    price_update = PriceUpdate.Field(
        description="Set the price of some of the cooperative's products, all "
        "or none, like `stockUpdate`."
    )
    product_create = ProductCreate.Field(
        description="List a new product of the cooperative with its SKU, price "
        "and stock."
    )
    product_update = ProductUpdate.Field(
        description="Change the title, description, class, categories, origin, "
        "benefit rule or visibility of one of the cooperative's products."
    )
