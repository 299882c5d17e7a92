"""The producers connection and the producer field."""

import pytest

from catalog.partner.models import Partner
from tests import factories
from tests.graphql.conftest import global_id

pytestmark = pytest.mark.django_db

PRODUCER_FIELDS = """
fragment ProducerFields on Producer {
  id name kind creditCode story url
  county { code name province { name } }
  products(first: 10) { totalCount edges { node { title } } }
}
"""

PRODUCERS = (
    """
query Producers($first: Int) {
  producers(first: $first) { totalCount edges { node { ...ProducerFields } } }
}
"""
    + PRODUCER_FIELDS
)

PRODUCER = (
    "query Producer($id: ID!) { producer(id: $id) { ...ProducerFields } }"
    + PRODUCER_FIELDS
)


@pytest.fixture
def farm(dafang):
    """Return a family farm of 大方县 selling two products, one not public."""
    producer = factories.PartnerFactory(
        name="大方县天麻家庭农场",
        kind=Partner.Kind.FAMILY_FARM,
        county=dafang,
        story="三代人种天麻。",
    )
    factories.ProductFactory(title="天麻片", producer=producer)
    factories.ProductFactory(title="乌天麻", producer=producer)
    factories.ProductFactory(title="试制品", producer=producer, is_public=False)
    return producer


def farm_node(farm) -> dict:
    return {
        "id": global_id("Producer", farm.pk),
        "name": "大方县天麻家庭农场",
        "kind": "FAMILY_FARM",
        "creditCode": farm.credit_code,
        "story": "三代人种天麻。",
        "url": f"http://testserver/producers/{farm.slug}/",
        "county": {"code": "520521", "name": "大方县", "province": {"name": "贵州省"}},
        "products": {
            "totalCount": 2,
            "edges": [{"node": {"title": "乌天麻"}}, {"node": {"title": "天麻片"}}],
        },
    }


def test_producers_show_every_field_of_a_producer(graphql, farm):
    result = graphql(PRODUCERS, {"first": 10})

    assert result == {
        "data": {"producers": {"totalCount": 1, "edges": [{"node": farm_node(farm)}]}}
    }


def test_producers_are_by_name_and_leave_out_those_without_products(graphql):
    factories.ProductFactory(producer=factories.PartnerFactory(name="乙合作社"))
    factories.ProductFactory(producer=factories.PartnerFactory(name="甲合作社"))
    factories.PartnerFactory(name="丙合作社")

    result = graphql(PRODUCERS, {"first": 10})

    names = [edge["node"]["name"] for edge in result["data"]["producers"]["edges"]]
    assert names == sorted(["乙合作社", "甲合作社"])


def test_producers_without_first_or_last_are_refused(graphql, farm):
    result = graphql(PRODUCERS, {})

    assert "data" not in result
    assert [e["message"] for e in result["errors"]] == [
        "Pass `first` or `last` (1 to 100) to page through `producers`."
    ]


def test_producer_products_refuse_first_over_100(graphql, farm):
    query = """{ producers(first: 1) { edges { node {
        products(first: 101) { totalCount }
    } } } }"""

    result = graphql(query)

    assert [e["message"] for e in result["errors"]] == [
        "`first` on `products` must be from 1 to 100, not 101; ask for more "
        "pages with `after`."
    ]


def test_producer_by_id(graphql, farm):
    result = graphql(PRODUCER, {"id": global_id("Producer", farm.pk)})

    assert result == {"data": {"producer": farm_node(farm)}}


def test_producer_by_the_id_of_a_product_is_refused(graphql, farm):
    product = farm.products.first()

    result = graphql(PRODUCER, {"id": global_id("Product", product.pk)})

    assert result["data"] == {"producer": None}
    assert [e["extensions"] for e in result["errors"]] == [{"code": "INVALID_ID"}]
