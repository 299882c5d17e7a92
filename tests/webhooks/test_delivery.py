"""Delivering one webhook: signing, retries, backoff and refused targets."""

import datetime
import hashlib
import hmac
import socket
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from shop.webhooks import delivery as delivery_service
from shop.webhooks.models import WebhookAttempt, WebhookDelivery
from shop.webhooks.signing import verify_signature
from shop.webhooks.tasks import webhook_deliver_task
from tests.webhooks.conftest import subscribe

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "event": "stock.low",
    "event_id": "5f0c2a4e-0d7c-4c1e-9a57-3b1d2f3e4a5b",
    "occurred_at": "2026-12-04T10:00:00.000+08:00",
    "data": {"partner_sku": "TEA-250G", "num_available": 5},
}
# The same payload as sent: keys sorted, Chinese kept as UTF-8.
BODY = (
    b'{"data": {"num_available": 5, "partner_sku": "TEA-250G"}, '
    b'"event": "stock.low", "event_id": "5f0c2a4e-0d7c-4c1e-9a57-3b1d2f3e4a5b", '
    b'"occurred_at": "2026-12-04T10:00:00.000+08:00"}'
)


def pending(app, url: str) -> WebhookDelivery:
    subscription = subscribe(app, url, ["stock.low"])
    return WebhookDelivery.objects.create(
        subscription=subscription,
        event="stock.low",
        event_id=uuid.UUID(PAYLOAD["event_id"]),
        payload=PAYLOAD,
    )


def attempts(delivery) -> list[tuple]:
    return list(
        WebhookAttempt.objects.filter(delivery=delivery)
        .order_by("pk")
        .values_list("response_code", "outcome", "retry_in_seconds", "error")
    )


def test_a_delivery_is_posted_signed_and_logged(receiver, shop):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks?source=fupin")

    webhook_deliver_task.delay(delivery.pk)

    [request] = receiver.requests
    assert request.path == "/hooks?source=fupin"
    assert request.body == BODY
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Fupin-Event"] == "stock.low"
    assert request.headers["X-Fupin-Event-Id"] == PAYLOAD["event_id"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert attempts(delivery) == [(200, "delivered", None, "")]


def test_the_signature_is_an_hmac_of_time_and_body(receiver, shop):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")

    webhook_deliver_task.delay(delivery.pk)

    [request] = receiver.requests
    header = request.headers["X-Fupin-Signature"]
    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    secret = delivery.subscription.secret
    expected = hmac.new(
        secret.encode(), t.encode() + b"." + BODY, hashlib.sha256
    ).hexdigest()
    assert v1 == expected
    assert verify_signature(secret, header, request.body)
    assert not verify_signature(secret + "x", header, request.body)


def test_a_500_then_a_200_is_two_attempts_and_delivered(receiver, shop):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    receiver.answer((500, {}))

    webhook_deliver_task.delay(delivery.pk)

    assert len(receiver.requests) == 2
    assert attempts(delivery) == [
        (500, "retry", 30, "HTTP 500"),
        (200, "delivered", None, ""),
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


def test_a_404_fails_at_once_without_retry(receiver, shop):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    receiver.answer((404, {}))

    webhook_deliver_task.delay(delivery.pk)

    assert len(receiver.requests) == 1
    assert attempts(delivery) == [(404, "failed", None, "HTTP 404")]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)


def test_a_redirect_is_not_followed(receiver, shop):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    receiver.answer((302, {"Location": "http://10.0.0.1/internal"}))

    webhook_deliver_task.delay(delivery.pk)

    assert receiver.paths() == ["/hooks"]
    assert attempts(delivery) == [(302, "failed", None, "HTTP 302")]


def test_a_429_waits_as_long_as_retry_after_says(receiver, shop):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    receiver.answer((429, {"Retry-After": "7"}))

    webhook_deliver_task.delay(delivery.pk)

    assert len(receiver.requests) == 2
    assert attempts(delivery) == [
        (429, "retry", 7, "HTTP 429"),
        (200, "delivered", None, ""),
    ]


def test_backoff_grows_fourfold_then_stays_at_an_hour(receiver, shop, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 7
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    receiver.answer(*[(503, {})] * 7)

    webhook_deliver_task.delay(delivery.pk)

    waits = [30, 120, 480, 1920, 3600, 3600]
    assert attempts(delivery) == [
        *[(503, "retry", wait, "HTTP 503") for wait in waits],
        (503, "failed", None, "HTTP 503"),
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 7)


def test_the_task_asks_celery_for_the_countdown(receiver, shop, monkeypatch):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    receiver.answer((500, {}))
    asked = []

    def retry(**options):
        asked.append(options)

    monkeypatch.setattr(webhook_deliver_task, "retry", retry)

    webhook_deliver_task.delay(delivery.pk)

    assert asked == [{"countdown": 30, "throw": False}]
    assert len(receiver.requests) == 1


def test_a_closed_port_is_a_network_error_and_retried(receiver, shop, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = pending(shop.tea_app, f"http://127.0.0.1:{port}/hooks")

    webhook_deliver_task.delay(delivery.pk)

    logged = attempts(delivery)
    assert [row[:3] for row in logged] == [(None, "retry", 30), (None, "failed", None)]
    assert all(row[3].startswith("ConnectionRefusedError: ") for row in logged)


def test_a_loopback_target_is_refused_without_the_setting(receiver, shop, settings):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    webhook_deliver_task.delay(delivery.pk)

    assert receiver.requests == []
    [(code, outcome, retry_in, error)] = attempts(delivery)
    assert (code, outcome, retry_in) == (None, "failed", None)
    assert "127.0.0.1" in error and "loopback" in error
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)


def test_an_inactive_subscription_sends_nothing(receiver, shop):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    delivery.subscription.is_active = False
    delivery.subscription.save()

    webhook_deliver_task.delay(delivery.pk)

    assert receiver.requests == []
    assert attempts(delivery) == [
        (None, "failed", None, "subscription or app no longer active")
    ]


def test_a_delivery_no_longer_pending_is_not_sent_again(receiver, shop):
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="delivered")

    webhook_deliver_task.delay(delivery.pk)

    assert receiver.requests == []
    assert attempts(delivery) == []


def test_backoff_by_attempt():
    waits = [delivery_service.backoff(attempt) for attempt in range(1, 8)]

    assert waits == [30, 120, 480, 1920, 3600, 3600, 3600]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120),
        ("0", 0),
        ("86400", 3600),
        ("Fri, 04 Dec 2026 02:01:30 GMT", 90),
        ("Fri, 04 Dec 2026 01:59:00 GMT", 0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(header, seconds):
    now = datetime.datetime(2026, 12, 4, 2, 0, tzinfo=datetime.UTC)

    assert delivery_service.retry_after_seconds(header, now=now) == seconds


def test_staff_resend_a_failed_delivery_from_the_dashboard(
    receiver, shop, client, django_capture_on_commit_callbacks
):
    staff = get_user_model().objects.create_user(
        username="ops", password="x", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    delivery = pending(shop.tea_app, f"{receiver.url}/hooks")
    receiver.answer((404, {}))
    webhook_deliver_task.delay(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "resend", "_selected_action": [delivery.pk]},
            follow=True,
        )

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert [r.headers["X-Fupin-Event-Id"] for r in receiver.requests] == [
        PAYLOAD["event_id"],
        PAYLOAD["event_id"],
    ]
    assert [r.body for r in receiver.requests] == [BODY, BODY]
    assert attempts(delivery) == [
        (404, "failed", None, "HTTP 404"),
        (200, "delivered", None, ""),
    ]
    durations = WebhookAttempt.objects.filter(delivery=delivery).values_list(
        "duration_ms", flat=True
    )
    # Two requests to a local receiver: each took some time, under 5 s.
    assert all(0 <= ms < 5000 for ms in durations)
    assert "1 条已排队重新发送；0 条仍在等待投递。" in page.content.decode()
