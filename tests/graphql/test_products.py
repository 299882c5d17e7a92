"""The products connection and the product field."""

import datetime
from decimal import Decimal

import pytest

from catalog.models import BenefitLink
from catalog.selectors import product_reach
from tests import factories
from tests.graphql.conftest import cursor, global_id, village_in

pytestmark = pytest.mark.django_db

PRODUCT_FIELDS = """
fragment ProductFields on Product {
  id title slug url
  price { amount currency }
  availability { isAvailableToBuy numAvailable }
  producer { id name }
  originCounty { code name }
  originVillage { code name }
  certificate {
    issuer catalogueBatch documentNumber validFrom validUntil isValid
  }
  beneficiaryHouseholdCount
  beneficiaryVillages { code name }
}
"""

PRODUCTS = (
    """
query Products($first: Int, $last: Int, $after: String, $county: String,
               $producer: ID) {
  products(first: $first, last: $last, after: $after, county: $county,
           producer: $producer) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ...ProductFields } }
  }
}
"""
    + PRODUCT_FIELDS
)

PRODUCT = (
    "query Product($id: ID!) { product(id: $id) { ...ProductFields } }" + PRODUCT_FIELDS
)


@pytest.fixture
def tea():
    """Return a certified tea of 卡拉村 whose producer helps two households."""
    county = factories.CountyFactory()
    kala = village_in(county, code="522636101201", name="卡拉村")
    paimo = village_in(county, code="522636102202", name="排莫村")
    producer = factories.PartnerFactory(name="丹寨县卡拉村茶叶专业合作社")
    product = factories.ProductFactory(
        title="丹寨硒锌茶", producer=producer, origin_village=kala
    )
    factories.StockRecordFactory(
        product=product, price=Decimal("10.00"), num_in_stock=25
    )
    factories.CertificateFactory(product=product, document_number="黔扶认〔2020〕12号")
    for village in (paimo, kala):
        household = factories.HouseholdFactory(village=village)
        factories.BenefitLinkFactory(producer=producer, household=household)
    ended = factories.HouseholdFactory(village=kala)
    factories.BenefitLinkFactory(
        producer=producer, household=ended, valid_until=datetime.date(2021, 12, 31)
    )
    return product


def tea_node(tea) -> dict:
    return {
        "id": global_id("Product", tea.pk),
        "title": "丹寨硒锌茶",
        "slug": tea.slug,
        "url": f"http://testserver/catalogue/{tea.slug}_{tea.pk}/",
        "price": {"amount": "10.00", "currency": "CNY"},
        "availability": {"isAvailableToBuy": True, "numAvailable": 25},
        "producer": {
            "id": global_id("Producer", tea.producer.pk),
            "name": "丹寨县卡拉村茶叶专业合作社",
        },
        "originCounty": {"code": "522636", "name": "丹寨县"},
        "originVillage": {"code": "522636101201", "name": "卡拉村"},
        "certificate": {
            "issuer": "贵州省扶贫开发办公室",
            "catalogueBatch": "2020年第一批",
            "documentNumber": "黔扶认〔2020〕12号",
            "validFrom": "2020-01-01",
            "validUntil": "2030-12-31",
            "isValid": True,
        },
        "beneficiaryHouseholdCount": 2,
        "beneficiaryVillages": [
            {"code": "522636101201", "name": "卡拉村"},
            {"code": "522636102202", "name": "排莫村"},
        ],
    }


def titles(result: dict) -> list[str]:
    return [edge["node"]["title"] for edge in result["data"]["products"]["edges"]]


def test_products_show_every_field_of_a_product(graphql, tea):
    result = graphql(PRODUCTS, {"first": 10})

    assert result == {
        "data": {
            "products": {
                "totalCount": 1,
                "pageInfo": {"hasNextPage": False, "endCursor": cursor(0)},
                "edges": [{"node": tea_node(tea)}],
            }
        }
    }


def test_product_without_stock_or_certificate_has_no_price(graphql):
    product = factories.ProductFactory(title="大方天麻")

    result = graphql(PRODUCTS, {"first": 10})

    node = result["data"]["products"]["edges"][0]["node"]
    assert node["id"] == global_id("Product", product.pk)
    assert node["price"] is None
    assert node["availability"] == {"isAvailableToBuy": False, "numAvailable": None}
    assert node["certificate"] is None
    assert node["beneficiaryHouseholdCount"] == 0
    assert node["beneficiaryVillages"] == []


def test_products_leave_out_products_not_public(graphql):
    factories.ProductFactory(title="上架")
    factories.ProductFactory(title="未上架", is_public=False)

    result = graphql(PRODUCTS, {"first": 10})

    assert titles(result) == ["上架"]


def test_products_page_on_with_the_end_cursor(graphql):
    for title in ("一", "二", "三"):
        factories.ProductFactory(title=title)

    first_page = graphql(PRODUCTS, {"first": 2})
    cursor = first_page["data"]["products"]["pageInfo"]["endCursor"]
    second_page = graphql(PRODUCTS, {"first": 2, "after": cursor})

    assert titles(first_page) == ["一", "二"]
    assert first_page["data"]["products"]["pageInfo"]["hasNextPage"] is True
    assert titles(second_page) == ["三"]
    assert second_page["data"]["products"]["pageInfo"]["hasNextPage"] is False


def test_products_filter_by_county_code(graphql, tea, dafang):
    factories.ProductFactory(title="大方天麻", origin_county=dafang)

    result = graphql(PRODUCTS, {"first": 10, "county": "520521"})

    assert titles(result) == ["大方天麻"]
    assert result["data"]["products"]["totalCount"] == 1


def test_products_of_a_county_without_products_are_none(graphql, tea):
    result = graphql(PRODUCTS, {"first": 10, "county": "520521"})

    assert result["data"]["products"]["edges"] == []


def test_products_refuse_a_county_that_is_no_county_code(graphql, tea):
    result = graphql(PRODUCTS, {"first": 10, "county": "5226"})

    assert result["data"] == {"products": None}
    assert [(e["message"], e["extensions"]) for e in result["errors"]] == [
        (
            "`county` must be a six-digit GB/T 2260 code such as 522636, not “5226”.",
            {"code": "INVALID_CODE"},
        )
    ]


def test_products_filter_by_producer(graphql, tea):
    other = factories.ProductFactory(title="卡拉村鸟笼")

    result = graphql(
        PRODUCTS, {"first": 10, "producer": global_id("Producer", other.producer.pk)}
    )

    assert titles(result) == ["卡拉村鸟笼"]


def test_products_refuse_a_producer_id_of_another_type(graphql, tea):
    product_id = global_id("Product", tea.pk)

    result = graphql(PRODUCTS, {"first": 10, "producer": product_id})

    assert result["data"] == {"products": None}
    assert [(e["message"], e["extensions"]) for e in result["errors"]] == [
        (
            "`producer` must be the id of a Producer as returned in its `id` "
            f"field, not “{product_id}”.",
            {"code": "INVALID_ID"},
        )
    ]


def test_products_without_first_or_last_are_refused(graphql, tea):
    result = graphql(PRODUCTS, {})

    assert "data" not in result
    assert [(e["message"], e["extensions"]) for e in result["errors"]] == [
        (
            "Pass `first` or `last` (1 to 100) to page through `products`.",
            {"code": "PAGE_SIZE_REQUIRED"},
        )
    ]


@pytest.mark.parametrize("first", [101, 100000, 0, -1])
def test_products_refuse_first_outside_1_to_100(graphql, tea, first):
    result = graphql(PRODUCTS, {"first": first})

    assert "data" not in result
    assert [(e["message"], e["extensions"]) for e in result["errors"]] == [
        (
            f"`first` on `products` must be from 1 to 100, not {first}; ask for "
            "more pages with `after`.",
            {"code": "PAGE_SIZE_OUT_OF_RANGE"},
        )
    ]


def test_products_refuse_last_over_100(graphql, tea):
    result = graphql(PRODUCTS, {"last": 101})

    assert [e["message"] for e in result["errors"]] == [
        "`last` on `products` must be from 1 to 100, not 101; ask for more pages "
        "with `before`."
    ]


def test_products_serve_a_page_of_100_whole(graphql):
    factories.ProductFactory.create_batch(101)

    result = graphql(PRODUCTS, {"first": 100})

    assert len(result["data"]["products"]["edges"]) == 100
    assert result["data"]["products"]["pageInfo"]["hasNextPage"] is True


def test_product_by_id(graphql, tea):
    result = graphql(PRODUCT, {"id": global_id("Product", tea.pk)})

    assert result == {"data": {"product": tea_node(tea)}}


def test_product_not_public_is_null(graphql):
    hidden = factories.ProductFactory(is_public=False)

    result = graphql(PRODUCT, {"id": global_id("Product", hidden.pk)})

    assert result == {"data": {"product": None}}


def test_product_refuses_the_id_of_a_producer(graphql, tea):
    producer_id = global_id("Producer", tea.producer.pk)

    result = graphql(PRODUCT, {"id": producer_id})

    assert result["data"] == {"product": None}
    assert [e["extensions"] for e in result["errors"]] == [{"code": "INVALID_ID"}]


def test_beneficiaries_on_a_page_agree_with_product_reach(graphql, tea, dafang):
    direct_household = factories.HouseholdFactory(
        village=village_in(dafang, code="520521101201", name="新营村")
    )
    direct = factories.ProductFactory(
        benefit_rule="direct", beneficiary=direct_household
    )
    suspended = factories.ProductFactory()
    factories.BenefitLinkFactory(
        producer=suspended.producer, status=BenefitLink.Status.SUSPENDED
    )
    orphan = factories.ProductFactory(producer=None)
    products = [tea, direct, suspended, orphan]

    result = graphql(PRODUCTS, {"first": 10})

    nodes = [edge["node"] for edge in result["data"]["products"]["edges"]]
    assert [
        (node["beneficiaryHouseholdCount"], node["beneficiaryVillages"])
        for node in nodes
    ] == [
        (
            reach["household_count"],
            [{"code": v.code, "name": v.name} for v in reach["villages"]],
        )
        for reach in (product_reach(product=p) for p in products)
    ]
    assert [node["beneficiaryHouseholdCount"] for node in nodes] == [2, 1, 0, 0]
