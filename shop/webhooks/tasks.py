"""Celery task delivering webhooks; shop.webhooks.delivery does the work."""

from celery import shared_task

from shop.webhooks.delivery import webhook_deliver


@shared_task(bind=True, max_retries=None, ignore_result=True)
def webhook_deliver_task(self, delivery_id: int) -> str | None:
    """Make one attempt at a delivery; schedule the next when it may work.

    max_retries is None because shop.webhooks.delivery decides, counting
    the attempts of the series (WEBHOOK_MAX_ATTEMPTS), when to give up.
    """
    result = webhook_deliver(delivery_id=delivery_id, attempt=self.request.retries + 1)
    if result.retry_in is None:
        return result.outcome
    # Returned, not raised: a worker schedules the retry by countdown all
    # the same, and in-process (CELERY_TASK_ALWAYS_EAGER) Celery runs a
    # returned retry at once, where a raised one would reach the caller.
    return self.retry(countdown=result.retry_in, throw=False)
