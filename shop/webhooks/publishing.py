"""Turn an order or stock event into deliveries, one per subscription.

Who receives what:

- order events go to the app that placed the order (scope "orders"), with
  every line and the order's totals, and to the cooperative apps of the
  producers with lines in it (scope "fulfilment"), each seeing only its own
  producer's lines. order.shipped goes to the cooperative of the producer
  that shipped, not to every producer of the order.
- stock.low goes to the cooperative apps of the stockrecord's producer
  (scope "listings").

These run after the change committed (shop.webhooks.receivers): an order
placed through the API is linked to its app only at the end of its
transaction. One event id is shared by every delivery of one event.
"""

import datetime
import logging
import uuid
from functools import partial

from django.conf import settings
from django.db import transaction
from oscar.core.loading import get_model

from fulfillment.models import PlacementIntent
from shop.partners.models import PartnerApp, Scope
from shop.webhooks import payloads
from shop.webhooks.models import Event, WebhookDelivery, WebhookSubscription
from shop.webhooks.tasks import webhook_deliver_task

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")

COOPERATIVE = PartnerApp.OrganisationKind.COOPERATIVE


def order_event_publish(
    *,
    event: str,
    order_id: int,
    occurred_at: datetime.datetime,
    shipment=None,
) -> list[WebhookDelivery]:
    """Create and enqueue the deliveries of an order event; return them."""
    order = Order.objects.get(pk=order_id)
    lines = list(order.lines.order_by("pk"))
    if shipment is None:
        producer_ids = {line.partner_id for line in lines}
    else:
        producer_ids = {shipment.producer_id}
    event_id = uuid.uuid4()
    deliveries = []
    for subscription, shown, is_whole in _order_recipients(
        order, lines, event, producer_ids
    ):
        data = payloads.order_data(
            order, shown, is_whole_order=is_whole, shipment=shipment
        )
        deliveries.append(_delivery(subscription, event, event_id, occurred_at, data))
    return _save_and_enqueue(deliveries, subject=f"order={order.number}")


def stock_low_publish(
    *, stockrecord_id: int, occurred_at: datetime.datetime
) -> list[WebhookDelivery]:
    """Create and enqueue the deliveries of a stock.low event; return them."""
    record = StockRecord.objects.get(pk=stockrecord_id)
    apps = _cooperative_apps({record.partner_id}, Scope.LISTINGS)
    data = payloads.stock_data(record, threshold=settings.WEBHOOK_STOCK_LOW_THRESHOLD)
    event_id = uuid.uuid4()
    deliveries = [
        _delivery(subscription, Event.STOCK_LOW, event_id, occurred_at, data)
        for subscription in _subscriptions(apps, Event.STOCK_LOW)
    ]
    return _save_and_enqueue(deliveries, subject=f"stockrecord={record.pk}")


def delivery_resend(*, delivery: WebhookDelivery) -> bool:
    """Send a delivery again, with the same event id; return whether queued.

    The payload is the one stored, not rebuilt: a re-send repeats what the
    receiver missed. A delivery still pending has attempts under way and is
    left alone.
    """
    with transaction.atomic():
        queued = WebhookDelivery.objects.filter(pk=delivery.pk).exclude(
            status=WebhookDelivery.Status.PENDING
        )
        if not queued.update(status=WebhookDelivery.Status.PENDING):
            return False
        transaction.on_commit(partial(webhook_deliver_task.delay, delivery.pk))
    logger.info("webhook re-sent delivery=%s event=%s", delivery.pk, delivery.event)
    return True


def _order_recipients(order, lines, event: str, producer_ids: set):
    """Yield (subscription, lines shown, whether the whole order is shown)."""
    chosen = {}
    placing_app = _placing_app(order)
    if placing_app is not None:
        for subscription in _subscriptions([placing_app], event):
            chosen[subscription.pk] = (subscription, lines, True)
    for subscription in _subscriptions(
        _cooperative_apps(producer_ids, Scope.FULFILMENT), event
    ):
        if subscription.pk not in chosen:
            producer_id = subscription.app.producer_id
            own = [line for line in lines if line.partner_id == producer_id]
            chosen[subscription.pk] = (subscription, own, False)
    return chosen.values()


def _placing_app(order) -> PartnerApp | None:
    intent = PlacementIntent.objects.filter(order=order).select_related("app").first()
    app = intent.app if intent else None
    if app is None or not app.is_active or not app.has_scope(Scope.ORDERS):
        return None
    return app


def _cooperative_apps(producer_ids: set, scope: str) -> list[PartnerApp]:
    apps = PartnerApp.objects.filter(
        is_active=True, organisation_kind=COOPERATIVE, producer_id__in=producer_ids
    )
    # Scopes are a JSON list, which SQLite cannot search in a query.
    return [app for app in apps if app.has_scope(scope)]


def _subscriptions(apps, event: str) -> list[WebhookSubscription]:
    found = (
        WebhookSubscription.objects.filter(app__in=apps, is_active=True)
        .select_related("app")
        .order_by("pk")
    )
    return [subscription for subscription in found if subscription.is_subscribed(event)]


def _delivery(subscription, event, event_id, occurred_at, data) -> WebhookDelivery:
    payload = payloads.envelope(
        event=event, event_id=event_id, occurred_at=occurred_at, data=data
    )
    return WebhookDelivery(
        subscription=subscription, event=event, event_id=event_id, payload=payload
    )


def _save_and_enqueue(deliveries: list, *, subject: str) -> list[WebhookDelivery]:
    if not deliveries:
        return []
    with transaction.atomic():
        for delivery in deliveries:
            delivery.save()
        for delivery in deliveries:
            transaction.on_commit(partial(webhook_deliver_task.delay, delivery.pk))
    logger.info(
        "webhook deliveries created event=%s %s count=%d",
        deliveries[0].event,
        subject,
        len(deliveries),
    )
    return deliveries
