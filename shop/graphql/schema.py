"""The partner API's schema: each domain's root fields and mutations."""

import graphene

from catalog.graphql.mutations import ListingMutations
from catalog.graphql.queries import CatalogQueries
from fulfillment.graphql.mutations import OrderMutations
from fulfillment.graphql.queries import FulfillmentQueries
from shop.partners.graphql.queries import PartnerAppQueries


class Query(PartnerAppQueries, FulfillmentQueries, CatalogQueries, graphene.ObjectType):
    class Meta:
        description = (
            "Entry points: the public catalogue (products, producers, counties "
            "with what sales brought their registry households), the calling "
            "app, and, by scope, its orders, its producer's lines to ship and "
            "its impact."
        )


class Mutation(OrderMutations, ListingMutations, graphene.ObjectType):
    class Meta:
        description = (
            "Changes a partner app may make, each behind a scope. Every "
            "mutation reports problems with its input in `errors`."
        )


schema = graphene.Schema(query=Query, mutation=Mutation)
