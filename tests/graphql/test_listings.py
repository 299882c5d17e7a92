"""A cooperative's own listings: the listings query and its four mutations."""

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from graphql import get_named_type
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model

from catalog.catalogue.models import Product
from catalog.listings import StockLevel, stock_update
from catalog.partner.models import Partner
from fulfillment.stock import InsufficientStock, allocate
from shop.graphql.schema import schema
from shop.partners import services
from shop.partners.models import PartnerApp
from tests import factories
from tests.graphql.conftest import global_id, village_in
from tests.races import run_together

pytestmark = pytest.mark.django_db

StockRecord = get_model("partner", "StockRecord")

NOT_FOUND = "No product of yours has this id."
FORBIDDEN_SCOPE = "This needs a token of an app with the `listings` scope."

LISTING_FIELDS = """
fragment ListingFields on Listing {
  id title description isPublic productClass categories
  originCounty { code name }
  originVillage { code name }
  benefitRule
  certificate { documentNumber }
  partnerSku price { amount currency } numInStock numAllocated numAvailable
}
"""

LISTINGS = (
    """
query Listings($first: Int!, $sku: String) {
  listings(first: $first, partnerSku: $sku) {
    totalCount
    edges { node { ...ListingFields } }
  }
}
"""
    + LISTING_FIELDS
)

STOCK_UPDATE = (
    """
mutation Stock($input: [StockUpdateInput!]!) {
  stockUpdate(input: $input) {
    listings { ...ListingFields }
    errors { field code message }
  }
}
"""
    + LISTING_FIELDS
)

PRICE_UPDATE = (
    """
mutation Price($input: [PriceUpdateInput!]!) {
  priceUpdate(input: $input) {
    listings { ...ListingFields }
    errors { field code message }
  }
}
"""
    + LISTING_FIELDS
)

PRODUCT_CREATE = (
    """
mutation Create($input: ProductCreateInput!) {
  productCreate(input: $input) {
    listing { ...ListingFields }
    errors { field code message }
  }
}
"""
    + LISTING_FIELDS
)

PRODUCT_UPDATE = (
    """
mutation Update($id: ID!, $input: ProductUpdateInput!) {
  productUpdate(id: $id, input: $input) {
    listing { ...ListingFields }
    errors { field code message }
  }
}
"""
    + LISTING_FIELDS
)


@dataclass(frozen=True)
class Cooperative:
    producer: Partner
    token: str


def cooperative(name: str, *, scopes=("listings",)) -> Cooperative:
    """Return a producer and the token of its cooperative's app."""
    producer = factories.PartnerFactory(name=name)
    app = services.app_create(
        name=f"{name}进销存",
        organisation_kind=PartnerApp.OrganisationKind.COOPERATIVE,
        scopes=list(scopes),
        producer=producer,
    )
    _, token = services.app_token_create(app=app, name="生产环境")
    return Cooperative(producer, token)


def platform_token(scopes: list[str]) -> str:
    """Return the token of a platform's app, which acts for no producer."""
    app = services.app_create(
        name="消费帮扶采购平台",
        organisation_kind=PartnerApp.OrganisationKind.PLATFORM,
        scopes=scopes,
    )
    return services.app_token_create(app=app, name="生产环境")[1]


def post_graphql(client, query: str, variables=None, *, token=None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        headers=headers,
    )
    payload = response.json()
    payload.pop("extensions", None)
    return payload


@pytest.fixture
def api(client):
    """Return a function posting a query, with a token when one is given."""

    def post(query: str, variables=None, *, token=None) -> dict:
        return post_graphql(client, query, variables, token=token)

    return post


@pytest.fixture
def kala():
    """Return 卡拉村's tea cooperative, which holds the listings scope."""
    return cooperative("丹寨县卡拉村茶叶专业合作社")


@pytest.fixture
def paimo():
    """Return 排莫村's blueberry cooperative, a second one."""
    return cooperative("丹寨县排莫村蓝莓专业合作社")


@pytest.fixture
def kala_village():
    return village_in(factories.CountyFactory(), code="522636101201", name="卡拉村")


@pytest.fixture
def tea(kala, kala_village):
    """Return the stockrecord of kala's tea: 60 in stock, 5 of them sold."""
    product = factories.ProductFactory(
        title="卡拉村明前绿茶 250g", producer=kala.producer, origin_village=kala_village
    )
    return factories.StockRecordFactory(
        product=product,
        partner_sku="KL-TEA-250",
        price=Decimal("128.00"),
        num_in_stock=60,
        num_allocated=5,
    )


@pytest.fixture
def oolong(kala):
    """Return the stockrecord of kala's second tea, none of it sold."""
    product = factories.ProductFactory(title="卡拉村乌龙茶", producer=kala.producer)
    return factories.StockRecordFactory(
        product=product, partner_sku="KL-OOLONG", price=Decimal("66.00"), num_in_stock=8
    )


@pytest.fixture
def blueberry(paimo):
    """Return the stockrecord of paimo's blueberries, not public yet."""
    product = factories.ProductFactory(
        title="排莫蓝莓鲜果", producer=paimo.producer, is_public=False
    )
    return factories.StockRecordFactory(
        product=product,
        partner_sku="PM-BERRY",
        price=Decimal("39.90"),
        num_in_stock=40,
        num_allocated=2,
    )


def row(record) -> tuple:
    """Return what the mutations may change of a stockrecord, from the DB."""
    record = StockRecord.objects.get(pk=record.pk)
    return (record.num_in_stock, record.num_allocated, record.price)


def tea_listing(tea, **changes) -> dict:
    listing = {
        "id": global_id("Product", tea.product.pk),
        "title": "卡拉村明前绿茶 250g",
        "description": "",
        "isPublic": True,
        "productClass": "nong-chan-pin",
        "categories": [],
        "originCounty": {"code": "522636", "name": "丹寨县"},
        "originVillage": {"code": "522636101201", "name": "卡拉村"},
        "benefitRule": "LINKS",
        "certificate": None,
        "partnerSku": "KL-TEA-250",
        "price": {"amount": "128.00", "currency": "CNY"},
        "numInStock": 60,
        "numAllocated": 5,
        "numAvailable": 55,
    }
    return listing | changes


def forbidden(message: str, field: str) -> dict:
    return {
        "message": message,
        "locations": [{"line": 3, "column": 3}],
        "path": [field],
        "extensions": {"code": "FORBIDDEN"},
    }


# The listings query.


def test_listings_are_the_cooperatives_own_products_public_or_not(
    api, kala, paimo, tea, blueberry
):
    hidden = factories.ProductFactory(
        title="卡拉村白茶试制品", producer=kala.producer, is_public=False
    )
    factories.CertificateFactory(
        product=tea.product, document_number="黔扶认〔2020〕7号"
    )

    result = api(LISTINGS, {"first": 10}, token=kala.token)

    assert result == {
        "data": {
            "listings": {
                "totalCount": 2,
                "edges": [
                    {
                        "node": tea_listing(
                            tea, certificate={"documentNumber": "黔扶认〔2020〕7号"}
                        )
                    },
                    {
                        "node": {
                            "id": global_id("Product", hidden.pk),
                            "title": "卡拉村白茶试制品",
                            "description": "",
                            "isPublic": False,
                            "productClass": "nong-chan-pin",
                            "categories": [],
                            "originCounty": {"code": "522636", "name": "丹寨县"},
                            "originVillage": None,
                            "benefitRule": "LINKS",
                            "certificate": None,
                            "partnerSku": None,
                            "price": None,
                            "numInStock": None,
                            "numAllocated": None,
                            "numAvailable": None,
                        }
                    },
                ],
            }
        }
    }


def test_listings_filter_by_partner_sku(api, kala, tea, oolong):
    result = api(LISTINGS, {"first": 10, "sku": "KL-OOLONG"}, token=kala.token)

    edges = result["data"]["listings"]["edges"]
    assert [edge["node"]["title"] for edge in edges] == ["卡拉村乌龙茶"]


def test_listings_of_the_other_cooperative_are_its_own(api, paimo, tea, blueberry):
    result = api(LISTINGS, {"first": 10}, token=paimo.token)

    edges = result["data"]["listings"]["edges"]
    assert [edge["node"]["partnerSku"] for edge in edges] == ["PM-BERRY"]


@pytest.mark.parametrize(
    "caller, message",
    [
        ("anonymous", FORBIDDEN_SCOPE),
        ("without scope", FORBIDDEN_SCOPE),
        (
            "platform",
            "This needs the token of a cooperative's app, which acts for its producer.",
        ),
    ],
)
def test_listings_are_refused_to_callers_acting_for_no_producer(
    api, tea, caller, message
):
    token = {
        "anonymous": None,
        "without scope": cooperative("丹寨县测试合作社", scopes=["fulfilment"]).token,
        "platform": platform_token(["listings"]),
    }[caller]

    result = api(LISTINGS, {"first": 10}, token=token)

    assert result == {
        "data": {"listings": None},
        "errors": [forbidden(message, "listings")],
    }


def count_queries(api, token: str, first: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = api(LISTINGS, {"first": first}, token=token)
    assert "errors" not in result
    assert len(result["data"]["listings"]["edges"]) == first
    return len(queries)


def test_listings_cost_the_same_queries_for_10_and_100(api, kala):
    tea_category = create_from_breadcrumbs("茶叶")
    for _ in range(100):
        record = factories.StockRecordFactory(
            product=factories.ProductFactory(producer=kala.producer)
        )
        record.product.categories.add(tea_category)
        factories.CertificateFactory(product=record.product)

    # A first request records the token's use, which the next ones skip.
    api(LISTINGS, {"first": 1}, token=kala.token)

    ten = count_queries(api, kala.token, 10)
    hundred = count_queries(api, kala.token, 100)

    # Savepoint and release of the request, the token, the producer, the
    # count, the page, then stockrecords, certificates and categories.
    assert (ten, hundred) == (9, 9)


# stockUpdate.


def test_stock_update_sets_each_level_and_returns_the_listings(api, kala, tea, oolong):
    variables = {
        "input": [
            {"product": global_id("Product", oolong.product.pk), "numInStock": 0},
            {"product": global_id("Product", tea.product.pk), "numInStock": 5},
        ]
    }

    result = api(STOCK_UPDATE, variables, token=kala.token)

    assert result["data"]["stockUpdate"]["errors"] == []
    listings = result["data"]["stockUpdate"]["listings"]
    assert [
        (listing["title"], listing["numInStock"], listing["numAvailable"])
        for listing in listings
    ] == [("卡拉村乌龙茶", 0, 0), ("卡拉村明前绿茶 250g", 5, 0)]
    assert row(oolong) == (0, None, Decimal("66.00"))
    assert row(tea) == (5, 5, Decimal("128.00"))


def test_stock_below_what_is_allocated_is_refused_and_nothing_changes(
    api, kala, tea, oolong
):
    variables = {
        "input": [
            {"product": global_id("Product", oolong.product.pk), "numInStock": 20},
            {"product": global_id("Product", tea.product.pk), "numInStock": 4},
        ]
    }

    result = api(STOCK_UPDATE, variables, token=kala.token)

    assert result["data"]["stockUpdate"] == {
        "listings": [],
        "errors": [
            {
                "field": "input.1.numInStock",
                "code": "BELOW_ALLOCATED",
                "message": "5 units are allocated to orders not yet shipped; "
                "the stock cannot go below that, so 4 is refused.",
            }
        ],
    }
    assert row(oolong) == (8, None, Decimal("66.00"))
    assert row(tea) == (60, 5, Decimal("128.00"))


def test_every_refused_item_is_reported_in_input_order(api, kala, tea, oolong):
    unknown = global_id("Product", oolong.product.pk + 1000)
    producer_id = global_id("Producer", kala.producer.pk)
    variables = {
        "input": [
            {"product": "not-an-id", "numInStock": 1},
            {"product": global_id("Product", tea.product.pk), "numInStock": -1},
            {"product": unknown, "numInStock": 3},
            {"product": global_id("Product", oolong.product.pk), "numInStock": 9},
            {"product": producer_id, "numInStock": 1},
            {"product": global_id("Product", tea.product.pk), "numInStock": 70},
        ]
    }

    result = api(STOCK_UPDATE, variables, token=kala.token)

    assert result["data"]["stockUpdate"]["errors"] == [
        {
            "field": "input.0.product",
            "code": "INVALID_ID",
            "message": "`input.0.product` must be the id of a Product as "
            "returned in its `id` field, not “not-an-id”.",
        },
        {
            "field": "input.1.numInStock",
            "code": "INVALID",
            "message": "The stock level is 0 or more, not -1.",
        },
        {"field": "input.2.product", "code": "NOT_FOUND", "message": NOT_FOUND},
        {
            "field": "input.4.product",
            "code": "INVALID_ID",
            "message": "`input.4.product` must be the id of a Product as "
            f"returned in its `id` field, not “{producer_id}”.",
        },
        {
            "field": "input.5.product",
            "code": "DUPLICATE",
            "message": "This product is listed earlier; send each product once.",
        },
    ]
    assert row(tea) == (60, 5, Decimal("128.00"))
    assert row(oolong) == (8, None, Decimal("66.00"))


def test_another_cooperatives_product_is_not_found_like_a_missing_one(
    api, kala, tea, blueberry
):
    missing = global_id("Product", blueberry.product.pk + 1000)
    variables = {
        "input": [
            {"product": global_id("Product", blueberry.product.pk), "numInStock": 99},
            {"product": missing, "numInStock": 99},
        ]
    }

    result = api(STOCK_UPDATE, variables, token=kala.token)

    assert result["data"]["stockUpdate"] == {
        "listings": [],
        "errors": [
            {"field": "input.0.product", "code": "NOT_FOUND", "message": NOT_FOUND},
            {"field": "input.1.product", "code": "NOT_FOUND", "message": NOT_FOUND},
        ],
    }
    assert row(blueberry) == (40, 2, Decimal("39.90"))


def test_more_than_500_items_are_refused_whole(api, kala, tea):
    item = {"product": global_id("Product", tea.product.pk), "numInStock": 10}

    result = api(STOCK_UPDATE, {"input": [item] * 501}, token=kala.token)

    assert result["data"]["stockUpdate"] == {
        "listings": [],
        "errors": [
            {
                "field": "input",
                "code": "TOO_MANY_ITEMS",
                "message": "At most 500 items can be changed at once, not 501; "
                "send them in several requests.",
            }
        ],
    }
    assert row(tea) == (60, 5, Decimal("128.00"))


def test_a_product_without_stockrecord_has_no_stock_to_set(api, kala):
    product = factories.ProductFactory(producer=kala.producer)
    variables = {
        "input": [{"product": global_id("Product", product.pk), "numInStock": 3}]
    }

    result = api(STOCK_UPDATE, variables, token=kala.token)

    assert result["data"]["stockUpdate"]["errors"] == [
        {
            "field": "input.0.product",
            "code": "NO_STOCKRECORD",
            "message": "This product has no stockrecord of yours, so it has no "
            "stock or price to change; ask the mall's staff to add one.",
        }
    ]
    assert StockRecord.objects.filter(product=product).exists() is False


def test_stock_update_over_get_is_refused(client, kala, tea):
    query = (
        "mutation { stockUpdate(input: [{product: "
        f'"{global_id("Product", tea.product.pk)}", numInStock: 1}}]) '
        "{ errors { code } } }"
    )

    response = client.get(
        "/graphql/",
        {"query": query},
        headers={"Authorization": f"Bearer {kala.token}"},
    )

    assert response.status_code == 405
    assert row(tea) == (60, 5, Decimal("128.00"))


# priceUpdate.


def test_price_update_sets_each_price(api, kala, tea, oolong):
    variables = {
        "input": [
            {"product": global_id("Product", tea.product.pk), "price": "118.5"},
            {"product": global_id("Product", oolong.product.pk), "price": "0.01"},
        ]
    }

    result = api(PRICE_UPDATE, variables, token=kala.token)

    assert result["data"]["priceUpdate"]["errors"] == []
    assert [
        listing["price"] for listing in result["data"]["priceUpdate"]["listings"]
    ] == [
        {"amount": "118.50", "currency": "CNY"},
        {"amount": "0.01", "currency": "CNY"},
    ]
    assert row(tea) == (60, 5, Decimal("118.50"))
    assert row(oolong) == (8, None, Decimal("0.01"))


def test_a_price_of_zero_is_refused(api, kala, tea, oolong):
    variables = {
        "input": [
            {"product": global_id("Product", oolong.product.pk), "price": "70.00"},
            {"product": global_id("Product", tea.product.pk), "price": "0.00"},
        ]
    }

    result = api(PRICE_UPDATE, variables, token=kala.token)

    assert result["data"]["priceUpdate"] == {
        "listings": [],
        "errors": [
            {
                "field": "input.1.price",
                "code": "INVALID",
                "message": "In yuan, a price is more than 0, not 0.00.",
            }
        ],
    }
    assert row(tea) == (60, 5, Decimal("128.00"))
    assert row(oolong) == (8, None, Decimal("66.00"))


def test_a_price_given_as_a_float_literal_is_refused(api, kala, tea):
    query = (
        "mutation { priceUpdate(input: [{product: "
        f'"{global_id("Product", tea.product.pk)}", price: 99.9}}]) '
        "{ errors { code } } }"
    )

    result = api(query, token=kala.token)

    assert "data" not in result
    assert [error["message"] for error in result["errors"]] == [
        'An amount is a string of yuan with at most two decimals, such as "12.50"; '
        "got the number 99.9, and a float cannot always hold an amount exactly."
    ]
    assert result["errors"][0]["extensions"] == {"code": "INVALID_AMOUNT"}
    assert row(tea) == (60, 5, Decimal("128.00"))


def test_a_price_given_as_a_float_variable_is_refused(api, kala, tea):
    variables = {
        "input": [{"product": global_id("Product", tea.product.pk), "price": 99.9}]
    }

    result = api(PRICE_UPDATE, variables, token=kala.token)

    assert "data" not in result
    assert [error["message"] for error in result["errors"]] == [
        "Variable '$input' got invalid value 99.9 at 'input[0].price'; An "
        'amount is a string of yuan with at most two decimals, such as "12.50"; '
        "got the number 99.9, and a float cannot always hold an amount exactly."
    ]
    assert row(tea) == (60, 5, Decimal("128.00"))


def test_another_cooperatives_price_cannot_be_changed(api, kala, blueberry):
    variables = {
        "input": [
            {"product": global_id("Product", blueberry.product.pk), "price": "1.00"}
        ]
    }

    result = api(PRICE_UPDATE, variables, token=kala.token)

    assert result["data"]["priceUpdate"] == {
        "listings": [],
        "errors": [
            {"field": "input.0.product", "code": "NOT_FOUND", "message": NOT_FOUND}
        ],
    }
    assert row(blueberry) == (40, 2, Decimal("39.90"))


# productCreate.


@pytest.fixture
def catalogue_choices():
    """Return the product class and two categories a product can be given."""
    product_class = factories.ProductClassFactory(name="农产品")
    return (
        product_class,
        create_from_breadcrumbs("茶叶"),
        create_from_breadcrumbs("特产"),
    )


def create_input(**changes) -> dict:
    values = {
        "title": "卡拉村古树红茶 100g",
        "description": "古茶树鲜叶制成。",
        "productClass": "nong-chan-pin",
        "categories": ["cha-ye", "te-chan"],
        "originCounty": "522636",
        "originVillage": "522636101201",
        "partnerSku": "KL-RED-100",
        "price": "88.00",
        "numInStock": 30,
    }
    return values | changes


def test_product_create_lists_a_product_with_its_stockrecord(
    api, kala, kala_village, catalogue_choices
):
    result = api(PRODUCT_CREATE, {"input": create_input()}, token=kala.token)

    product = Product.objects.get(title="卡拉村古树红茶 100g")
    assert result["data"]["productCreate"] == {
        "listing": {
            "id": global_id("Product", product.pk),
            "title": "卡拉村古树红茶 100g",
            "description": "古茶树鲜叶制成。",
            "isPublic": True,
            "productClass": "nong-chan-pin",
            "categories": ["cha-ye", "te-chan"],
            "originCounty": {"code": "522636", "name": "丹寨县"},
            "originVillage": {"code": "522636101201", "name": "卡拉村"},
            "benefitRule": "LINKS",
            "certificate": None,
            "partnerSku": "KL-RED-100",
            "price": {"amount": "88.00", "currency": "CNY"},
            "numInStock": 30,
            "numAllocated": 0,
            "numAvailable": 30,
        },
        "errors": [],
    }
    assert (product.producer, product.structure, product.slug) == (
        kala.producer,
        "standalone",
        "ka-la-cun-gu-shu-hong-cha-100g",
    )
    record = StockRecord.objects.get(product=product)
    assert (record.partner, record.price_currency) == (kala.producer, "CNY")


def test_product_create_again_with_the_same_sku_returns_the_first_product(
    api, kala, kala_village, catalogue_choices
):
    first = api(PRODUCT_CREATE, {"input": create_input()}, token=kala.token)

    again = api(PRODUCT_CREATE, {"input": create_input()}, token=kala.token)

    assert again == first
    assert Product.objects.filter(producer=kala.producer).count() == 1


def test_product_create_with_a_sku_in_use_is_refused(
    api, kala, kala_village, catalogue_choices
):
    api(PRODUCT_CREATE, {"input": create_input()}, token=kala.token)

    result = api(
        PRODUCT_CREATE, {"input": create_input(title="卡拉村红茶")}, token=kala.token
    )

    assert result["data"]["productCreate"] == {
        "listing": None,
        "errors": [
            {
                "field": "input.partnerSku",
                "code": "SKU_TAKEN",
                "message": "Another of your products has the SKU “KL-RED-100”; "
                "change that product with productUpdate, or choose another SKU.",
            }
        ],
    }
    assert Product.objects.filter(producer=kala.producer).count() == 1


def test_another_cooperatives_sku_is_free(
    api, kala, paimo, kala_village, catalogue_choices
):
    api(PRODUCT_CREATE, {"input": create_input()}, token=paimo.token)

    result = api(PRODUCT_CREATE, {"input": create_input()}, token=kala.token)

    assert result["data"]["productCreate"]["errors"] == []
    assert StockRecord.objects.filter(partner_sku="KL-RED-100").count() == 2


def test_product_create_reports_every_problem_and_creates_nothing(
    api, kala, kala_village, dafang, catalogue_choices
):
    village_in(dafang, code="520521101201", name="大方村")
    bad = create_input(
        title="  ",
        productClass="gong-yi-pin",
        categories=["cha-ye", "shui-guo"],
        originCounty="520521",
        originVillage="522636101201",
        benefitRule="DIRECT",
        price="0.00",
        numInStock=-2,
        partnerSku="",
    )

    result = api(PRODUCT_CREATE, {"input": bad}, token=kala.token)

    assert result["data"]["productCreate"] == {
        "listing": None,
        "errors": [
            {
                "field": "input.title",
                "code": "INVALID",
                "message": "A title cannot be empty.",
            },
            {
                "field": "input.productClass",
                "code": "NOT_FOUND",
                "message": "No product class has the slug “gong-yi-pin”.",
            },
            {
                "field": "input.benefitRule",
                "code": "INVALID",
                "message": "The direct rule names one registry household, which "
                "the partner API never handles; the mall's staff set it.",
            },
            {
                "field": "input.originVillage",
                "code": "INVALID",
                "message": "The village 522636101201 is not in the county 520521.",
            },
            {
                "field": "input.categories.1",
                "code": "NOT_FOUND",
                "message": "No category has the slug “shui-guo”.",
            },
            {
                "field": "input.partnerSku",
                "code": "INVALID",
                "message": "A SKU cannot be empty.",
            },
            {
                "field": "input.price",
                "code": "INVALID",
                "message": "In yuan, a price is more than 0, not 0.00.",
            },
            {
                "field": "input.numInStock",
                "code": "INVALID",
                "message": "The stock level is 0 or more, not -2.",
            },
        ],
    }
    assert Product.objects.count() == 0
    assert StockRecord.objects.count() == 0


def test_product_create_refuses_unknown_divisions(api, kala, catalogue_choices):
    result = api(
        PRODUCT_CREATE,
        {"input": create_input(originCounty="522699", originVillage="52263610120")},
        token=kala.token,
    )

    assert result["data"]["productCreate"]["errors"] == [
        {
            "field": "input.originCounty",
            "code": "NOT_FOUND",
            "message": "There is no county 522699.",
        },
        {
            "field": "input.originVillage",
            "code": "INVALID",
            "message": "A village code is twelve digits, such as 522636101201, "
            "not “52263610120”.",
        },
    ]
    assert Product.objects.count() == 0


def test_product_create_refuses_a_float_price(api, kala, catalogue_choices):
    result = api(PRODUCT_CREATE, {"input": create_input(price=88.0)}, token=kala.token)

    assert "data" not in result
    assert len(result["errors"]) == 1
    assert Product.objects.count() == 0


# productUpdate.


def test_product_update_changes_what_is_given(
    api, kala, tea, dafang, catalogue_choices
):
    variables = {
        "id": global_id("Product", tea.product.pk),
        "input": {
            "title": "卡拉村明前绿茶 500g",
            "description": "新茶上市。",
            "isPublic": False,
            "originCounty": "520521",
            "categories": ["te-chan"],
        },
    }

    result = api(PRODUCT_UPDATE, variables, token=kala.token)

    assert result["data"]["productUpdate"] == {
        "listing": tea_listing(
            tea,
            title="卡拉村明前绿茶 500g",
            description="新茶上市。",
            isPublic=False,
            categories=["te-chan"],
            originCounty={"code": "520521", "name": "大方县"},
            originVillage=None,
        ),
        "errors": [],
    }
    product = Product.objects.get(pk=tea.product.pk)
    assert (product.title, product.is_public, product.origin_village) == (
        "卡拉村明前绿茶 500g",
        False,
        None,
    )


def test_product_update_of_another_cooperatives_product_is_not_found(
    api, kala, blueberry
):
    for pk in (blueberry.product.pk, blueberry.product.pk + 1000):
        variables = {"id": global_id("Product", pk), "input": {"title": "改名"}}

        result = api(PRODUCT_UPDATE, variables, token=kala.token)

        assert result["data"]["productUpdate"] == {
            "listing": None,
            "errors": [{"field": "id", "code": "NOT_FOUND", "message": NOT_FOUND}],
        }
    assert Product.objects.get(pk=blueberry.product.pk).title == "排莫蓝莓鲜果"


def test_product_update_with_a_malformed_id_is_refused(api, kala, tea):
    variables = {"id": "UHJvZHVjdDp4", "input": {"title": "改名"}}

    result = api(PRODUCT_UPDATE, variables, token=kala.token)

    assert result["data"]["productUpdate"] == {
        "listing": None,
        "errors": [
            {
                "field": "id",
                "code": "INVALID_ID",
                "message": "`id` must be the id of a Product as returned in its "
                "`id` field, not “UHJvZHVjdDp4”.",
            }
        ],
    }
    assert Product.objects.get(pk=tea.product.pk).title == "卡拉村明前绿茶 250g"


def test_a_village_alone_must_lie_in_the_products_county(api, kala, tea, dafang):
    village_in(dafang, code="520521101201", name="大方村")
    variables = {
        "id": global_id("Product", tea.product.pk),
        "input": {"title": "新名", "originVillage": "520521101201"},
    }

    result = api(PRODUCT_UPDATE, variables, token=kala.token)

    assert result["data"]["productUpdate"]["errors"] == [
        {
            "field": "input.originVillage",
            "code": "INVALID",
            "message": "The village 520521101201 is not in the county 522636.",
        }
    ]
    product = Product.objects.get(pk=tea.product.pk)
    assert (product.title, product.origin_village.code) == (
        "卡拉村明前绿茶 250g",
        "522636101201",
    )


# Who may call the mutations.


def own_product_variables(tea) -> dict:
    pk = global_id("Product", tea.product.pk)
    return {
        "stockUpdate": {"input": [{"product": pk, "numInStock": 7}]},
        "priceUpdate": {"input": [{"product": pk, "price": "1.00"}]},
        "productCreate": {"input": create_input()},
        "productUpdate": {"id": pk, "input": {"title": "改名"}},
    }


@pytest.mark.parametrize(
    "mutation, query",
    [
        ("stockUpdate", STOCK_UPDATE),
        ("priceUpdate", PRICE_UPDATE),
        ("productCreate", PRODUCT_CREATE),
        ("productUpdate", PRODUCT_UPDATE),
    ],
)
@pytest.mark.parametrize("caller", ["anonymous", "without scope", "platform"])
def test_mutations_are_refused_to_callers_acting_for_no_producer(
    api, tea, kala_village, catalogue_choices, mutation, query, caller
):
    token = {
        "anonymous": None,
        "without scope": cooperative("丹寨县测试合作社", scopes=["fulfilment"]).token,
        "platform": platform_token(["listings"]),
    }[caller]
    products_before = Product.objects.count()

    result = api(query, own_product_variables(tea)[mutation], token=token)

    assert result["data"] == {mutation: None}
    assert [error["extensions"] for error in result["errors"]] == [
        {"code": "FORBIDDEN"}
    ]
    assert row(tea) == (60, 5, Decimal("128.00"))
    assert Product.objects.get(pk=tea.product.pk).title == "卡拉村明前绿茶 250g"
    assert Product.objects.count() == products_before


# Isolation: what reaches a Listing, and what another cooperative sees.


def fields_returning(type_name: str) -> set[str]:
    """Return `Type.field` of each field whose type is named type_name."""
    found = set()
    for name, type_ in schema.graphql_schema.type_map.items():
        if name.startswith("__"):
            continue
        for field_name, field in getattr(type_, "fields", {}).items():
            if getattr(get_named_type(field.type), "name", None) == type_name:
                found.add(f"{name}.{field_name}")
    return found


def test_a_listing_is_reached_only_through_the_scoped_fields():
    assert fields_returning("Listing") == {
        "ListingEdge.node",
        "StockUpdate.listings",
        "PriceUpdate.listings",
        "ProductCreate.listing",
        "ProductUpdate.listing",
    }
    assert fields_returning("ListingConnection") == {"Query.listings"}


def test_another_cooperatives_hidden_product_is_not_in_public_fields(
    api, kala, blueberry
):
    query = """
    query ($id: ID!) {
      product(id: $id) { title }
      products(first: 10) { edges { node { title } } }
      viewer { producer { products(first: 10) { edges { node { title } } } } }
    }
    """

    result = api(
        query, {"id": global_id("Product", blueberry.product.pk)}, token=kala.token
    )

    assert result == {
        "data": {
            "product": None,
            "products": {"edges": []},
            "viewer": {"producer": {"products": {"edges": []}}},
        }
    }


# A stock level set while an order allocates, on PostgreSQL.

TRIALS = 30


@pytest.mark.django_db(transaction=True)
def test_a_stock_level_never_falls_below_a_concurrent_allocation(postgres_only):
    producer = factories.PartnerFactory()
    product = factories.ProductFactory(producer=producer)
    record = factories.StockRecordFactory(product=product, num_in_stock=5)

    def set_level():
        return stock_update(
            producer=producer,
            levels=[StockLevel(product_id=product.pk, num_in_stock=4)],
        )

    def buy_two():
        with transaction.atomic():
            allocate(stockrecord=record, quantity=2, title=product.title)
        return "allocated"

    for trial in range(TRIALS):
        StockRecord.objects.filter(pk=record.pk).update(num_in_stock=5, num_allocated=3)

        level, bought = run_together(set_level, buy_two)

        final = row(record)[:2]
        if bought == "allocated":
            # The allocation won: 5 allocated, so a level of 4 is refused.
            assert type(level).__name__ == "ListingRejected", (trial, level)
            assert [p.code for p in level.problems] == ["BELOW_ALLOCATED"]
            assert final == (5, 5), trial
        else:
            assert isinstance(bought, InsufficientStock), (trial, bought)
            assert isinstance(level, list), (trial, level)
            assert final == (4, 3), trial
