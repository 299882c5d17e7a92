"""Orders carry how they are paid; lines keep Oscar's status pipeline.

Payment fields are changed only through fulfillment.payments, with
conditional updates, so that an expiry job and a late payment cannot both
win.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.order.abstract_models import AbstractOrder


class Order(AbstractOrder):
    class PaymentMethod(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("bank transfer")
        CASH_ON_DELIVERY = "cod", _("cash on delivery")
        GATEWAY = "gateway", _("online payment")

    class PaymentStatus(models.TextChoices):
        AWAITING = "awaiting", _("awaiting payment")
        ON_DELIVERY = "on_delivery", _("to be paid on delivery")
        PAID = "paid", _("paid")
        EXPIRED = "expired", _("expired unpaid")

    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod.choices, blank=True
    )
    payment_status = models.CharField(
        _("payment status"),
        max_length=16,
        choices=PaymentStatus.choices,
        blank=True,
        db_index=True,
    )
    payment_due_at = models.DateTimeField(_("pay by"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_reference = models.CharField(
        _("payment reference"), max_length=64, blank=True
    )


class PaymentNotification(models.Model):
    """A payment gateway's callback, kept once: a replay is recognised."""

    gateway = models.CharField(max_length=32)
    notification_id = models.CharField(max_length=64)
    order = models.ForeignKey(
        "order.Order", on_delete=models.PROTECT, related_name="payment_notifications"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "notification_id"], name="unique_notification"
            )
        ]


from oscar.apps.order.models import *  # noqa: E402, F403
