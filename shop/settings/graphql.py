"""GraphQL API (graphene-django)."""

from shop.settings.env import env

GRAPHENE = {
    "SCHEMA": "shop.graphql.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    "RELAY_CONNECTION_ENFORCE_FIRST_OR_LAST": True,
    # A mutation that reports errors is rolled back whole.
    "ATOMIC_MUTATIONS": True,
}
GRAPHQL_MAX_PAGE_SIZE = 100
# graphene-django adds its debug middleware when DEBUG is on, which wraps
# every database cursor of every request; the API never reports it.
GRAPHENE["MIDDLEWARE"] = ["shop.graphql.auth.PartnerAppMiddleware"]
# Limits of the partner API (shop/graphql/limits.py); requests are counted
# per partner app, or per IP address for anonymous callers.
GRAPHQL_MAX_COST = env.int("GRAPHQL_MAX_COST", default=10_000)
GRAPHQL_RATE_LIMIT = env.str("GRAPHQL_RATE_LIMIT", default="600/minute")
