"""The online gateway: signed requests out, verified callbacks in.

The test plays the gateway: it has its own RSA key pair, made here, and
signs callbacks the way Alipay's RSA2 does. Nothing leaves the machine.
"""

import base64
import json
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.urls import reverse
from oscar.core.loading import get_model

from fulfillment.payments import services
from fulfillment.payments.gateway import (
    InvalidSignature,
    get_gateway,
    signing_text,
)
from tests.fulfillment.test_checkout_rules import honey, reach_preview  # noqa: F401
from tests.fulfillment.test_payments import placed_order, snapshot
from tests.shop.test_checkout import add_to_basket, china  # noqa: F401

Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentNotification = get_model("order", "PaymentNotification")
Transaction = get_model("payment", "Transaction")

pytestmark = pytest.mark.django_db

GATEWAY_URL = "https://gateway.invalid/pay"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )


@pytest.fixture(scope="module")
def keys():
    return {"shop": new_key(), "gateway": new_key(), "stranger": new_key()}


@pytest.fixture
def gateway_settings(settings, keys):
    settings.PAYMENT_GATEWAY = {
        **settings.PAYMENT_GATEWAY,
        "NAME": "alipay",
        "LABEL": "支付宝",
        "URL": GATEWAY_URL,
        "APP_ID": "2021000000000000",
        "PRIVATE_KEY": private_pem(keys["shop"]),
        "PUBLIC_KEY": public_pem(keys["gateway"]),
    }
    return settings.PAYMENT_GATEWAY


def rsa2(key, text: str) -> str:
    signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def signed_callback(key, order, **overrides) -> dict:
    """Return a callback for order as the gateway would post it."""
    params = {
        "notify_time": "2026-01-05 10:00:00",
        "notify_type": "trade_status_sync",
        "notify_id": "ntf-0001",
        "app_id": "2021000000000000",
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": "2026010522001400001",
        "out_trade_no": order.number,
        "total_amount": f"{order.total_incl_tax:.2f}",
        "trade_status": "TRADE_SUCCESS",
        **overrides,
    }
    # Written out here rather than taken from the code under test.
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k])
    return {**params, "sign_type": "RSA2", "sign": rsa2(key, text)}


def post_callback(app, params, *, gateway="alipay", status=200):
    url = reverse("payments:callback", args=[gateway])
    return app.post(url, params, status=status)


@pytest.fixture
def online_order(gateway_settings, honey):  # noqa: F811
    return placed_order(honey, method="gateway", quantity=2)


def test_signing_text_sorts_and_leaves_out_signature_and_empty_values():
    params = {"b": "2", "sign": "x", "a": "1", "sign_type": "RSA2", "c": ""}

    assert signing_text(params) == "a=1&b=2&sign_type=RSA2"
    assert signing_text(params, exclude=("sign", "sign_type")) == "a=1&b=2"


def test_online_option_is_hidden_until_the_gateway_is_configured(
    settings, gateway_settings
):
    assert services.available_methods() == ["bank_transfer", "cod", "gateway"]

    settings.PAYMENT_GATEWAY = {**gateway_settings, "PRIVATE_KEY": ""}

    assert services.available_methods() == ["bank_transfer", "cod"]
    assert get_gateway() is None


def test_payment_request_is_signed_with_the_shops_key(keys, online_order):
    gateway = get_gateway()

    request = gateway.create_payment_request(
        order=online_order,
        notify_url="https://shop.example/payments/callback/alipay/",
        return_url="https://shop.example/checkout/thank-you/",
    )

    assert request.url == GATEWAY_URL
    params = request.params
    content = json.loads(params["biz_content"])
    assert content["out_trade_no"] == online_order.number
    assert content["total_amount"] == "80.00"
    assert (params["app_id"], params["sign_type"]) == ("2021000000000000", "RSA2")
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign")
    keys["shop"].public_key().verify(
        base64.b64decode(params["sign"]),
        text.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_checkout_with_online_payment_sends_the_buyer_to_the_gateway(
    django_app,
    china,  # noqa: F811
    honey,  # noqa: F811
    gateway_settings,
):
    add_to_basket(django_app, honey.product)
    preview = reach_preview(django_app, payment_method="gateway")

    thank_you = preview.forms["place_order_form"].submit().maybe_follow()

    order = Order.objects.get()
    assert (order.payment_method, order.payment_status) == ("gateway", "awaiting")
    assert order.payment_due_at == order.date_placed + gateway_settings["PAY_WITHIN"]
    assert order.sources.get().source_type.name == "在线支付"
    form = thank_you.forms["gateway_payment_form"]
    assert form.action == GATEWAY_URL
    assert json.loads(form["biz_content"].value)["out_trade_no"] == order.number
    assert form["notify_url"].value == (
        "http://testserver" + reverse("payments:callback", args=["alipay"])
    )


def test_signed_callback_marks_the_order_paid(django_app, keys, online_order):
    params = signed_callback(keys["gateway"], online_order)

    response = post_callback(django_app, params)

    assert response.text == "success"
    online_order.refresh_from_db()
    assert online_order.payment_status == "paid"
    assert online_order.paid_at is not None
    notification = PaymentNotification.objects.get()
    assert (notification.gateway, notification.notification_id) == (
        "alipay",
        "ntf-0001",
    )
    assert notification.amount == Decimal("80.00")
    debit = Transaction.objects.get(source__order=online_order)
    assert (debit.txn_type, debit.amount, debit.reference) == (
        "Debit",
        Decimal("80.00"),
        "2026010522001400001",
    )
    event = PaymentEvent.objects.get(order=online_order)
    assert (event.event_type.name, event.amount) == ("已付款", Decimal("80.00"))


def test_replayed_notification_is_acknowledged_and_changes_nothing_twice(
    django_app, keys, online_order
):
    params = signed_callback(keys["gateway"], online_order)
    post_callback(django_app, params)
    after_first = snapshot(online_order)

    response = post_callback(django_app, params)

    assert response.text == "success"
    assert snapshot(online_order) == after_first
    assert after_first["transactions"] == 1
    assert PaymentNotification.objects.count() == 1


def test_callback_signed_by_another_key_is_refused(django_app, keys, online_order):
    before = snapshot(online_order)
    params = signed_callback(keys["stranger"], online_order)

    response = post_callback(django_app, params, status=400)

    assert response.text == "failure"
    assert snapshot(online_order) == before
    assert PaymentNotification.objects.count() == 0


def test_tampered_amount_breaks_the_signature(django_app, keys, online_order):
    before = snapshot(online_order)
    params = signed_callback(keys["gateway"], online_order)
    params["total_amount"] = "0.01"

    post_callback(django_app, params, status=400)

    assert snapshot(online_order) == before
    assert PaymentNotification.objects.count() == 0


def test_signed_callback_for_a_different_amount_is_refused(
    django_app, keys, online_order
):
    before = snapshot(online_order)
    params = signed_callback(keys["gateway"], online_order, total_amount="79.99")

    response = post_callback(django_app, params, status=400)

    assert response.text == "failure"
    assert snapshot(online_order) == before
    assert PaymentNotification.objects.count() == 0


def test_unsigned_callback_is_refused(django_app, keys, online_order):
    before = snapshot(online_order)
    params = signed_callback(keys["gateway"], online_order)
    del params["sign"]

    post_callback(django_app, params, status=400)

    assert snapshot(online_order) == before


def test_callback_for_an_unconfigured_gateway_is_refused(
    django_app, keys, online_order
):
    before = snapshot(online_order)
    params = signed_callback(keys["gateway"], online_order)

    post_callback(django_app, params, gateway="wechat", status=400)

    assert snapshot(online_order) == before


def test_callback_that_reports_no_payment_changes_nothing(
    django_app, keys, online_order
):
    before = snapshot(online_order)
    params = signed_callback(
        keys["gateway"], online_order, trade_status="WAIT_BUYER_PAY"
    )

    response = post_callback(django_app, params)

    assert response.text == "success"
    assert snapshot(online_order) == before
    assert PaymentNotification.objects.count() == 0


def test_completion_of_the_same_trade_is_kept_and_pays_nothing_twice(
    django_app, keys, online_order, caplog
):
    post_callback(django_app, signed_callback(keys["gateway"], online_order))
    after_first = snapshot(online_order)
    params = signed_callback(
        keys["gateway"],
        online_order,
        notify_id="ntf-0002",
        trade_status="TRADE_FINISHED",
    )

    response = post_callback(django_app, params)

    assert response.text == "success"
    assert snapshot(online_order) == after_first
    assert PaymentNotification.objects.count() == 2
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_second_trade_for_a_paid_order_is_kept_for_a_refund_by_hand(
    django_app, keys, online_order, caplog
):
    post_callback(django_app, signed_callback(keys["gateway"], online_order))
    after_first = snapshot(online_order)
    params = signed_callback(
        keys["gateway"], online_order, notify_id="ntf-0002", trade_no="T-SECOND"
    )

    response = post_callback(django_app, params)

    assert response.text == "success"
    assert snapshot(online_order) == after_first
    assert PaymentNotification.objects.count() == 2
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [
        "gateway payment for an order not awaiting it, refund by hand "
        f"order={online_order.number} gateway=alipay status=paid"
    ]


def test_payment_after_expiry_does_not_revive_the_order(django_app, keys, online_order):
    Order.objects.filter(pk=online_order.pk).update(payment_status="expired")
    before = snapshot(online_order)
    params = signed_callback(keys["gateway"], online_order)

    response = post_callback(django_app, params)

    assert response.text == "success"
    assert snapshot(online_order) == before
    assert before["payment_status"] == "expired"
    # Kept, so that staff can return the money the gateway took.
    assert PaymentNotification.objects.get().order == online_order


def test_verify_raises_for_a_wrong_signature(keys, online_order):
    params = signed_callback(keys["stranger"], online_order)

    with pytest.raises(InvalidSignature):
        get_gateway().verify_callback(params)
