"""Rules of placing an order that Oscar leaves open.

What the buyer saw must be what is ordered (the basket fingerprint), a
voucher is checked under a row lock, and the same basket never becomes two
orders.
"""

import hashlib
import json
import logging

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import UnableToPlaceOrder

logger = logging.getLogger(__name__)


class BasketChanged(UnableToPlaceOrder):
    """The basket differs from the one the buyer reviewed."""


class VoucherUnavailable(UnableToPlaceOrder):
    """A voucher in the basket can no longer be used."""

    def __init__(self, message: str, *, voucher):
        self.voucher = voucher
        super().__init__(message)


class DuplicateOrder(UnableToPlaceOrder):
    """An order was already placed for this basket or idempotency key."""

    def __init__(self, *, order_number: str):
        self.order_number = order_number
        super().__init__(
            _("Order %(number)s has already been placed for this basket.")
            % {"number": order_number}
        )


def basket_fingerprint(basket) -> str:
    """Return a digest of what the buyer is about to order and pay.

    Covers every line's product, stockrecord, quantity and discounted price,
    the vouchers and the basket total, so any change made in another tab
    between preview and "place order" changes it.
    """
    lines = sorted(
        (
            line.product_id,
            line.stockrecord_id,
            line.quantity,
            str(line.line_price_incl_tax_incl_discounts),
        )
        for line in basket.all_lines()
    )
    content = {
        "lines": lines,
        "vouchers": sorted(v.code for v in basket.vouchers.all()),
        "total": str(basket.total_incl_tax),
    }
    encoded = json.dumps(content, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


def check_fingerprint(basket, submitted: str) -> None:
    """Raise BasketChanged unless submitted matches the basket as it is now."""
    if submitted != basket_fingerprint(basket):
        raise BasketChanged(
            _(
                "Your basket changed after you reviewed it (perhaps in another "
                "window). Please check the order below and place it again."
            )
        )


def lock_vouchers(*, basket, user) -> None:
    """Lock the basket's vouchers and check each can still be used.

    Raise VoucherUnavailable naming the voucher when it has expired or was
    used up, e.g. by a buyer who placed an order a moment earlier. The row
    lock makes concurrent checkouts with a single-use voucher take turns.
    """
    vouchers = basket.vouchers.select_for_update().order_by("pk")
    check_vouchers(vouchers, user=user or AnonymousUser())


def check_vouchers(vouchers, *, user) -> None:
    """Raise VoucherUnavailable for the first voucher that cannot be used."""
    for voucher in vouchers:
        if not voucher.is_active():
            raise VoucherUnavailable(
                _("Voucher %(code)s has expired and was removed from your basket.")
                % {"code": voucher.code},
                voucher=voucher,
            )
        available, message = voucher.is_available_to_user(user=user)
        if not available:
            raise VoucherUnavailable(
                _("Voucher %(code)s can no longer be used: %(reason)s")
                % {"code": voucher.code, "reason": message},
                voucher=voucher,
            )
