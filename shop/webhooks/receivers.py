"""Signal receivers that publish webhooks once the change has committed.

The signals are sent inside the domain's transactions. Publishing waits for
the commit, so an order that rolls back produces no delivery, and runs as
a robust callback: a failure to publish is logged and never turns a
committed order into an error page.
"""

from functools import partial

from django.db import transaction
from django.utils import timezone
from oscar.apps.order.signals import order_placed

from fulfillment import signals
from shop.webhooks import publishing
from shop.webhooks.models import Event


def order_placed_receiver(sender, order, **kwargs) -> None:
    _publish_order(Event.ORDER_CREATED, order)


def order_paid_receiver(sender, order, **kwargs) -> None:
    _publish_order(Event.ORDER_PAID, order)


def order_cancelled_receiver(sender, order, **kwargs) -> None:
    _publish_order(Event.ORDER_CANCELLED, order)


def order_shipped_receiver(sender, order, shipment, **kwargs) -> None:
    _publish_order(Event.ORDER_SHIPPED, order, shipment=shipment)


def stock_low_receiver(sender, stockrecord, **kwargs) -> None:
    publish = partial(
        publishing.stock_low_publish,
        stockrecord_id=stockrecord.pk,
        occurred_at=timezone.now(),
    )
    transaction.on_commit(publish, robust=True)


def _publish_order(event: str, order, shipment=None) -> None:
    publish = partial(
        publishing.order_event_publish,
        event=event,
        order_id=order.pk,
        occurred_at=timezone.now(),
        shipment=shipment,
    )
    transaction.on_commit(publish, robust=True)


def connect() -> None:
    """Connect the receivers; called once, from the app's ready()."""
    pairs = (
        (order_placed, order_placed_receiver),
        (signals.order_paid, order_paid_receiver),
        (signals.order_cancelled, order_cancelled_receiver),
        (signals.order_shipped, order_shipped_receiver),
        (signals.stock_low, stock_low_receiver),
    )
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"webhooks.{receiver.__name__}")
