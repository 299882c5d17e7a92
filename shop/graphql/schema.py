"""The partner API's schema: each domain's root fields, read only for now."""

import graphene

from catalog.graphql.queries import CatalogQueries
from shop.partners.graphql.queries import PartnerAppQueries


class Query(PartnerAppQueries, CatalogQueries, graphene.ObjectType):
    class Meta:
        description = (
            "Read-only entry points: products, producers, and counties with "
            "what sales have brought their registry households; and the "
            "calling app."
        )


schema = graphene.Schema(query=Query)
