"""Webhooks of the partner API.

WEBHOOK_ALLOW_PRIVATE_TARGETS lets webhooks go to loopback and private
addresses; only for development and tests, where the receiver runs on the
same machine. In production it stays false, so that a partner's URL cannot
reach the shop's internal network.
"""

from shop.settings.env import env

WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
# stock.low fires when an allocation brings net stock to this or below.
WEBHOOK_STOCK_LOW_THRESHOLD = env.int("WEBHOOK_STOCK_LOW_THRESHOLD", default=5)
# Attempts of one series (first delivery or a re-send) before giving up.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
