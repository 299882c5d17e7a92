"""The /graphql/ endpoint, with GraphiQL served from our own static files."""

from graphene_django.views import GraphQLView


class ShopGraphQLView(GraphQLView):
    # The stock template loads GraphiQL from a CDN; ours serves the same
    # bundles from /static/ so the IDE works without internet access.
    graphiql_template = "graphene/graphiql_local.html"
