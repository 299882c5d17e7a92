"""Partner apps, their tokens, and posting queries with a token."""

import json

import pytest

from shop.partners import services
from shop.partners.models import PartnerApp
from tests import factories

VIEWER = "{ viewer { name organisationKind scopes producer { name } } }"


@pytest.fixture
def cooperative_app():
    """Return the app of 丹寨县卡拉村茶叶专业合作社 with two scopes."""
    producer = factories.PartnerFactory(name="丹寨县卡拉村茶叶专业合作社")
    return services.app_create(
        name="卡拉村合作社进销存",
        organisation_kind=PartnerApp.OrganisationKind.COOPERATIVE,
        scopes=["listings", "fulfilment"],
        producer=producer,
    )


@pytest.fixture
def token(cooperative_app):
    """Return the row and plain text of a live token of cooperative_app."""
    return services.app_token_create(app=cooperative_app, name="生产环境")


@pytest.fixture
def graphql_as(client):
    """Return a function posting a query with an Authorization header."""

    def post(query: str, authorization: str | None) -> dict:
        headers = {} if authorization is None else {"Authorization": authorization}
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": query}),
            content_type="application/json",
            headers=headers,
        )
        return response.json()

    return post
