"""Payments: bank transfer, cash on delivery and an optional online gateway.

The online option is offered only when PAYMENT_GATEWAY_NAME and both keys
are set. Keys are PEM text; a one-line environment value may write its line
breaks as \\n.
"""

from datetime import timedelta

from shop.settings.env import env

BANK_TRANSFER_PAY_WITHIN = timedelta(
    hours=env.float("BANK_TRANSFER_PAY_WITHIN_HOURS", default=48)
)
# The demo account is not a real one: production sets all three.
BANK_TRANSFER_ACCOUNT = {
    "NAME": env.str("BANK_TRANSFER_ACCOUNT_NAME", default="扶贫商城（演示账户）"),
    "BANK": env.str("BANK_TRANSFER_BANK", default="演示银行丹寨县支行"),
    "NUMBER": env.str("BANK_TRANSFER_ACCOUNT_NUMBER", default="0000 0000 0000 0000"),
}

PAYMENT_GATEWAY = {
    # Short name used in the callback URL, e.g. "alipay".
    "NAME": env.str("PAYMENT_GATEWAY_NAME", default=""),
    # What the buyer sees, e.g. 支付宝; the name when unset.
    "LABEL": env.str("PAYMENT_GATEWAY_LABEL", default=""),
    "URL": env.str("PAYMENT_GATEWAY_URL", default=""),
    "APP_ID": env.str("PAYMENT_GATEWAY_APP_ID", default=""),
    "METHOD": env.str("PAYMENT_GATEWAY_METHOD", default="alipay.trade.page.pay"),
    "PRIVATE_KEY": env.str("PAYMENT_GATEWAY_PRIVATE_KEY", default="", multiline=True),
    "PUBLIC_KEY": env.str("PAYMENT_GATEWAY_PUBLIC_KEY", default="", multiline=True),
    "PAY_WITHIN": timedelta(
        minutes=env.float("PAYMENT_GATEWAY_PAY_WITHIN_MINUTES", default=30)
    ),
}
