"""Webhook subscriptions of partner apps, and the log of every delivery.

A delivery is one event for one subscription; its event id stays the same
through retries and re-sends so that receivers can recognise a repeat. Each
POST, successful or not, leaves a WebhookAttempt.
"""

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.webhooks.targets import TargetRefused, check_target

SECRET_PREFIX = "whsec_"  # noqa: S105 -- marks our secrets, not a secret


class Event(models.TextChoices):
    ORDER_CREATED = "order.created", _("order created")
    ORDER_PAID = "order.paid", _("order paid")
    ORDER_CANCELLED = "order.cancelled", _("order cancelled")
    ORDER_SHIPPED = "order.shipped", _("order shipped")
    STOCK_LOW = "stock.low", _("stock low")


def validate_events(value) -> None:
    """Raise ValidationError unless value is a non-empty list of events."""
    # Codes other than "invalid", which JSONField swaps for its own message.
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."), code="events_not_a_list")
    unknown = [event for event in value if event not in Event.values]
    if unknown:
        raise ValidationError(
            _("Unknown events: %(events)s."),
            code="unknown_event",
            params={"events": ", ".join(map(str, unknown))},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("An event is listed twice."), code="repeated_event")


def new_secret() -> str:
    """Return a fresh signing secret."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    app = models.ForeignKey(
        "partner_apps.PartnerApp",
        verbose_name=_("partner app"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    target_url = models.URLField(_("target URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, validators=[validate_events])
    # Kept in clear: signing needs it. Staff read it in the admin and hand
    # it to the partner, who verifies signatures with it.
    secret = models.CharField(
        _("signing secret"), max_length=64, default=new_secret, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ("app", "pk")

    def __str__(self) -> str:
        return f"{self.app} → {self.target_url}"

    def clean(self) -> None:
        if not self.target_url:
            return
        try:
            check_target(self.target_url)
        except TargetRefused as refused:
            raise ValidationError({"target_url": str(refused)}) from None

    def is_subscribed(self, event: str) -> bool:
        return event in self.events


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("webhook subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, editable=False)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"],
                name="webhook_delivery_event_once_per_subscription",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"


class WebhookAttempt(models.Model):
    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("delivered")
        RETRY = "retry", _("will be retried")
        FAILED = "failed", _("failed")

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("webhook delivery"),
        on_delete=models.CASCADE,
        related_name="attempt_log",
    )
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    response_code = models.PositiveSmallIntegerField(
        _("response code"), null=True, blank=True
    )
    error = models.CharField(_("error"), max_length=255, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    retry_in_seconds = models.PositiveIntegerField(
        _("next attempt in (s)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ("delivery", "started_at", "pk")

    def __str__(self) -> str:
        return f"{self.delivery} {self.get_outcome_display()}"
