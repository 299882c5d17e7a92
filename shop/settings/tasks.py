"""Celery: CELERY_BROKER_URL; tasks run in-process when it is unset."""

from celery.schedules import crontab

from shop.settings.env import env

# kombu warns once per process of a memory:// URL without a host name.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://localhost/")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://")
)
CELERY_TASK_EAGER_PROPAGATES = True
# On Redis a task taken by a worker that was then killed (registry imports
# are acknowledged when done) goes back to the queue once it has been out
# this long; a worker looks for such tasks every tenth of it, at most every
# ten seconds. It must exceed the longest task, or a second worker would
# take a task still running.
_visibility = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility,
    "unacked_restore_interval": max(1, min(10, _visibility // 10)),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
# What celery beat runs: expiring unpaid transfers every ten minutes, and
# re-checking every benefit link against the registry each night.
CELERY_BEAT_SCHEDULE = {
    "expire-unpaid-orders": {
        "task": "fulfillment.tasks.expire_unpaid_orders_task",
        "schedule": 600.0,
    },
    "recheck-benefit-links": {
        "task": "catalog.tasks.links_recheck_task",
        "schedule": crontab(hour=2, minute=30),
    },
}
