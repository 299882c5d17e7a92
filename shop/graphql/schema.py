"""The partner API's schema: each domain's root fields, read only for now."""

import graphene

from catalog.graphql.queries import CatalogQueries


class Query(CatalogQueries, graphene.ObjectType):
    class Meta:
        description = (
            "Read-only entry points: products, producers, and counties with "
            "what sales have brought their registry households."
        )


schema = graphene.Schema(query=Query)
