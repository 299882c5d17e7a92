"""orderCreate, orders, orderCancel, fulfilmentLines, shipmentCreate, impact.

Two cooperatives (tea and honey) sell through the mall; a canteen's platform
app orders from both. Expected figures are worked out by hand from the
prices and weights set up here.
"""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from catalog.models import Household
from fulfillment import lines as line_statuses
from fulfillment.models import AttributionEntry, PlacementIntent, Shipment
from shop.partners import services
from shop.partners.models import PartnerApp
from tests import factories
from tests.graphql.conftest import global_id
from tests.shop.test_checkout import china  # noqa: F401

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")

ORDER_CREATE = """
mutation Place($input: OrderCreateInput!) {
  orderCreate(input: $input) {
    order {
      number status paymentMethod paymentStatus paymentReference
      subtotal { amount } shipping { amount } total { amount currency }
      lines { title quantity quantityLeftToShip status unitPrice { amount }
              total { amount } producer { name } impact { attributed { amount } } }
      impact { attributed { amount } counted { amount } householdCount }
    }
    errors { field code message }
  }
}
"""
ADDRESS = {
    "name": "李娜",
    "phoneNumber": "13800138000",
    "province": "北京市",
    "city": "海淀区",
    "street": "中关村大街 27 号",
    "postcode": "100080",
}


def post(client, query, variables=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    body = json.dumps({"query": query, "variables": variables or {}})
    response = client.post(
        "/graphql/", data=body, content_type="application/json", **headers
    )
    payload = response.json()
    payload.pop("extensions", None)
    return payload


def app_with(name, scopes, *, producer=None):
    kind = PartnerApp.OrganisationKind
    app = services.app_create(
        name=name,
        organisation_kind=kind.COOPERATIVE if producer else kind.PLATFORM,
        scopes=scopes,
        producer=producer,
    )
    return app, services.app_token_create(app=app, name="生产")[1]


@pytest.fixture
def shop(china):  # noqa: F811
    """Tea at ¥30.00 over three equal links; honey at ¥25.00 over one link."""
    tea = factories.StockRecordFactory(price=Decimal("30.00"), num_in_stock=10)
    honey = factories.StockRecordFactory(price=Decimal("25.00"), num_in_stock=10)
    tea_households = [
        factories.BenefitLinkFactory(producer=tea.partner).household for _ in range(3)
    ]
    honey_household = factories.BenefitLinkFactory(producer=honey.partner).household
    factories.CertificateFactory(product=tea.product)
    factories.CertificateFactory(product=honey.product)
    return {
        "tea": tea,
        "honey": honey,
        "tea_households": tea_households,
        "honey_household": honey_household,
        "canteen": app_with("职工食堂采购", ["orders", "impact", "impact:households"]),
        "rival": app_with("另一家平台", ["orders", "impact", "impact:households"]),
        "tea_coop": app_with("茶叶社系统", ["fulfilment"], producer=tea.partner),
        "honey_coop": app_with("蜂蜜社系统", ["fulfilment"], producer=honey.partner),
    }


def order_input(shop, key="PO-2026-001", tea=2, honey=3, **extra):
    lines = []
    if tea is not None:
        lines.append(
            {"product": global_id("Product", shop["tea"].product.pk), "quantity": tea}
        )
    if honey is not None:
        lines.append(
            {
                "product": global_id("Product", shop["honey"].product.pk),
                "quantity": honey,
            }
        )
    return {"idempotencyKey": key, "lines": lines, "shippingAddress": ADDRESS, **extra}


def place(client, shop, **kwargs):
    token = shop["canteen"][1]
    return post(client, ORDER_CREATE, {"input": order_input(shop, **kwargs)}, token)


def test_order_create_places_the_order_and_attributes_it(client, shop):
    result = place(client, shop)

    assert "errors" not in result
    payload = result["data"]["orderCreate"]
    assert payload["errors"] == []
    order = payload["order"]
    # 2 × 30.00 + 3 × 25.00 = 135.00, over the ¥99.00 of free shipping.
    assert order["subtotal"] == {"amount": "135.00"}
    assert order["shipping"] == {"amount": "0.00"}
    assert order["total"] == {"amount": "135.00", "currency": "CNY"}
    assert (order["status"], order["paymentMethod"], order["paymentStatus"]) == (
        "PENDING",
        "BANK_TRANSFER",
        "AWAITING",
    )
    assert order["paymentReference"] == order["number"]
    assert order["lines"] == [
        {
            "title": shop["tea"].product.title,
            "quantity": 2,
            "quantityLeftToShip": 2,
            "status": "PENDING",
            "unitPrice": {"amount": "30.00"},
            "total": {"amount": "60.00"},
            "producer": {"name": shop["tea"].partner.name},
            "impact": {"attributed": {"amount": "60.00"}},
        },
        {
            "title": shop["honey"].product.title,
            "quantity": 3,
            "quantityLeftToShip": 3,
            "status": "PENDING",
            "unitPrice": {"amount": "25.00"},
            "total": {"amount": "75.00"},
            "producer": {"name": shop["honey"].partner.name},
            "impact": {"attributed": {"amount": "75.00"}},
        },
    ]
    assert order["impact"] == {
        "attributed": {"amount": "135.00"},
        "counted": {"amount": "135.00"},
        "householdCount": 4,
    }
    placed = Order.objects.get()
    assert placed.placement_intent.app == shop["canteen"][0]
    # ¥60.00 over three equal links: 20.00 each.
    assert (
        sorted(
            AttributionEntry.objects.filter(
                line__product=shop["tea"].product
            ).values_list("amount", flat=True)
        )
        == [Decimal("20.00")] * 3
    )


def test_the_same_key_returns_the_first_order_and_allocates_once(client, shop):
    first = place(client, shop)["data"]["orderCreate"]["order"]["number"]

    again = place(client, shop)["data"]["orderCreate"]

    assert again["order"]["number"] == first
    assert Order.objects.count() == 1
    shop["tea"].refresh_from_db()
    assert shop["tea"].num_allocated == 2


def test_the_same_key_with_other_lines_is_refused(client, shop):
    place(client, shop)

    again = place(client, shop, tea=1)["data"]["orderCreate"]

    assert again == {
        "order": None,
        "errors": [
            {
                "field": "input",
                "code": "IDEMPOTENCY_CONFLICT",
                "message": "The idempotency key PO-2026-001 was already used for "
                "a different order.",
            }
        ],
    }
    assert Order.objects.count() == 1


def test_bad_lines_are_each_reported_and_nothing_is_ordered(client, shop):
    variables = order_input(shop, tea=0, honey=11)
    variables["lines"].append({"product": global_id("Product", 987654), "quantity": 1})

    payload = post(client, ORDER_CREATE, {"input": variables}, shop["canteen"][1])

    honey = shop["honey"].product.title
    assert payload["data"]["orderCreate"] == {
        "order": None,
        "errors": [
            {
                "field": "input.lines.0.quantity",
                "code": "INVALID_QUANTITY",
                "message": "Line 1: the quantity must be at least 1.",
            },
            {
                "field": "input.lines.1.product",
                "code": "INSUFFICIENT_STOCK",
                "message": f"Line 2: only 10 of “{honey}” left, not 11.",
            },
            {
                "field": "input.lines.2.product",
                "code": "UNKNOWN_PRODUCT",
                "message": "Line 3: no product 987654 is for sale.",
            },
        ],
    }
    assert (Order.objects.count(), PlacementIntent.objects.count()) == (0, 0)
    assert list(StockRecord.objects.values_list("num_allocated", flat=True)) == [
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("method", "status"),
    [("BANK_TRANSFER", "AWAITING"), ("CASH_ON_DELIVERY", "ON_DELIVERY")],
)
def test_a_payment_method_named_in_the_input_is_used(client, shop, method, status):
    result = place(client, shop, paymentMethod=method)

    payload = result["data"]["orderCreate"]
    assert payload["errors"] == []
    order = payload["order"]
    assert (order["paymentMethod"], order["paymentStatus"]) == (method, status)


def test_malformed_ids_blank_address_and_gateway_are_input_errors(client, shop):
    variables = order_input(shop, honey=None, paymentMethod="GATEWAY")
    variables["lines"].append({"product": global_id("Producer", 1), "quantity": 1})
    variables["shippingAddress"] = {**ADDRESS, "street": " "}

    payload = post(client, ORDER_CREATE, {"input": variables}, shop["canteen"][1])

    assert [
        (e["field"], e["code"]) for e in payload["data"]["orderCreate"]["errors"]
    ] == [
        ("input.paymentMethod", "PAYMENT_METHOD_UNAVAILABLE"),
        ("input.lines.1.product", "INVALID"),
        ("input.shippingAddress.street", "INVALID"),
    ]
    assert Order.objects.count() == 0


def test_order_create_needs_the_orders_scope(client, shop):
    variables = {"input": order_input(shop)}

    anonymous = post(client, ORDER_CREATE, variables)
    cooperative = post(client, ORDER_CREATE, variables, shop["tea_coop"][1])

    for result in (anonymous, cooperative):
        assert result["data"] == {"orderCreate": None}
        assert result["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
        assert result["errors"][0]["message"] == (
            "This needs a token of an app with the `orders` scope."
        )
    assert Order.objects.count() == 0


def test_order_create_over_get_is_refused(client, shop):
    query = 'mutation { orderCancel(id: "x", reason: "y") { errors { code } } }'

    response = client.get("/graphql/", {"query": query}, HTTP_ACCEPT="application/json")

    assert response.status_code == 405


ORDERS = """
{ orders(first: 10) { totalCount edges { node { number lines { title } } } } }
"""


def test_an_app_reads_only_its_own_orders(client, shop):
    mine = place(client, shop)["data"]["orderCreate"]["order"]["number"]
    post(
        client,
        ORDER_CREATE,
        {"input": order_input(shop, key="R-1", honey=None)},
        shop["rival"][1],
    )

    result = post(client, ORDERS, token=shop["canteen"][1])

    assert result["data"]["orders"]["totalCount"] == 1
    assert [e["node"]["number"] for e in result["data"]["orders"]["edges"]] == [mine]


def test_another_apps_order_is_null_and_cannot_be_cancelled(client, shop):
    place(client, shop)
    order_id = global_id("Order", Order.objects.get().pk)

    read = post(
        client,
        "query($id: ID!) { order(id: $id) { number } }",
        {"id": order_id},
        shop["rival"][1],
    )
    cancel = post(
        client,
        'mutation($id: ID!) { orderCancel(id: $id, reason: "不要了") '
        "{ order { number } errors { field code message } } }",
        {"id": order_id},
        shop["rival"][1],
    )

    assert read == {"data": {"order": None}}
    assert cancel["data"]["orderCancel"] == {
        "order": None,
        "errors": [
            {
                "field": "id",
                "code": "NOT_FOUND",
                "message": f"This app has no order “{order_id}”.",
            }
        ],
    }
    assert Order.objects.get().status == "待确认"


def test_order_cancel_restocks_and_reverses_the_attribution(client, shop):
    place(client, shop)
    order_id = global_id("Order", Order.objects.get().pk)

    result = post(
        client,
        'mutation($id: ID!) { orderCancel(id: $id, reason: "计划有变") '
        "{ order { status impact { attributed { amount } householdCount } } "
        "errors { code } } }",
        {"id": order_id},
        shop["canteen"][1],
    )

    assert result["data"]["orderCancel"] == {
        "order": {
            "status": "CANCELLED",
            "impact": {"attributed": {"amount": "0.00"}, "householdCount": 0},
        },
        "errors": [],
    }
    assert list(StockRecord.objects.values_list("num_allocated", flat=True)) == [0, 0]


FULFILMENT = """
{ fulfilmentLines(first: 10) { totalCount edges { node {
    id orderNumber title quantity quantityShipped quantityLeftToShip status
    shippingAddress { name phoneNumber address postcode }
} } } }
"""
SHIP = """
mutation Ship($input: ShipmentCreateInput!) {
  shipmentCreate(input: $input) {
    shipment { carrier trackingNumber producer { name } lines { lineId quantity } }
    errors { field code message }
  }
}
"""


def test_a_cooperative_sees_only_its_own_lines_with_their_address(client, shop):
    number = place(client, shop)["data"]["orderCreate"]["order"]["number"]
    tea_line = Order.objects.get().lines.get(product=shop["tea"].product)

    result = post(client, FULFILMENT, token=shop["tea_coop"][1])

    assert result["data"]["fulfilmentLines"] == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "id": global_id("OrderLine", tea_line.pk),
                    "orderNumber": number,
                    "title": shop["tea"].product.title,
                    "quantity": 2,
                    "quantityShipped": 0,
                    "quantityLeftToShip": 2,
                    "status": "PENDING",
                    "shippingAddress": {
                        "name": "李娜",
                        "phoneNumber": "+8613800138000",
                        "address": "北京市 海淀区 中关村大街 27 号",
                        "postcode": "100080",
                    },
                }
            }
        ],
    }


def test_a_cooperative_ships_part_of_its_line(client, shop):
    place(client, shop, paymentMethod="CASH_ON_DELIVERY")
    tea_line = Order.objects.get().lines.get(product=shop["tea"].product)
    line_id = global_id("OrderLine", tea_line.pk)
    shipment = {
        "lines": [{"line": line_id, "quantity": 1}],
        "carrier": "顺丰速运",
        "trackingNumber": "SF1400000001",
    }

    result = post(client, SHIP, {"input": shipment}, shop["tea_coop"][1])
    lines = post(client, FULFILMENT, token=shop["tea_coop"][1])

    assert result["data"]["shipmentCreate"] == {
        "shipment": {
            "carrier": "顺丰速运",
            "trackingNumber": "SF1400000001",
            "producer": {"name": shop["tea"].partner.name},
            "lines": [{"lineId": line_id, "quantity": 1}],
        },
        "errors": [],
    }
    node = lines["data"]["fulfilmentLines"]["edges"][0]["node"]
    assert (node["quantityShipped"], node["quantityLeftToShip"], node["status"]) == (
        1,
        1,
        "PARTLY_SHIPPED",
    )


def test_a_line_of_an_order_awaiting_its_transfer_is_not_shipped(client, shop):
    place(client, shop, paymentMethod="BANK_TRANSFER")
    order = Order.objects.get()
    tea_line = order.lines.get(product=shop["tea"].product)
    shipment = {
        "lines": [{"line": global_id("OrderLine", tea_line.pk), "quantity": 1}],
        "carrier": "顺丰速运",
        "trackingNumber": "SF1400000003",
    }

    result = post(client, SHIP, {"input": shipment}, shop["tea_coop"][1])

    assert result["data"]["shipmentCreate"] == {
        "shipment": None,
        "errors": [
            {
                "field": "input.lines.0.line",
                "code": "NOT_PAID",
                "message": f"Order {order.number} is not paid yet; ship it once "
                "the payment is in.",
            }
        ],
    }
    assert Shipment.objects.count() == 0
    tea_line.refresh_from_db()
    assert tea_line.status == line_statuses.PENDING


def test_a_cooperative_cannot_ship_another_cooperatives_line(client, shop):
    place(client, shop)
    honey_line = Order.objects.get().lines.get(product=shop["honey"].product)
    shipment = {
        "lines": [{"line": global_id("OrderLine", honey_line.pk), "quantity": 1}],
        "carrier": "顺丰速运",
        "trackingNumber": "SF1400000002",
    }

    result = post(client, SHIP, {"input": shipment}, shop["tea_coop"][1])

    assert result["data"]["shipmentCreate"] == {
        "shipment": None,
        "errors": [
            {
                "field": "input.lines.0.line",
                "code": "NOT_FOUND",
                "message": "There is no such line of yours.",
            }
        ],
    }
    assert not Shipment.objects.exists()


def test_fulfilment_needs_a_cooperatives_app(client, shop):
    result = post(client, FULFILMENT, token=shop["canteen"][1])

    assert result["data"] == {"fulfilmentLines": None}
    assert result["errors"][0]["extensions"] == {"code": "FORBIDDEN"}


IMPACT = """
{ impact {
    total { attributed { amount } counted { amount } householdCount }
    counties { code impact { attributed { amount } householdCount } }
    villages { village { code } impact { attributed { amount } } }
} }
"""


def test_impact_sums_the_apps_own_orders(client, shop):
    place(client, shop)
    post(
        client,
        ORDER_CREATE,
        {"input": order_input(shop, key="R-1", tea=1, honey=None)},
        shop["rival"][1],
    )
    tea_county = shop["tea_households"][0].village.code[:6]

    result = post(client, IMPACT, token=shop["canteen"][1])

    impact = result["data"]["impact"]
    assert impact["total"] == {
        "attributed": {"amount": "135.00"},
        "counted": {"amount": "135.00"},
        "householdCount": 4,
    }
    by_county = {row["code"]: row["impact"] for row in impact["counties"]}
    honey_county = shop["honey_household"].village.code[:6]
    expected = {}
    for household in shop["tea_households"]:
        code = household.village.code[:6]
        expected[code] = expected.get(code, Decimal(0)) + Decimal("20.00")
    expected[honey_county] = expected.get(honey_county, Decimal(0)) + Decimal("75.00")
    assert {code: row["attributed"]["amount"] for code, row in by_county.items()} == {
        code: f"{amount:.2f}" for code, amount in expected.items()
    }
    assert tea_county in by_county


HOUSEHOLDS = """
{ householdImpact(first: 10) { totalCount edges { node {
    token village { code } impact { attributed { amount } counted { amount } }
} } } }
"""


def test_household_impact_is_keyed_by_a_token_per_app(client, shop):
    place(client, shop)
    post(
        client,
        ORDER_CREATE,
        {"input": order_input(shop, key="R-1", tea=None, honey=1)},
        shop["rival"][1],
    )

    mine = post(client, HOUSEHOLDS, token=shop["canteen"][1])
    theirs = post(client, HOUSEHOLDS, token=shop["rival"][1])

    nodes = [e["node"] for e in mine["data"]["householdImpact"]["edges"]]
    assert mine["data"]["householdImpact"]["totalCount"] == 4
    assert sorted(n["impact"]["attributed"]["amount"] for n in nodes) == [
        "20.00",
        "20.00",
        "20.00",
        "75.00",
    ]
    their_nodes = [e["node"] for e in theirs["data"]["householdImpact"]["edges"]]
    assert [n["impact"]["attributed"]["amount"] for n in their_nodes] == ["25.00"]
    honey_token_mine = next(
        n["token"] for n in nodes if n["impact"]["attributed"]["amount"] == "75.00"
    )
    assert their_nodes[0]["token"] != honey_token_mine
    text = json.dumps(mine, ensure_ascii=False)
    for household in Household.objects.all():
        assert household.registry_number not in text
        assert household.head_id_masked not in text


def test_household_impact_needs_its_own_scope(client, shop):
    _, token = app_with("只看总数", ["impact"])

    result = post(client, HOUSEHOLDS, token=token)

    assert result["data"] == {"householdImpact": None}
    assert result["errors"][0]["message"] == (
        "This needs a token of an app with the `impact:households` scope."
    )


ORDERS_PAGE = """
query($first: Int!) { orders(first: $first) { edges { node {
    number total { amount } impact { attributed { amount } householdCount }
    lines { title status quantityShipped quantityLeftToShip producer { name }
            impact { attributed { amount } } }
    shipments { carrier lines { lineId quantity } }
} } } }
"""


def count_queries(client, query, first, token) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = post(client, query, {"first": first}, token)
    assert "errors" not in result
    return len(queries)


def test_orders_cost_the_same_queries_for_a_page_of_2_and_of_12(client, shop):
    for number in range(12):
        place(client, shop, key=f"PO-{number}", tea=1, honey=1)
    token = shop["canteen"][1]

    two = count_queries(client, ORDERS_PAGE, 2, token)
    twelve = count_queries(client, ORDERS_PAGE, 12, token)

    # Savepoint and release of the request, the token with its app, the
    # count, the page; then the lines, their products, the products'
    # stockrecords, certificates and benefit links, the lines' adjustments,
    # shipment lines and entries; the orders' shipments.
    assert (two, twelve) == (14, 14)


FULFILMENT_PAGE = """
query($first: Int!) { fulfilmentLines(first: $first) { edges { node {
    orderNumber placedAt title quantityLeftToShip status
    shippingAddress { name address } shipments { trackingNumber }
    product { title price { amount } }
} } } }
"""


def test_fulfilment_lines_cost_the_same_queries_for_2_and_12(client, shop):
    for number in range(12):
        place(client, shop, key=f"PO-{number}", tea=1, honey=1)
    token = shop["tea_coop"][1]
    # The first request records the token's use, one write the others skip.
    post(client, "{ viewer { name } }", token=token)

    two = count_queries(client, FULFILMENT_PAGE, 2, token)
    twelve = count_queries(client, FULFILMENT_PAGE, 12, token)

    # Savepoint and release, the token with its app, the app's producer,
    # the count, the page of lines, their products, the products'
    # stockrecords, certificates and benefit links, the lines' adjustments,
    # shipment lines (with their shipments) and entries.
    assert (two, twelve) == (13, 13)


def test_a_cooperative_buying_sees_and_cancels_only_its_own_orders(client, shop):
    # Cooperatives buy too: each app with `orders` has its own orders only.
    tea_buyer = app_with(
        "茶叶社采购", ["orders", "impact"], producer=shop["tea"].partner
    )
    honey_buyer = app_with(
        "蜂蜜社采购", ["orders", "impact"], producer=shop["honey"].partner
    )
    variables = {"input": order_input(shop, key="COOP-1", tea=1, honey=1)}
    post(client, ORDER_CREATE, variables, tea_buyer[1])
    order = Order.objects.get()
    order_id = global_id("Order", order.pk)
    allocated = list(StockRecord.objects.values_list("num_allocated", flat=True))

    listed = post(client, "{ orders(first: 5) { totalCount } }", token=honey_buyer[1])
    read = post(
        client,
        "query($id: ID!) { order(id: $id) { number } }",
        {"id": order_id},
        honey_buyer[1],
    )
    cancel = post(
        client,
        'mutation($id: ID!) { orderCancel(id: $id, reason: "x") { errors { code } } }',
        {"id": order_id},
        honey_buyer[1],
    )
    impact = post(
        client, "{ impact { total { attributed { amount } } } }", token=honey_buyer[1]
    )

    assert listed == {"data": {"orders": {"totalCount": 0}}}
    assert read == {"data": {"order": None}}
    assert cancel["data"]["orderCancel"] == {"errors": [{"code": "NOT_FOUND"}]}
    assert impact["data"]["impact"]["total"]["attributed"] == {"amount": "0.00"}
    order.refresh_from_db()
    assert order.status == line_statuses.PENDING
    assert list(StockRecord.objects.values_list("num_allocated", flat=True)) == (
        allocated
    )
    assert AttributionEntry.objects.filter(amount__lt=0).count() == 0


def test_a_cooperative_never_sees_another_cooperatives_shipments(client, shop):
    place(client, shop, paymentMethod="CASH_ON_DELIVERY")
    honey_line = Order.objects.get().lines.get(product=shop["honey"].product)
    shipment = {
        "lines": [{"line": global_id("OrderLine", honey_line.pk), "quantity": 1}],
        "carrier": "中通快递",
        "trackingNumber": "ZT7700000001",
    }
    post(client, SHIP, {"input": shipment}, shop["honey_coop"][1])

    seen = post(
        client,
        "{ fulfilmentLines(first: 10) { edges { node { title shipments { "
        "carrier trackingNumber lines { lineId quantity } } } } } }",
        token=shop["tea_coop"][1],
    )

    nodes = [edge["node"] for edge in seen["data"]["fulfilmentLines"]["edges"]]
    assert nodes == [{"title": shop["tea"].product.title, "shipments": []}]
    assert "ZT7700000001" not in json.dumps(seen)


def test_a_shipment_mixing_an_own_and_a_foreign_line_records_nothing(client, shop):
    place(client, shop, paymentMethod="CASH_ON_DELIVERY")
    order = Order.objects.get()
    tea_line = order.lines.get(product=shop["tea"].product)
    honey_line = order.lines.get(product=shop["honey"].product)
    shipment = {
        "lines": [
            {"line": global_id("OrderLine", tea_line.pk), "quantity": 1},
            {"line": global_id("OrderLine", honey_line.pk), "quantity": 1},
        ],
        "carrier": "顺丰速运",
        "trackingNumber": "SF1400000009",
    }

    result = post(client, SHIP, {"input": shipment}, shop["tea_coop"][1])

    assert result["data"]["shipmentCreate"]["errors"] == [
        {
            "field": "input.lines.1.line",
            "code": "NOT_FOUND",
            "message": "There is no such line of yours.",
        }
    ]
    assert not Shipment.objects.exists()
    assert set(order.lines.values_list("status", flat=True)) == {line_statuses.PENDING}
