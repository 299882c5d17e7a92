"""Limits checked before a query runs: depth, aliases, cost, batches, rate."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import get_introspection_query

from shop.graphql.schema import schema
from shop.partners import services
from shop.partners.models import PartnerApp
from tests import factories

pytestmark = pytest.mark.django_db

NESTED_PRODUCERS = """
{ producers(first: %d) { edges { node {
    name products(first: %d) { edges { node { title } } }
} } } }
"""


def data_queries(captured: CaptureQueriesContext) -> list[str]:
    """Return the SQL of captured queries, less the request's savepoints.

    ATOMIC_REQUESTS wraps each request in a transaction, which inside a test
    shows as savepoint statements that read and write nothing.
    """
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(control)
    ]


def post(client, body, **headers):
    return client.post(
        "/graphql/", data=json.dumps(body), content_type="application/json", **headers
    )


def nested(depth: int) -> str:
    """Return a query whose selections are depth levels deep."""
    return "{ " + "a { " * (depth - 1) + "b" + " }" * depth


def nested_producers_cost(outer: int, inner: int) -> int:
    """Price NESTED_PRODUCERS by hand: 1 per object field, times its pages.

    Inner node 1, inner edges inner * (1 + 1), the products connection
    1 + that; outer node 1 + products, outer edges outer * (1 + node), and
    the producers connection 1 + that.
    """
    products = 1 + inner * (1 + 1)
    node = 1 + products
    return 1 + outer * (1 + node)


def test_a_query_30_levels_deep_is_refused_before_the_database(client):
    with CaptureQueriesContext(connection) as queries:
        response = post(client, {"query": nested(30)})

    assert response.json() == {
        "errors": [
            {
                "message": "The query is 30 levels deep; the depth limit is 10.",
                "extensions": {"code": "DEPTH_LIMIT_EXCEEDED"},
            }
        ]
    }
    assert data_queries(queries) == []


def test_depth_counts_the_fields_inside_fragments(client):
    query = "query { ...Deep } fragment Deep on Query { " + nested(11)[2:]

    errors = post(client, {"query": query}).json()["errors"]

    assert errors[0]["message"] == "The query is 11 levels deep; the depth limit is 10."


def test_a_query_10_levels_deep_passes_the_depth_limit(client):
    # Ten levels of real fields: producers, edges, node, products, edges,
    # node, producer, county, province, name.
    query = """{ producers(first: 1) { edges { node { products(first: 1) {
        edges { node { producer { county { province { name } } } } } } } } } }"""

    result = post(client, {"query": query}).json()

    assert result["data"] == {"producers": {"edges": []}}


def test_1000_aliases_are_refused(client):
    fields = " ".join(f"c{index}: counties {{ code }}" for index in range(1000))

    with CaptureQueriesContext(connection) as queries:
        result = post(client, {"query": "{ " + fields + " }"}).json()

    assert result == {
        "errors": [
            {
                "message": "The query has 1000 aliases; the limit is 100 per request.",
                "extensions": {"code": "TOO_MANY_ALIASES"},
            }
        ]
    }
    assert data_queries(queries) == []


def test_100_aliases_are_allowed(client):
    fields = " ".join(f"c{index}: counties {{ code }}" for index in range(100))

    result = post(client, {"query": "{ " + fields + " }"}).json()

    assert result["data"] == {f"c{index}": [] for index in range(100)}


def test_a_query_over_the_cost_ceiling_is_refused_with_its_cost(client):
    expected = nested_producers_cost(100, 100)

    with CaptureQueriesContext(connection) as queries:
        result = post(client, {"query": NESTED_PRODUCERS % (100, 100)}).json()

    assert result == {
        "errors": [
            {
                "message": f"The query would cost {expected}; the limit is 10000. "
                "Ask for smaller pages (`first`/`last`) or fewer nested "
                "connections.",
                "extensions": {"code": "COST_LIMIT_EXCEEDED"},
            }
        ]
    }
    assert data_queries(queries) == []


def test_the_cost_of_an_accepted_query_is_reported(client):
    factories.ProductFactory()

    result = post(client, {"query": NESTED_PRODUCERS % (10, 100)}).json()

    assert "errors" not in result
    assert result["extensions"] == {
        "cost": {"requested": nested_producers_cost(10, 100), "limit": 10_000}
    }


def test_page_sizes_given_as_variables_are_priced(client):
    query = """query Page($outer: Int!, $inner: Int!) { producers(first: $outer) {
        edges { node { name products(first: $inner) { edges { node { title } } } } }
    } }"""

    result = post(
        client, {"query": query, "variables": {"outer": 4, "inner": 7}}
    ).json()

    assert result["extensions"]["cost"]["requested"] == nested_producers_cost(4, 7)


def test_a_page_size_out_of_range_is_refused_before_the_database(client):
    # producers would run first, were the request executed at all.
    query = """{ producers(first: 5) { edges { node { name } } }
                 products(first: 100000) { edges { node { title } } } }"""

    with CaptureQueriesContext(connection) as queries:
        response = post(client, {"query": query})

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "`first` on `products` must be from 1 to 100, not "
                "100000; ask for more pages with `after`.",
                "locations": [{"line": 2, "column": 18}],
                "extensions": {"code": "PAGE_SIZE_OUT_OF_RANGE"},
            }
        ]
    }
    assert data_queries(queries) == []


def test_a_connection_without_a_page_size_is_refused_before_the_database(client):
    query = "query($n: Int) { products(first: $n) { edges { node { title } } } }"

    with CaptureQueriesContext(connection) as queries:
        response = post(client, {"query": query, "variables": {}})

    assert response.json()["errors"][0]["extensions"] == {"code": "PAGE_SIZE_REQUIRED"}
    assert data_queries(queries) == []


def test_the_cost_ceiling_is_a_setting(client, settings):
    settings.GRAPHQL_MAX_COST = 200
    query = "{ products(first: 100) { edges { node { title } } } }"

    result = post(client, {"query": query}).json()

    assert result["errors"][0]["message"].startswith(
        "The query would cost 201; the limit is 200."
    )


def test_graphiql_introspection_is_neither_too_deep_nor_costly(client):
    result = post(client, {"query": get_introspection_query()}).json()

    assert "errors" not in result
    assert result["extensions"]["cost"]["requested"] == 0


def test_a_batch_of_operations_is_refused(client):
    body = [{"query": "{ counties { code } }"}] * 3

    response = post(client, body)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Batched requests (a JSON list of operations) are not "
                "accepted; this one had 3. Send one operation per request.",
                "extensions": {"code": "BATCH_NOT_ALLOWED"},
            }
        ]
    }


def test_requests_over_the_rate_limit_are_refused_with_retry_after(client, settings):
    settings.GRAPHQL_RATE_LIMIT = "3/hour"
    body = {"query": "{ counties { code } }"}

    statuses = [post(client, body).status_code for _ in range(4)]
    refused = post(client, body)

    assert statuses == [200, 200, 200, 429]
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert refused.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    assert refused.json()["errors"][0]["message"] == (
        "More than 3 requests in this period; retry in "
        f"{refused['Retry-After']} seconds."
    )


def test_the_rate_limit_counts_each_partner_app_apart(client, settings):
    settings.GRAPHQL_RATE_LIMIT = "2/hour"
    body = {"query": "{ counties { code } }"}
    apps = [
        services.app_create(
            name=name,
            organisation_kind=PartnerApp.OrganisationKind.PLATFORM,
            scopes=[],
        )
        for name in ("采购平台甲", "采购平台乙")
    ]
    tokens = [services.app_token_create(app=app, name="k")[1] for app in apps]
    first, second = ({"HTTP_AUTHORIZATION": f"Bearer {t}"} for t in tokens)

    first_app = [post(client, body, **first).status_code for _ in range(3)]
    second_app = [post(client, body, **second).status_code for _ in range(2)]
    anonymous = post(client, body).status_code

    assert first_app == [200, 200, 429]
    assert second_app == [200, 200]
    assert anonymous == 200


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_tells_nothing_of_its_cause(
    client, monkeypatch, settings, debug
):
    settings.DEBUG = debug

    def broken(root, info, **kwargs):
        raise RuntimeError('relation "catalogue_product" does not exist at line 3')

    field = schema.graphql_schema.query_type.fields["counties"]
    monkeypatch.setattr(field, "resolve", broken)

    result = post(client, {"query": "{ counties { code } }"}).json()

    assert result["errors"] == [
        {
            "message": "Internal error",
            "locations": [{"line": 1, "column": 3}],
            "path": ["counties"],
            "extensions": {"code": "INTERNAL_ERROR"},
        }
    ]
