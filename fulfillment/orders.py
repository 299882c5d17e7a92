"""Place an order outside the browser, once per idempotency key.

The partner API and other programs send lines and an idempotency key; the
order goes through the same OrderCreator as the storefront (conditional
stock allocation, voucher locks, attribution). Sending the same key again
with the same content returns the first order; with different content it
is refused.
"""

import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_class, get_model

from fulfillment.models import PlacementIntent
from fulfillment.stock import InvalidQuantity

logger = logging.getLogger(__name__)

Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")
Country = get_model("address", "Country")
OrderCreator = get_class("order.utils", "OrderCreator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Repository = get_class("shipping.repository", "Repository")
Applicator = get_class("offer.applicator", "Applicator")


class IdempotencyConflict(UnableToPlaceOrder):
    """The key was used before for different content."""


class UnknownProduct(UnableToPlaceOrder):
    """A line names a product that does not exist or is not for sale."""


@dataclass(frozen=True)
class OrderLineRequest:
    product_id: int
    quantity: int


def content_digest(*, lines, shipping_address: dict, user_id: int | None) -> str:
    """Return a digest of what is ordered, for comparing repeated requests."""
    content = {
        "lines": sorted((line.product_id, line.quantity) for line in lines),
        "address": sorted(shipping_address.items()),
        "user": user_id,
    }
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def _basket_for(lines, user) -> Basket:
    basket = Basket.objects.create(owner=user if user else None)
    basket.strategy = Default()
    for index, line in enumerate(lines, start=1):
        if line.quantity < 1:
            raise InvalidQuantity(
                _("Line %(index)d: the quantity must be at least 1.") % {"index": index}
            )
        product = Product.objects.browsable().filter(pk=line.product_id).first()
        if product is None:
            raise UnknownProduct(
                _("Line %(index)d: no product %(id)s is for sale.")
                % {"index": index, "id": line.product_id}
            )
        basket.add_product(product, line.quantity)
    Applicator().apply(basket, user)
    return basket


def _address(fields: dict) -> ShippingAddress:
    country = Country.objects.get(iso_3166_1_a2=fields.get("country", "CN"))
    values = {k: v for k, v in fields.items() if k != "country"}
    return ShippingAddress.objects.create(country=country, **values)


def _place(*, lines, shipping_address: dict, user):
    basket = _basket_for(lines, user)
    method = Repository().get_default_shipping_method(
        basket=basket, user=user, shipping_addr=None
    )
    charge = method.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, charge)
    order = OrderCreator().place_order(
        basket=basket,
        total=total,
        shipping_method=method,
        shipping_charge=charge,
        user=user,
        shipping_address=_address(shipping_address),
    )
    basket.submit()
    return order


def order_place(*, key: str, lines, shipping_address: dict, user=None, app=None):
    """Place an order for lines once per idempotency key; return it.

    Keys are counted per partner app (app None for programs without one).
    Return the order already placed under key when the content is the same.
    Raise IdempotencyConflict when key was used for other content, and the
    placement errors (InsufficientStock, InvalidQuantity, UnknownProduct,
    VoucherUnavailable) when the order cannot be placed; then nothing is
    stored, not even the key, so a corrected retry may use it.
    """
    digest = content_digest(
        lines=lines,
        shipping_address=shipping_address,
        user_id=getattr(user, "pk", None),
    )
    try:
        with transaction.atomic():
            intent = PlacementIntent.objects.create(
                app=app, key=key, content_digest=digest
            )
            order = _place(lines=lines, shipping_address=shipping_address, user=user)
            intent.order = order
            intent.save(update_fields=["order"])
    except IntegrityError:
        # The key exists: placed earlier, or by a concurrent request that
        # committed while this one waited on the unique index.
        if not PlacementIntent.objects.filter(app=app, key=key).exists():
            raise
        return _replay(app=app, key=key, digest=digest)
    logger.info("order placed by key order=%s", order.number)
    return order


def _replay(*, app, key: str, digest: str):
    intent = PlacementIntent.objects.select_related("order").get(app=app, key=key)
    if intent.content_digest != digest:
        logger.warning("idempotency key reused for other content key=%s", key)
        raise IdempotencyConflict(
            _("The idempotency key %(key)s was already used for a different order.")
            % {"key": key}
        )
    logger.info("repeated request answered order=%s", intent.order.number)
    return intent.order
