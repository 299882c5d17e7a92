"""Place an order outside the browser, once per idempotency key.

The partner API and other programs send lines and an idempotency key; the
order goes through the same OrderCreator as the storefront (conditional
stock allocation, voucher locks, attribution). Sending the same key again
with the same content returns the first order; with different content it
is refused.

Every line is checked before anything is written, and all the problems
found are reported together: an order is placed whole or not at all.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_class, get_model

from fulfillment.models import PlacementIntent
from fulfillment.payments import services as payments
from fulfillment.stock import InsufficientStock

logger = logging.getLogger(__name__)

Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")
Country = get_model("address", "Country")
OrderCreator = get_class("order.utils", "OrderCreator")
OrderNumberGenerator = get_class("order.utils", "OrderNumberGenerator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Repository = get_class("shipping.repository", "Repository")
Applicator = get_class("offer.applicator", "Applicator")

MAX_LINES = 500


class IdempotencyConflict(UnableToPlaceOrder):
    """The key was used before for different content."""


class LineProblemCode(StrEnum):
    INVALID_QUANTITY = "INVALID_QUANTITY"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    UNAVAILABLE = "UNAVAILABLE"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    REPEATED_PRODUCT = "REPEATED_PRODUCT"
    TOO_MANY_LINES = "TOO_MANY_LINES"


@dataclass(frozen=True)
class LineProblem:
    """Why one line cannot be ordered; index counts lines from 0."""

    index: int | None
    code: LineProblemCode
    message: str


class OrderLinesRefused(UnableToPlaceOrder):
    """Some lines cannot be ordered; no order was placed."""

    def __init__(self, problems: list[LineProblem]):
        self.problems = problems
        super().__init__(" ".join(problem.message for problem in problems))


@dataclass(frozen=True)
class OrderLineRequest:
    product_id: int
    quantity: int


def content_digest(
    *, lines, shipping_address: dict, user_id: int | None, payment_method: str = ""
) -> str:
    """Return a digest of what is ordered, for comparing repeated requests."""
    content = {
        "lines": sorted((line.product_id, line.quantity) for line in lines),
        "address": sorted(shipping_address.items()),
        "user": user_id,
        "payment": payment_method,
    }
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def check_lines(lines: list[OrderLineRequest]) -> list[LineProblem]:
    """Return every problem of lines, in line order; empty when all is well.

    Stock is checked as it is now; placing the order allocates it with a
    conditional update, so a buyer who is faster still wins the last units.
    """
    if not lines or len(lines) > MAX_LINES:
        message = _("An order has 1 to %(max)d lines, not %(count)d.") % {
            "max": MAX_LINES,
            "count": len(lines),
        }
        return [LineProblem(None, LineProblemCode.TOO_MANY_LINES, message)]
    products = _products_for_sale({line.product_id for line in lines})
    strategy = Default()
    problems = []
    seen: set[int] = set()
    for index, line in enumerate(lines):
        problem = _line_problem(line, products.get(line.product_id), seen, strategy)
        if problem is not None:
            code, message = problem
            number = _("Line %(number)d: ") % {"number": index + 1}
            problems.append(LineProblem(index, code, number + message))
        seen.add(line.product_id)
    return problems


def _products_for_sale(ids: set[int]) -> dict:
    products = Product.objects.browsable().filter(pk__in=ids)
    products = products.select_related("product_class", "parent__product_class")
    products = products.prefetch_related("stockrecords")
    return {product.pk: product for product in products}


def _line_problem(line: OrderLineRequest, product, seen: set[int], strategy):
    if line.quantity < 1:
        return LineProblemCode.INVALID_QUANTITY, _("the quantity must be at least 1.")
    if product is None:
        return LineProblemCode.UNKNOWN_PRODUCT, _("no product %(id)s is for sale.") % {
            "id": line.product_id
        }
    if line.product_id in seen:
        return LineProblemCode.REPEATED_PRODUCT, _(
            "this product is on an earlier line; order it on one line."
        )
    info = strategy.fetch_for_product(product)
    if not info.price.exists or not info.availability.is_available_to_buy:
        return LineProblemCode.UNAVAILABLE, _("“%(title)s” cannot be bought now.") % {
            "title": product.get_title()
        }
    allowed, _reason = info.availability.is_purchase_permitted(line.quantity)
    if not allowed:
        left = info.stockrecord.net_stock_level
        return LineProblemCode.INSUFFICIENT_STOCK, _(
            "only %(left)d of “%(title)s” left, not %(asked)d."
        ) % {"left": max(left, 0), "title": product.get_title(), "asked": line.quantity}
    return None


def _basket_for(lines, user) -> Basket:
    """Return a basket holding lines, with offers applied.

    Lines are written in one statement: Oscar's add_product reloads every
    line of the basket for each product added, which makes an order of 500
    lines cost minutes. The checks it makes (a price and a stockrecord)
    were made by check_lines already.
    """
    basket = Basket.objects.create(owner=user if user else None)
    basket.strategy = Default()
    products = _products_for_sale({line.product_id for line in lines})
    BasketLine.objects.bulk_create(
        _basket_line(basket, products[line.product_id], line.quantity) for line in lines
    )
    basket._lines = (
        basket.lines.select_related(
            "product__product_class", "product__producer", "stockrecord__partner"
        )
        .prefetch_related("attributes", "product__images", "product__stockrecords")
        .order_by("pk")
    )
    Applicator().apply(basket, user)
    return basket


def _basket_line(basket, product, quantity: int):
    # The same fields Oscar's Basket.add_product stores.
    info = basket.strategy.fetch_for_product(product)
    price = info.price
    return BasketLine(
        basket=basket,
        line_reference=basket._create_line_reference(product, info.stockrecord, []),
        product=product,
        stockrecord=info.stockrecord,
        quantity=quantity,
        price_currency=price.currency,
        price_excl_tax=price.excl_tax,
        price_incl_tax=price.incl_tax if price.is_tax_known else None,
        tax_code=price.tax_code,
    )


def _address(fields: dict) -> ShippingAddress:
    country = Country.objects.get(iso_3166_1_a2=fields.get("country", "CN"))
    values = {k: v for k, v in fields.items() if k != "country"}
    return ShippingAddress.objects.create(country=country, **values)


def _place(*, lines, shipping_address: dict, user, payment_method: str):
    basket = _basket_for(lines, user)
    method = Repository().get_default_shipping_method(
        basket=basket, user=user, shipping_addr=None
    )
    charge = method.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, charge)
    number = OrderNumberGenerator().order_number(basket)
    placed_at = timezone.now()
    terms = payments.payment_terms(
        method=payment_method, order_number=number, placed_at=placed_at
    )
    order = OrderCreator().place_order(
        basket=basket,
        total=total,
        shipping_method=method,
        shipping_charge=charge,
        user=user,
        shipping_address=_address(shipping_address),
        order_number=number,
        date_placed=placed_at,
        **terms,
    )
    source = payments.payment_source(
        method=payment_method, amount=total.incl_tax, reference=number
    )
    source.order = order
    source.save()
    basket.submit()
    return order


def _line_of_shortage(lines, error: InsufficientStock) -> LineProblem:
    index = next(
        (i for i, line in enumerate(lines) if line.product_id == error.product_id),
        None,
    )
    return LineProblem(index, LineProblemCode.INSUFFICIENT_STOCK, str(error))


def order_place(
    *,
    key: str,
    lines: list[OrderLineRequest],
    shipping_address: dict,
    user=None,
    app=None,
    payment_method: str = Order.PaymentMethod.BANK_TRANSFER,
):
    """Place an order for lines once per idempotency key; return it.

    Keys are counted per partner app (app None for programs without one).
    Return the order already placed under key when the content is the same.
    Raise IdempotencyConflict when key was used for other content,
    OrderLinesRefused listing every line that cannot be ordered (stock taken
    by a faster buyer included), WrongPaymentMethod, and VoucherUnavailable;
    then nothing is stored, not even the key, so a corrected retry may use
    it.
    """
    digest = content_digest(
        lines=lines,
        shipping_address=shipping_address,
        user_id=getattr(user, "pk", None),
        payment_method=payment_method,
    )
    replayed = _replay(app=app, key=key, digest=digest)
    if replayed is not None:
        return replayed

    problems = check_lines(lines)
    if problems:
        raise OrderLinesRefused(problems)
    try:
        order = _place_once(
            app=app,
            key=key,
            digest=digest,
            lines=lines,
            shipping_address=shipping_address,
            user=user,
            payment_method=payment_method,
        )
    except InsufficientStock as error:
        raise OrderLinesRefused([_line_of_shortage(lines, error)]) from error
    except IntegrityError:
        # A concurrent request with the same key committed while this one
        # waited on the unique index.
        replayed = _replay(app=app, key=key, digest=digest)
        if replayed is None:
            raise
        return replayed
    logger.info("order placed by key order=%s app=%s", order.number, app and app.pk)
    return order


def _place_once(*, app, key: str, digest: str, **placement):
    with transaction.atomic():
        intent = PlacementIntent.objects.create(app=app, key=key, content_digest=digest)
        order = _place(**placement)
        intent.order = order
        intent.save(update_fields=["order"])
    return order


def _replay(*, app, key: str, digest: str):
    """Return the order placed before under key, or None if there is none.

    Raise IdempotencyConflict when key was used for other content.
    """
    intent = (
        PlacementIntent.objects.select_related("order").filter(app=app, key=key).first()
    )
    if intent is None:
        return None
    if intent.content_digest != digest:
        logger.warning(
            "idempotency key reused for other content app=%s", app and app.pk
        )
        raise IdempotencyConflict(
            _("The idempotency key %(key)s was already used for a different order.")
            % {"key": key}
        )
    logger.info("repeated request answered order=%s", intent.order.number)
    return intent.order
