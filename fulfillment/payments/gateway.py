"""Online payment gateways, signed the way Alipay's RSA2 interface signs.

A gateway is given the order and returns where to send the buyer and with
which parameters, signed with the shop's private key. When the buyer has
paid, the gateway calls back; the callback's parameters are verified
against the gateway's public key before anything is believed.

The signed text is every parameter except the signature (and, for
callbacks, its type) whose value is not empty, sorted by name and joined as
k=v&k=v; the signature is RSA PKCS#1 v1.5 over its SHA-256, in base64.
Nothing here talks to the network: the buyer's browser carries the request.
"""

import abc
import base64
import binascii
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

SIGN = "sign"
SIGN_TYPE = "sign_type"
PAID_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})


class InvalidSignature(Exception):
    """A callback whose signature does not verify with the gateway's key."""


class InvalidCallback(Exception):
    """A verified callback that lacks a field or carries a malformed one."""


@dataclass(frozen=True)
class PaymentRequest:
    """Where the buyer is sent to pay, and the signed parameters to send."""

    url: str
    params: dict[str, str]


@dataclass(frozen=True)
class Callback:
    """What a verified callback says about an order's payment."""

    order_number: str
    amount: Decimal
    notification_id: str
    trade_reference: str
    is_paid: bool


def signing_text(params: Mapping[str, str], *, exclude=(SIGN,)) -> str:
    """Return the k=v&k=v text that is signed: sorted, empty values out."""
    return "&".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key not in exclude and params[key] not in ("", None)
    )


class PaymentGateway(abc.ABC):
    """An online payment service the buyer is sent to."""

    name: str
    label: str

    @abc.abstractmethod
    def create_payment_request(
        self, *, order, notify_url: str, return_url: str
    ) -> PaymentRequest:
        """Return the signed request that sends the buyer to pay order."""

    @abc.abstractmethod
    def verify_callback(self, params: Mapping[str, str]) -> Callback:
        """Return what a callback says once its signature is verified.

        Raise InvalidSignature when the signature is missing or wrong and
        InvalidCallback when a field is missing or malformed.
        """


class RsaGateway(PaymentGateway):
    """A gateway with Alipay's RSA2 (SHA256withRSA) signatures."""

    def __init__(
        self,
        *,
        name: str,
        url: str,
        app_id: str,
        private_key_pem: str,
        public_key_pem: str,
        label: str = "",
        method: str = "alipay.trade.page.pay",
    ):
        self.name = name
        self.label = label or name
        self.url = url
        self.app_id = app_id
        self.method = method
        self._private_key = serialization.load_pem_private_key(
            private_key_pem.encode(), password=None
        )
        self._public_key = serialization.load_pem_public_key(public_key_pem.encode())

    def sign(self, params: Mapping[str, str]) -> str:
        """Return the base64 signature of params with the shop's key."""
        text = signing_text(params).encode("utf-8")
        signature = self._private_key.sign(text, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def create_payment_request(
        self, *, order, notify_url: str, return_url: str
    ) -> PaymentRequest:
        expires = timezone.localtime(order.payment_due_at)
        content = {
            "out_trade_no": order.number,
            "total_amount": f"{order.total_incl_tax:.2f}",
            "subject": f"{settings.OSCAR_SHOP_NAME} {order.number}",
            "product_code": "FAST_INSTANT_TRADE_PAY",
            "time_expire": expires.strftime("%Y-%m-%d %H:%M:%S"),
        }
        params = {
            "app_id": self.app_id,
            "method": self.method,
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "notify_url": notify_url,
            "return_url": return_url,
            "biz_content": json.dumps(content, ensure_ascii=False, sort_keys=True),
        }
        params[SIGN] = self.sign(params)
        return PaymentRequest(url=self.url, params=params)

    def verify_callback(self, params: Mapping[str, str]) -> Callback:
        self._verify(params)
        try:
            amount = Decimal(params["total_amount"])
            callback = Callback(
                order_number=params["out_trade_no"],
                amount=amount,
                notification_id=params["notify_id"],
                trade_reference=params.get("trade_no", ""),
                is_paid=params.get("trade_status", "") in PAID_STATUSES,
            )
        except (KeyError, InvalidOperation) as error:
            raise InvalidCallback(f"malformed callback field: {error}") from None
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            raise InvalidCallback(f"malformed amount {params['total_amount']!r}")
        if not callback.order_number or not callback.notification_id:
            raise InvalidCallback("callback without order number or notification id")
        return callback

    def _verify(self, params: Mapping[str, str]) -> None:
        try:
            signature = base64.b64decode(params.get(SIGN, ""), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidSignature("signature is not base64") from None
        text = signing_text(params, exclude=(SIGN, SIGN_TYPE)).encode("utf-8")
        try:
            self._public_key.verify(
                signature, text, padding.PKCS1v15(), hashes.SHA256()
            )
        except CryptoInvalidSignature:
            raise InvalidSignature("signature does not verify") from None


def get_gateway(name: str | None = None) -> PaymentGateway | None:
    """Return the configured gateway, or None when none (or not name) is set.

    Settings are read on each call, never at import.
    """
    config = settings.PAYMENT_GATEWAY
    configured = all(
        config.get(key) for key in ("NAME", "URL", "PRIVATE_KEY", "PUBLIC_KEY")
    )
    if not configured or (name is not None and name != config["NAME"]):
        return None
    return RsaGateway(
        name=config["NAME"],
        label=config.get("LABEL", ""),
        url=config["URL"],
        app_id=config.get("APP_ID", ""),
        method=config.get("METHOD") or "alipay.trade.page.pay",
        private_key_pem=config["PRIVATE_KEY"],
        public_key_pem=config["PUBLIC_KEY"],
    )
