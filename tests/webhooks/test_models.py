"""Subscriptions: events from the list, safe targets, a generated secret."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from shop.webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db


def subscription(app, **fields) -> WebhookSubscription:
    values = {"target_url": "https://93.184.216.34/hooks", "events": ["order.paid"]}
    return WebhookSubscription(app=app, **{**values, **fields})


def errors(row: WebhookSubscription) -> dict:
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            row.full_clean()
        return caught.value.message_dict


def test_a_public_https_target_with_known_events_is_valid(shop):
    row = subscription(shop.platform, events=["order.created", "order.paid"])

    row.full_clean()


def test_a_loopback_target_is_refused_when_saved(shop):
    row = subscription(shop.platform, target_url="http://127.0.0.1:8000/hooks")

    assert errors(row) == {
        "target_url": [
            "127.0.0.1 resolves to 127.0.0.1, a loopback address; "
            "webhooks are only sent to public addresses."
        ]
    }


def test_a_private_target_is_accepted_when_the_setting_allows(shop, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    row = subscription(shop.platform, target_url="http://192.168.1.5/hooks")

    row.full_clean()


def test_unknown_repeated_or_no_events_are_refused(shop):
    unknown = subscription(shop.platform, events=["order.paid", "order.eaten"])
    repeated = subscription(shop.platform, events=["order.paid", "order.paid"])
    empty = subscription(shop.platform, events=[])

    assert errors(unknown) == {"events": ["Unknown events: order.eaten."]}
    assert errors(repeated) == {"events": ["An event is listed twice."]}
    assert errors(empty) == {"events": ["This field cannot be blank."]}


def test_each_subscription_gets_its_own_secret(shop):
    first = subscription(shop.platform)
    second = subscription(shop.platform)

    assert first.secret.startswith("whsec_")
    assert len(first.secret) == len("whsec_") + 43
    assert first.secret != second.secret
