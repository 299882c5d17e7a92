"""Celery tasks triggered by orders; always enqueued after commit.

expire_unpaid_orders_task runs on celery beat (CELERY_BEAT_SCHEDULE in
shop/settings/tasks.py).
"""

import logging

from celery import shared_task
from django.contrib.auth.models import AnonymousUser
from oscar.core.loading import get_class, get_model

from fulfillment.payments.services import expire_unpaid_orders

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


@shared_task
def expire_unpaid_orders_task() -> list[str]:
    """Cancel orders whose payment is overdue; return their numbers."""
    numbers = expire_unpaid_orders()
    logger.info("expiry run done expired=%d", len(numbers))
    return numbers
