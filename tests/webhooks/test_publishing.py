"""Who receives which order and stock events, with exactly what payload."""

import base64
import datetime
import json
import re

import pytest
from django.db import transaction
from django.utils import timezone

from catalog.models import Household
from fulfillment import cancellations
from fulfillment.models import Shipment, ShipmentLine
from fulfillment.orders import OrderLineRequest, order_place
from fulfillment.payments.services import bank_transfer_confirm
from fulfillment.signals import order_shipped
from shop.partners import services
from shop.partners.models import PartnerApp
from shop.webhooks.models import WebhookDelivery
from tests.webhooks.conftest import ADDRESS, ALL_ORDER_EVENTS, subscribe

pytestmark = pytest.mark.django_db

SHANGHAI_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$")


def global_id(pk: int) -> str:
    return base64.b64encode(f"Product:{pk}".encode()).decode()


@pytest.fixture
def subscribed(shop, receiver):
    """Subscribe the platform and both cooperatives to every order event."""
    for app, path in (
        (shop.platform, "platform"),
        (shop.tea_app, "tea"),
        (shop.honey_app, "honey"),
    ):
        subscribe(app, f"{receiver.url}/{path}", ALL_ORDER_EVENTS)
    return shop


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Return a context manager that runs what waits for the commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def place(shop, *, key: str, tea: int = 2, honey: int = 1, app="platform"):
    lines = [
        OrderLineRequest(product_id=shop.tea.product_id, quantity=tea),
        OrderLineRequest(product_id=shop.honey.product_id, quantity=honey),
    ]
    lines = [line for line in lines if line.quantity]
    app = getattr(shop, app) if isinstance(app, str) else app
    order = order_place(key=key, lines=lines, shipping_address=ADDRESS, app=app)
    # As stored: the number, for one, is given back as an int.
    order.refresh_from_db()
    return order


def received(receiver) -> dict:
    """Return the JSON each path received, by path."""
    return {r.path.lstrip("/"): json.loads(r.body) for r in receiver.requests}


def tea_line(shop, status="PENDING") -> dict:
    return {
        "product_id": global_id(shop.tea.product_id),
        "title": "丹寨硒锌茶",
        "quantity": 2,
        "line_total": "60.00",
        "status": status,
    }


def honey_line(shop, status="PENDING") -> dict:
    return {
        "product_id": global_id(shop.honey.product_id),
        "title": "丹寨蜂蜜",
        "quantity": 1,
        "line_total": "20.00",
        "status": status,
    }


def test_a_placed_order_reaches_the_placing_app_and_each_cooperative(
    subscribed, receiver, committed
):
    before = timezone.now()

    with committed():
        order = place(subscribed, key="canteen-0001")

    bodies = received(receiver)
    assert sorted(bodies) == ["honey", "platform", "tea"]
    event_ids = {body.pop("event_id") for body in bodies.values()}
    assert len(event_ids) == 1
    for body in bodies.values():
        occurred_at = body.pop("occurred_at")
        assert SHANGHAI_MS.match(occurred_at)
        moment = datetime.datetime.fromisoformat(occurred_at)
        assert before - datetime.timedelta(seconds=1) <= moment <= timezone.now()
    common = {
        "order_number": order.number,
        "status": "PENDING",
        "payment_status": "AWAITING",
        "currency": "CNY",
    }
    assert bodies == {
        "platform": {
            "event": "order.created",
            "data": {
                **common,
                "lines_total": "80.00",  # 2 × 30.00 + 20.00
                "shipping_total": "10.00",
                "order_total": "90.00",
                "lines": [tea_line(subscribed), honey_line(subscribed)],
            },
        },
        "tea": {
            "event": "order.created",
            "data": {**common, "lines_total": "60.00", "lines": [tea_line(subscribed)]},
        },
        "honey": {
            "event": "order.created",
            "data": {
                **common,
                "lines_total": "20.00",
                "lines": [honey_line(subscribed)],
            },
        },
    }


def test_each_delivery_keeps_its_event_id_and_payload(subscribed, receiver, committed):
    with committed():
        place(subscribed, key="canteen-0002")

    deliveries = WebhookDelivery.objects.order_by("pk")
    assert [d.status for d in deliveries] == ["delivered"] * 3
    for delivery, request in zip(deliveries, receiver.requests, strict=True):
        assert request.headers["X-Fupin-Event-Id"] == str(delivery.event_id)
        assert json.loads(request.body) == delivery.payload
        assert delivery.payload["event_id"] == str(delivery.event_id)


def test_payloads_carry_no_personal_data(subscribed, receiver, committed):
    with committed():
        place(subscribed, key="canteen-0003")

    registry_numbers = list(Household.objects.values_list("registry_number", flat=True))
    assert len(registry_numbers) == 2
    for request in receiver.requests:
        text = request.body.decode()
        for personal in ["王芳", "龙泉镇", "557500", *registry_numbers]:
            assert personal not in text
        data = json.loads(text)["data"]
        assert "address" not in text and "email" not in text and "user" not in data


def test_a_rolled_back_order_enqueues_nothing(subscribed, receiver, committed):
    with (
        committed() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        place(subscribed, key="canteen-0004")
        raise RuntimeError("the caller gave up")

    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


def test_an_app_without_the_orders_scope_is_not_told(subscribed, receiver, committed):
    reporter = services.app_create(
        name="扶贫成效看板",
        organisation_kind=PartnerApp.OrganisationKind.PLATFORM,
        scopes=["impact"],
    )
    subscribe(reporter, f"{receiver.url}/reporter", ALL_ORDER_EVENTS)

    with committed():
        place(subscribed, key="canteen-0005", app=reporter)

    assert sorted(received(receiver)) == ["honey", "tea"]


def test_inactive_apps_and_subscriptions_are_not_told(subscribed, receiver, committed):
    PartnerApp.objects.filter(pk=subscribed.honey_app.pk).update(is_active=False)
    subscribed.tea_app.webhook_subscriptions.update(is_active=False)

    with committed():
        place(subscribed, key="canteen-0006")

    assert sorted(received(receiver)) == ["platform"]


def test_a_subscription_hears_only_its_events(shop, receiver, committed):
    subscribe(shop.platform, f"{receiver.url}/platform", ["order.paid"])

    with committed():
        order = place(shop, key="canteen-0007")
    assert receiver.requests == []
    with committed():
        bank_transfer_confirm(
            order=order,
            reference=order.payment_reference,
            amount=order.total_incl_tax,
        )

    [body] = received(receiver).values()
    assert body["event"] == "order.paid"
    assert body["data"]["payment_status"] == "PAID"


def test_a_cancelled_order_is_announced_with_its_cancelled_lines(
    subscribed, receiver, committed
):
    with committed():
        order = place(subscribed, key="canteen-0008")
    receiver.requests.clear()

    with committed():
        cancellations.order_cancel(order=order, reason="买家取消")

    bodies = received(receiver)
    assert sorted(bodies) == ["honey", "platform", "tea"]
    assert {body["event"] for body in bodies.values()} == {"order.cancelled"}
    assert bodies["platform"]["data"]["status"] == "CANCELLED"
    assert bodies["platform"]["data"]["lines"] == [
        tea_line(subscribed, status="CANCELLED"),
        honey_line(subscribed, status="CANCELLED"),
    ]
    assert bodies["honey"]["data"]["lines"] == [
        honey_line(subscribed, status="CANCELLED")
    ]


def test_only_the_line_cancel_that_closes_the_order_announces_it(
    subscribed, receiver, committed
):
    with committed():
        order = place(subscribed, key="canteen-0009")
    tea, honey = order.lines.order_by("pk")
    receiver.requests.clear()

    with committed():
        cancellations.line_cancel(line=tea, quantity=1, reason="缺货")
        cancellations.line_cancel(line=tea, quantity=1, reason="缺货")
    assert receiver.requests == []
    with committed():
        cancellations.line_cancel(line=honey, quantity=1, reason="缺货")

    assert [json.loads(r.body)["event"] for r in receiver.requests] == [
        "order.cancelled"
    ] * 3


def test_a_shipment_reaches_the_placing_app_and_the_shipping_cooperative(
    subscribed, receiver, committed
):
    with committed():
        order = place(subscribed, key="canteen-0010")
    tea = order.lines.order_by("pk").first()
    receiver.requests.clear()

    with committed():
        shipment = Shipment.objects.create(
            order=order,
            producer=subscribed.tea.partner,
            carrier="顺丰速运",
            tracking_number="SF1234567890",
        )
        ShipmentLine.objects.create(shipment=shipment, line=tea, quantity=2)
        order_shipped.send(sender=Shipment, order=order, shipment=shipment)

    bodies = received(receiver)
    assert sorted(bodies) == ["platform", "tea"]
    shipped_at = bodies["tea"]["data"]["shipment"].pop("shipped_at")
    assert SHANGHAI_MS.match(shipped_at)
    assert bodies["tea"]["event"] == "order.shipped"
    assert bodies["tea"]["data"]["lines"] == [tea_line(subscribed)]
    assert bodies["tea"]["data"]["shipment"] == {
        "carrier": "顺丰速运",
        "tracking_number": "SF1234567890",
        "lines": [{"product_id": global_id(subscribed.tea.product_id), "quantity": 2}],
    }
    assert bodies["platform"]["data"]["shipment"]["lines"] == [
        {"product_id": global_id(subscribed.tea.product_id), "quantity": 2}
    ]


def test_stock_low_fires_once_when_net_stock_crosses_the_threshold(
    shop, receiver, committed, settings
):
    settings.WEBHOOK_STOCK_LOW_THRESHOLD = 5
    type(shop.tea).objects.filter(pk=shop.tea.pk).update(num_in_stock=8)
    type(shop.honey).objects.filter(pk=shop.honey.pk).update(num_in_stock=6)
    subscribe(shop.tea_app, f"{receiver.url}/tea", ["stock.low"])
    # Without the listings scope the honey cooperative hears nothing.
    subscribe(shop.honey_app, f"{receiver.url}/honey", ["stock.low"])

    for number, tea in enumerate([2, 1, 1], start=1):  # net 6, then 5, then 4
        with committed():
            place(shop, key=f"canteen-stock-{number}", tea=tea, honey=1)

    assert receiver.paths() == ["/tea"]
    body = json.loads(receiver.requests[0].body)
    assert body["event"] == "stock.low"
    assert body["data"] == {
        "product_id": global_id(shop.tea.product_id),
        "partner_sku": "TEA-250G",
        "num_in_stock": 8,
        "num_available": 5,
        "threshold": 5,
    }


def test_stock_low_fires_again_after_a_restock(shop, receiver, committed, settings):
    settings.WEBHOOK_STOCK_LOW_THRESHOLD = 5
    type(shop.tea).objects.filter(pk=shop.tea.pk).update(num_in_stock=6)
    subscribe(shop.tea_app, f"{receiver.url}/tea", ["stock.low"])

    with committed():
        first = place(shop, key="canteen-restock-1", tea=1, honey=0)  # 6 → 5
    with committed():
        cancellations.order_cancel(order=first, reason="买家取消")  # back to 6
    with committed():
        place(shop, key="canteen-restock-2", tea=2, honey=0)  # 6 → 4

    available = [json.loads(r.body)["data"]["num_available"] for r in receiver.requests]
    assert available == [5, 4]
