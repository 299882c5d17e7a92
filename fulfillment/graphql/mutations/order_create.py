"""orderCreate: a bulk order, placed once per idempotency key."""

import logging

import graphene
from oscar.core.loading import get_model

from fulfillment import orders
from fulfillment.graphql.errors import OrderError, OrderErrorCode
from fulfillment.graphql.types import OrderType, PaymentMethod, with_order_relations
from fulfillment.payments.services import WrongPaymentMethod
from fulfillment.placement import VoucherUnavailable
from shop.graphql.auth import require_scope
from shop.graphql.ids import pk_of_global_id
from shop.graphql.types import enum_value

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")

KEY_MAX_LENGTH = 64
API_METHODS = {Order.PaymentMethod.BANK_TRANSFER, Order.PaymentMethod.CASH_ON_DELIVERY}


class OrderLineInput(graphene.InputObjectType):
    class Meta:
        description = "One product and how many units of it."

    product = graphene.ID(required=True, description="The product's `id`.")
    quantity = graphene.Int(required=True, description="Units, at least 1.")


class AddressInput(graphene.InputObjectType):
    class Meta:
        description = "Where the order goes, written as a Chinese address is."

    name = graphene.String(required=True, description="Recipient's full name.")
    phone_number = graphene.String(description="Recipient's phone, e.g. 13800138000.")
    province = graphene.String(required=True, description="Province, e.g. 北京市.")
    city = graphene.String(required=True, description="City or county, e.g. 海淀区.")
    street = graphene.String(required=True, description="Street address.")
    building = graphene.String(description="Building and room, if any.")
    postcode = graphene.String(required=True, description="Six-digit postcode.")


class OrderCreateInput(graphene.InputObjectType):
    class Meta:
        description = "An order of up to 500 lines."

    idempotency_key = graphene.String(
        required=True,
        description="Your own unique key for this order, 1 to 64 characters. "
        "Sending the same key and content again returns the first order; the "
        "same key with other content is refused.",
    )
    lines = graphene.List(
        graphene.NonNull(OrderLineInput),
        required=True,
        description="What to order, 1 to 500 lines, each product once.",
    )
    shipping_address = graphene.Field(
        AddressInput, required=True, description="Where to deliver."
    )
    payment_method = graphene.Field(
        PaymentMethod,
        default_value=Order.PaymentMethod.BANK_TRANSFER.value,
        description="BANK_TRANSFER (the default) or CASH_ON_DELIVERY.",
    )


class OrderCreate(graphene.Mutation):
    class Meta:
        description = (
            "Place an order for the calling app (scope `orders`). All or "
            "nothing: if any line has a problem, no order is placed and every "
            "line's problem is returned in `errors`."
        )

    class Arguments:
        input = OrderCreateInput(required=True, description="The order.")

    order = graphene.Field(OrderType, description="The order; null on errors.")
    errors = graphene.List(
        graphene.NonNull(OrderError),
        required=True,
        description="Problems with the input; empty when the order was placed.",
    )

    @classmethod
    def mutate(cls, root, info, input):
        app = require_scope(info, "orders")
        errors = _input_errors(input)
        if errors:
            return cls(order=None, errors=errors)

        try:
            order = orders.order_place(
                key=input.idempotency_key,
                lines=_line_requests(input.lines),
                shipping_address=_address(input.shipping_address),
                app=app,
                payment_method=enum_value(input.payment_method),
            )
        except orders.OrderLinesRefused as refused:
            return cls(order=None, errors=[_line_error(p) for p in refused.problems])
        except orders.IdempotencyConflict as error:
            return cls(order=None, errors=[_error(error, "IDEMPOTENCY_CONFLICT")])
        except VoucherUnavailable as error:
            return cls(order=None, errors=[_error(error, "VOUCHER_UNAVAILABLE")])
        except WrongPaymentMethod as error:
            return cls(order=None, errors=[_error(error, "PAYMENT_METHOD_UNAVAILABLE")])
        return cls(order=_reloaded(order), errors=[])


def _error(error, code: str, field: str = "input") -> OrderError:
    return OrderError(field=field, code=OrderErrorCode.get(code), message=str(error))


def _line_error(problem: orders.LineProblem) -> OrderError:
    field = "input.lines"
    if problem.index is not None:
        part = "quantity" if problem.code == "INVALID_QUANTITY" else "product"
        field = f"input.lines.{problem.index}.{part}"
    return OrderError(
        field=field, code=OrderErrorCode.get(problem.code), message=problem.message
    )


def _input_errors(data) -> list[OrderError]:
    errors = []
    key = data.idempotency_key
    if not key.strip() or len(key) > KEY_MAX_LENGTH:
        errors.append(
            OrderError(
                field="input.idempotencyKey",
                code=OrderErrorCode.INVALID,
                message=f"The key must be 1 to {KEY_MAX_LENGTH} characters.",
            )
        )
    if enum_value(data.payment_method) not in API_METHODS:
        errors.append(
            OrderError(
                field="input.paymentMethod",
                code=OrderErrorCode.PAYMENT_METHOD_UNAVAILABLE,
                message="Orders placed through the API are paid by "
                "BANK_TRANSFER or CASH_ON_DELIVERY.",
            )
        )
    for index, line in enumerate(data.lines):
        if pk_of_global_id(line.product, type_name="Product") is None:
            errors.append(
                OrderError(
                    field=f"input.lines.{index}.product",
                    code=OrderErrorCode.INVALID,
                    message=f"“{line.product}” is not a product id.",
                )
            )
    return errors + _address_errors(data.shipping_address)


def _address_errors(address) -> list[OrderError]:
    required = ("name", "province", "city", "street", "postcode")
    return [
        OrderError(
            field=f"input.shippingAddress.{name}",
            code=OrderErrorCode.INVALID,
            message="This cannot be blank.",
        )
        for name in required
        if not (getattr(address, name) or "").strip()
    ]


def _line_requests(lines) -> list[orders.OrderLineRequest]:
    return [
        orders.OrderLineRequest(
            product_id=pk_of_global_id(line.product, type_name="Product"),
            quantity=line.quantity,
        )
        for line in lines
    ]


def _address(address) -> dict:
    return {
        "first_name": address.name.strip(),
        "phone_number": (address.phone_number or "").strip(),
        "state": address.province.strip(),
        "line4": address.city.strip(),
        "line1": address.street.strip(),
        "line2": (address.building or "").strip(),
        "postcode": address.postcode.strip(),
    }


def _reloaded(order):
    return with_order_relations(Order.objects.filter(pk=order.pk)).get()
