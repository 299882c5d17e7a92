import graphene

from catalog.graphql.queries import CatalogQueries


class Query(CatalogQueries, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query)
