"""Bearer tokens on /graphql/, the viewer field and require_scope."""

import pytest
from graphql import GraphQLError

from shop.graphql.auth import UNAUTHENTICATED_MESSAGE, require_scope
from shop.partners import services
from shop.partners.models import AppToken
from tests import factories
from tests.partners.conftest import VIEWER

pytestmark = pytest.mark.django_db

PRODUCTS = "{ products(first: 5) { edges { node { title } } } }"
REFUSED = {
    "message": UNAUTHENTICATED_MESSAGE,
    "locations": [{"line": 1, "column": 3}],
    "path": ["viewer"],
    "extensions": {"code": "UNAUTHENTICATED"},
}


class FakeInfo:
    def __init__(self, app):
        self.context = type("Request", (), {"partner_app": app})()


def test_valid_token_shows_the_app_as_viewer(graphql_as, token):
    _, plain = token

    result = graphql_as(VIEWER, f"Bearer {plain}")

    assert result["data"] == {
        "viewer": {
            "name": "卡拉村合作社进销存",
            "organisationKind": "COOPERATIVE",
            "scopes": ["LISTINGS", "FULFILMENT"],
            "producer": {"name": "丹寨县卡拉村茶叶专业合作社"},
        }
    }
    assert "errors" not in result


def test_valid_token_records_its_use(graphql_as, token):
    _, plain = token

    graphql_as(VIEWER, f"Bearer {plain}")

    assert AppToken.objects.get().last_used_at is not None


def test_anonymous_viewer_is_null_and_products_are_readable(graphql_as):
    factories.ProductFactory(title="丹寨硒锌茶")

    result = graphql_as("{ viewer { name } " + PRODUCTS[1:], None)

    assert result["data"] == {
        "viewer": None,
        "products": {"edges": [{"node": {"title": "丹寨硒锌茶"}}]},
    }
    assert "errors" not in result


def test_revoked_token_is_refused_with_no_data(graphql_as, token):
    row, plain = token
    services.app_token_revoke(token=row)
    factories.ProductFactory(title="丹寨硒锌茶")

    result = graphql_as("{ viewer { name } " + PRODUCTS[1:], f"Bearer {plain}")

    assert result["data"] == {"viewer": None, "products": None}
    assert [error["extensions"] for error in result["errors"]] == [
        {"code": "UNAUTHENTICATED"},
        {"code": "UNAUTHENTICATED"},
    ]
    assert AppToken.objects.get().last_used_at is None


def test_unknown_token_is_refused_like_a_revoked_one(graphql_as, token):
    _, plain = token

    result = graphql_as(VIEWER, f"Bearer {plain[:-1]}x")

    assert result["data"] == {"viewer": None}
    assert result["errors"] == [REFUSED]


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer  ",
        "bearer fpm_abc",
        "Basic x",
        "Token fpm_abc",
        "Bearer fpm_abc extra",
        "Bearer  fpm_abc",
        "Bearer fpm_ab/c",
    ],
)
def test_malformed_header_is_refused(graphql_as, token, authorization):
    result = graphql_as(VIEWER, authorization)

    assert result["data"] == {"viewer": None}
    assert result["errors"] == [REFUSED]


def test_malformed_header_around_a_valid_token_is_refused(graphql_as, token):
    _, plain = token

    result = graphql_as(VIEWER, f"Bearer {plain} ")

    assert result["data"] == {"viewer": None}
    assert result["errors"] == [REFUSED]
    assert AppToken.objects.get().last_used_at is None


def test_require_scope_returns_an_app_holding_it(cooperative_app):
    assert require_scope(FakeInfo(cooperative_app), "listings") == cooperative_app


def test_require_scope_refuses_an_app_without_it(cooperative_app):
    with pytest.raises(GraphQLError) as caught:
        require_scope(FakeInfo(cooperative_app), "orders")

    assert (
        caught.value.message == "This needs a token of an app with the `orders` scope."
    )
    assert caught.value.extensions == {"code": "FORBIDDEN"}


def test_require_scope_refuses_an_anonymous_caller():
    with pytest.raises(GraphQLError) as caught:
        require_scope(FakeInfo(None), "impact")

    assert caught.value.extensions == {"code": "FORBIDDEN"}
