"""Signatures of webhook requests, and how a partner's receiver checks them.

Every request carries

    X-Fupin-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>

where the HMAC is computed with the subscription's secret over the bytes
"<t>.<raw body>". Signing the time with the body lets a receiver refuse an
old request replayed later. Receivers written in Python may use
verify_signature below; in other languages, rebuild "<t>.<body>" from the
raw body exactly as received (before parsing the JSON), compute the HMAC
and compare it in constant time.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Fupin-Signature"
EVENT_HEADER = "X-Fupin-Event"
EVENT_ID_HEADER = "X-Fupin-Event-Id"


def signature_header(secret: str, body: bytes, *, timestamp: int) -> str:
    """Return the X-Fupin-Signature value of body signed at timestamp."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes | str,
    tolerance: int = 300,
    *,
    now: float | None = None,
) -> bool:
    """Return whether header is a fresh signature of body with secret.

    Pass the X-Fupin-Signature header and the raw request body. Return
    False when the header is malformed, when its time is more than
    tolerance seconds from now (a replay, or a badly set clock), or when
    no v1 value matches.
    """
    timestamp, signatures = _parse(header or "")
    if timestamp is None or not signatures:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    if isinstance(body, str):
        body = body.encode()
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in signatures)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _parse(header: str) -> tuple[int | None, list[str]]:
    timestamp = None
    signatures = []
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    return timestamp, signatures
