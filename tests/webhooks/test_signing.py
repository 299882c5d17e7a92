"""Signatures partners check: HMAC-SHA256 of "<t>.<body>", fresh in time."""

import hashlib
import hmac

from shop.webhooks.signing import signature_header, verify_signature

SECRET = "whsec_test-secret"
BODY = b'{"event": "order.paid", "data": {"order_number": "100001"}}'
T = 1796356800  # 2026-12-04 08:00:00 Asia/Shanghai


def expected_hex(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_the_header_carries_the_time_and_the_hmac():
    header = signature_header(SECRET, BODY, timestamp=T)

    assert header == f"t={T},v1={expected_hex(SECRET, T, BODY)}"


def test_a_signature_verifies_with_the_secret_only():
    header = signature_header(SECRET, BODY, timestamp=T)

    assert verify_signature(SECRET, header, BODY, now=T + 10) is True
    assert verify_signature("whsec_other", header, BODY, now=T + 10) is False


def test_a_changed_body_does_not_verify():
    header = signature_header(SECRET, BODY, timestamp=T)

    assert verify_signature(SECRET, header, BODY + b" ", now=T) is False


def test_a_text_body_is_read_as_utf8():
    body = '{"title": "丹寨硒锌茶"}'
    header = f"t={T},v1={expected_hex(SECRET, T, body.encode())}"

    assert verify_signature(SECRET, header, body, now=T) is True


def test_an_old_or_future_signature_is_refused():
    header = signature_header(SECRET, BODY, timestamp=T)

    assert verify_signature(SECRET, header, BODY, now=T + 300) is True
    assert verify_signature(SECRET, header, BODY, now=T + 301) is False
    assert verify_signature(SECRET, header, BODY, now=T - 301) is False
    assert verify_signature(SECRET, header, BODY, tolerance=600, now=T + 301) is True


def test_any_matching_v1_is_enough():
    good = expected_hex(SECRET, T, BODY)
    header = f"t={T},v1={'0' * 64},v1={good}"

    assert verify_signature(SECRET, header, BODY, now=T) is True


def test_malformed_headers_are_refused():
    good = expected_hex(SECRET, T, BODY)

    for header in ("", f"v1={good}", f"t={T}", f"t=soon,v1={good}", good, None):
        assert verify_signature(SECRET, header, BODY, now=T) is False
