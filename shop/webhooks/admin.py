"""Staff manage webhook subscriptions and read or re-send deliveries.

A subscription's signing secret is generated on creation and shown on its
page, for staff to hand to the partner. Deliveries and their attempts are a
log: nothing in them can be edited, but a delivery can be sent again with
its event id unchanged.
"""

import json

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shop.webhooks.models import (
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from shop.webhooks.publishing import delivery_resend


def _https_by_default(db_field, **kwargs):
    # A URL typed without a scheme is taken as https (Django 6's default).
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ("app", "target_url", "events", "is_active")
        formfield_callback = _https_by_default


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("app", "target_url", "is_active", "created_at")
    list_filter = ("is_active", "app")
    search_fields = ("app__name", "target_url")
    autocomplete_fields = ("app",)
    readonly_fields = ("secret", "created_at")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = (
        "started_at",
        "duration_ms",
        "response_code",
        "outcome",
        "retry_in_seconds",
        "error",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "subscription", "status", "attempts", "created_at")
    list_filter = ("status", "event")
    search_fields = ("subscription__app__name",)
    fields = (
        "subscription",
        "event",
        "event_id",
        "status",
        "attempts",
        "created_at",
        "payload_text",
    )
    readonly_fields = fields
    inlines = (WebhookAttemptInline,)
    actions = ("resend",)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("payload"))
    def payload_text(self, delivery: WebhookDelivery) -> str:
        text = json.dumps(delivery.payload, ensure_ascii=False, indent=2)
        return format_html("<pre>{}</pre>", text)

    @admin.action(description=_("Re-send"), permissions=["change"])
    def resend(self, request, queryset) -> None:
        queued = [
            delivery for delivery in queryset if delivery_resend(delivery=delivery)
        ]
        skipped = len(queryset) - len(queued)
        self.message_user(
            request,
            _("%(queued)d queued to be sent again; %(skipped)d still pending.")
            % {"queued": len(queued), "skipped": skipped},
        )
