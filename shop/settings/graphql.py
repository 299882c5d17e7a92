"""GraphQL API (graphene-django)."""

GRAPHENE = {
    "SCHEMA": "shop.graphql.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    "RELAY_CONNECTION_ENFORCE_FIRST_OR_LAST": True,
}
GRAPHQL_MAX_PAGE_SIZE = 100
# graphene-django adds its debug middleware when DEBUG is on, which wraps
# every database cursor of every request; the API never reports it.
GRAPHENE["MIDDLEWARE"] = ["shop.graphql.auth.PartnerAppMiddleware"]
