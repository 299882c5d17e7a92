"""Celery tasks triggered by orders; always enqueued after commit."""

import logging

from celery import shared_task
from django.contrib.auth.models import AnonymousUser
from oscar.core.loading import get_class, get_model

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
OrderDispatcher = get_class("order.utils", "OrderDispatcher")


@shared_task
def send_order_placed_email_task(order_id: int, status_url: str = "") -> None:
    """Send the order confirmation email of a committed order."""
    order = Order.objects.select_related("user").get(pk=order_id)
    context = {
        "user": order.user or AnonymousUser(),
        "order": order,
        "lines": order.lines.all(),
        "status_url": status_url,
    }
    OrderDispatcher(logger=logger).send_order_placed_email_for_user(order, context)
    logger.info("order email sent order=%s", order.number)
