"""A partner platform's client, written with gql from docs/api.md alone.

The shop runs in a live server thread; the client talks HTTP to it with
gql's requests transport, takes its token from `partner_app_create` as the
guide shows, and checks webhooks with the guide's own verification code,
not the shop's. Expected figures come from the prices the test set.
"""

import hashlib
import hmac
import io
import json
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

from shop.celery import app as celery_app
from shop.partners.models import AppToken
from tests import factories
from tests.receiver import receiver  # noqa: F401
from tests.shop.test_checkout import china  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCTS = gql("""
query ($after: String, $first: Int!) {
  products(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id title price { amount } producer { name }
                   originCounty { code name } } }
  }
}
""")

ORDER_CREATE = gql("""
mutation ($input: OrderCreateInput!) {
  orderCreate(input: $input) {
    order { id number total { amount } shipping { amount }
            lines { title quantity producer { name } } }
    errors { field code message }
  }
}
""")

IMPACT = gql("""
{ impact { total { attributed { amount } counted { amount } householdCount }
           counties { code impact { attributed { amount } } } } }
""")

ADDRESS = {
    "name": "李明",
    "phoneNumber": "13800138000",
    "province": "北京市",
    "city": "海淀区",
    "street": "中关村大街 1 号",
    "postcode": "100080",
}


def is_genuine(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The guide's verification of X-Fupin-Signature, as a partner has it."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not fields.get("t", "").isdigit() or "v1" not in fields:
        return False
    if abs(time.time() - int(fields["t"])) > tolerance:
        return False
    signed = fields["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def connect(url: str, token: str) -> Client:
    transport = RequestsHTTPTransport(
        url=url, headers={"Authorization": f"Bearer {token}"}, retries=0
    )
    return Client(transport=transport, fetch_schema_from_transport=False)


def run(client: Client, request: GraphQLRequest, **variables) -> dict:
    return client.execute(GraphQLRequest(request, variable_values=variables))


def all_products(client: Client, page_size: int) -> list[dict]:
    products, after = [], None
    while True:
        page = run(client, PRODUCTS, first=page_size, after=after)["products"]
        products += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return products
        after = page["pageInfo"]["endCursor"]


def create_app(*args: str) -> dict[str, str]:
    """Run partner_app_create and return what it printed, by label."""
    out = io.StringIO()
    call_command("partner_app_create", *args, stdout=out)
    printed = {}
    for line in out.getvalue().splitlines():
        label, _, value = line.partition(": ")
        printed[label] = value
    return printed


@pytest.fixture
def eager_tasks():
    conf = celery_app.conf
    saved = conf.task_always_eager
    conf.task_always_eager = True
    yield
    conf.task_always_eager = saved


@pytest.fixture
def catalogue(china):  # noqa: F811
    """Five products of two cooperatives, with prices and benefit links."""
    tea_coop = factories.PartnerFactory(name="丹寨县卡拉村茶叶专业合作社")
    honey_coop = factories.PartnerFactory(name="丹寨县排调镇蜂蜜专业合作社")
    prices = [Decimal("128.00"), Decimal("98.00"), Decimal("45.50")]
    records = [
        factories.StockRecordFactory(
            partner=tea_coop,
            product__producer=tea_coop,
            price=price,
            num_in_stock=50,
        )
        for price in prices
    ]
    records += [
        factories.StockRecordFactory(
            partner=honey_coop,
            product__producer=honey_coop,
            price=Decimal("36.00"),
            num_in_stock=50,
        )
        for _ in range(2)
    ]
    for producer in (tea_coop, honey_coop):
        factories.BenefitLinkFactory.create_batch(3, producer=producer)
    return records


def test_a_platform_pages_orders_hears_webhooks_and_reads_impact(
    live_server,
    settings,
    receiver,  # noqa: F811
    catalogue,
    eager_tasks,
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    app = create_app(
        "食堂采购平台",
        "--kind=platform",
        "--scope=orders",
        "--scope=impact",
        f"--webhook={receiver.url}/hooks",
        "--event=order.created",
    )
    client = connect(f"{live_server.url}/graphql/", app["token"])

    products = all_products(client, page_size=2)

    assert sorted(p["title"] for p in products) == sorted(
        r.product.title for r in catalogue
    )
    tea, honey = catalogue[0], catalogue[3]
    by_title = {p["title"]: p for p in products}
    lines = [
        {"product": by_title[tea.product.title]["id"], "quantity": 2},
        {"product": by_title[honey.product.title]["id"], "quantity": 3},
    ]
    order_input = {"idempotencyKey": "PO-0001", "lines": lines}
    order_input["shippingAddress"] = ADDRESS

    placed = run(client, ORDER_CREATE, input=order_input)["orderCreate"]
    again = run(client, ORDER_CREATE, input=order_input)["orderCreate"]
    impact = run(client, IMPACT)["impact"]

    goods = 2 * tea.price + 3 * honey.price
    assert placed["errors"] == []
    assert placed["order"]["total"] == {"amount": f"{goods:.2f}"}
    assert placed["order"]["shipping"] == {"amount": "0.00"}
    assert again["order"]["number"] == placed["order"]["number"]
    assert impact["total"]["attributed"] == {"amount": f"{goods:.2f}"}
    assert impact["total"]["householdCount"] == 6

    [hook] = receiver.requests
    body = json.loads(hook.body)
    assert hook.headers["X-Fupin-Event"] == "order.created"
    assert is_genuine(
        app["webhook secret"], hook.headers["X-Fupin-Signature"], hook.body
    )
    assert not is_genuine(
        app["webhook secret"], hook.headers["X-Fupin-Signature"], hook.body + b" "
    )
    assert body["data"]["order_number"] == placed["order"]["number"]
    assert body["data"]["order_total"] == f"{goods:.2f}"


def test_a_revoked_token_is_refused(live_server, catalogue):
    app = create_app("已停用的平台", "--scope=orders")
    client = connect(f"{live_server.url}/graphql/", app["token"])
    AppToken.objects.update(revoked_at="2026-12-01T00:00:00+08:00")

    with pytest.raises(TransportQueryError) as refused:
        run(client, PRODUCTS, first=1, after=None)

    assert refused.value.errors[0]["extensions"] == {"code": "UNAUTHENTICATED"}
