"""One attempt at delivering a webhook, and whether to try again.

Network errors, 5xx and 429 are retried with exponential backoff (a 429's
or 503's Retry-After is honoured); any other answer that is not 2xx means
the receiver refused the event, and repeating it would not help. Every
attempt is logged as a WebhookAttempt, with no response body and no stack
trace.
"""

import datetime
import email.utils
import http.client
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.webhooks import payloads, signing, transport
from shop.webhooks.models import WebhookAttempt, WebhookDelivery
from shop.webhooks.targets import TargetRefused, check_target

logger = logging.getLogger(__name__)

Outcome = WebhookAttempt.Outcome
Status = WebhookDelivery.Status

BACKOFF_FIRST_SECONDS = 30
BACKOFF_FACTOR = 4
# Under Redis, a task delayed past the broker's visibility timeout (one
# hour by default) is handed to a second worker; waits stay below it.
MAX_DELAY_SECONDS = 3600
ERROR_MAX_LENGTH = 255
USER_AGENT = "FupinMall-Webhooks/1"


@dataclass(frozen=True)
class AttemptResult:
    """What an attempt came to; retry_in is set when another should follow."""

    outcome: str | None
    retry_in: int | None = None


@dataclass(frozen=True)
class _Sent:
    response_code: int | None = None
    error: str = ""
    is_retryable: bool = False
    retry_after: str | None = None


def backoff(attempt: int) -> int:
    """Return the seconds to wait after the attempt-th failure of a series.

    30 s, 2 min, 8 min, 32 min, then an hour between each later attempt.
    """
    return min(
        BACKOFF_FIRST_SECONDS * BACKOFF_FACTOR ** (attempt - 1), MAX_DELAY_SECONDS
    )


def retry_after_seconds(
    value: str | None, *, now: datetime.datetime | None = None
) -> int | None:
    """Return the wait a Retry-After header asks for, or None if unreadable.

    The header holds seconds or an HTTP date; the wait is kept between 0
    and MAX_DELAY_SECONDS.
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = int(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = int((when - (now or timezone.now())).total_seconds())
    return max(0, min(seconds, MAX_DELAY_SECONDS))


def webhook_deliver(*, delivery_id: int, attempt: int) -> AttemptResult:
    """Make the attempt-th attempt of a delivery's current series.

    Record a WebhookAttempt and update the delivery: delivered on 2xx,
    failed on an answer that is not retried, on a refused target and once
    WEBHOOK_MAX_ATTEMPTS attempts of the series have failed. A delivery
    that is gone or no longer pending is left alone and nothing is sent.
    """
    delivery = (
        WebhookDelivery.objects.select_related("subscription__app")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != Status.PENDING:
        logger.info("webhook delivery not pending, skipped delivery=%s", delivery_id)
        return AttemptResult(outcome=None)

    started_at = timezone.now()
    clock = time.monotonic()
    sent = _send(delivery)
    duration_ms = round((time.monotonic() - clock) * 1000)
    result = _judge(sent, attempt)
    _record(delivery, sent, result, started_at=started_at, duration_ms=duration_ms)
    _log(delivery, sent, result, attempt)
    return result


def _send(delivery: WebhookDelivery) -> _Sent:
    subscription = delivery.subscription
    if not (subscription.is_active and subscription.app.is_active):
        return _Sent(error="subscription or app no longer active")
    try:
        target = check_target(subscription.target_url)
    except TargetRefused as refused:
        return _Sent(error=str(refused))
    except OSError as exc:
        return _Sent(error=_short(exc), is_retryable=True)

    body = payloads.body(delivery.payload)
    try:
        response = transport.post(
            target,
            body=body,
            headers=_headers(delivery, body),
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
    except (OSError, http.client.HTTPException) as exc:
        return _Sent(error=_short(exc), is_retryable=True)
    return _answer(response)


def _answer(response: transport.Response) -> _Sent:
    code = response.status
    if 200 <= code < 300:
        return _Sent(response_code=code)
    return _Sent(
        response_code=code,
        error=f"HTTP {code}",
        is_retryable=code == 429 or code >= 500,
        retry_after=response.retry_after,
    )


def _headers(delivery: WebhookDelivery, body: bytes) -> dict:
    secret = delivery.subscription.secret
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        signing.EVENT_HEADER: delivery.event,
        signing.EVENT_ID_HEADER: str(delivery.event_id),
        signing.SIGNATURE_HEADER: signing.signature_header(
            secret, body, timestamp=int(time.time())
        ),
    }


def _judge(sent: _Sent, attempt: int) -> AttemptResult:
    if sent.response_code is not None and not sent.error:
        return AttemptResult(Outcome.DELIVERED)
    if not sent.is_retryable or attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        return AttemptResult(Outcome.FAILED)
    asked = retry_after_seconds(sent.retry_after)
    return AttemptResult(Outcome.RETRY, backoff(attempt) if asked is None else asked)


def _record(delivery, sent: _Sent, result: AttemptResult, **timing) -> None:
    status = {
        Outcome.DELIVERED: Status.DELIVERED,
        Outcome.FAILED: Status.FAILED,
        Outcome.RETRY: Status.PENDING,
    }[result.outcome]
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            response_code=sent.response_code,
            error=sent.error[:ERROR_MAX_LENGTH],
            outcome=result.outcome,
            retry_in_seconds=result.retry_in,
            **timing,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=F("attempts") + 1, status=status
        )


def _log(delivery, sent: _Sent, result: AttemptResult, attempt: int) -> None:
    # The target URL is not logged: partners put tokens in query strings.
    ids = (delivery.pk, delivery.subscription_id, delivery.event, attempt)
    if result.outcome == Outcome.DELIVERED:
        logger.info(
            "webhook delivered delivery=%s subscription=%s event=%s attempt=%d code=%s",
            *ids,
            sent.response_code,
        )
    elif result.outcome == Outcome.RETRY:
        logger.warning(
            "webhook attempt failed, will retry delivery=%s subscription=%s "
            "event=%s attempt=%d code=%s retry_in=%d",
            *ids,
            sent.response_code,
            result.retry_in,
        )
    else:
        logger.warning(
            "webhook delivery failed delivery=%s subscription=%s event=%s "
            "attempt=%d code=%s error=%s",
            *ids,
            sent.response_code,
            sent.error,
        )


def _short(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    detail = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {detail}"[:ERROR_MAX_LENGTH]
