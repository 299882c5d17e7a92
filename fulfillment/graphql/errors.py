"""Typed errors of the order and shipment mutations."""

import graphene

from fulfillment.orders import LineProblemCode
from fulfillment.shipments import Problem
from shop.graphql.errors import MutationError


class OrderErrorCode(graphene.Enum):
    class Meta:
        description = "Why an order mutation refused its input."

    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    INVALID_QUANTITY = LineProblemCode.INVALID_QUANTITY.value
    UNKNOWN_PRODUCT = LineProblemCode.UNKNOWN_PRODUCT.value
    UNAVAILABLE = LineProblemCode.UNAVAILABLE.value
    INSUFFICIENT_STOCK = LineProblemCode.INSUFFICIENT_STOCK.value
    REPEATED_PRODUCT = LineProblemCode.REPEATED_PRODUCT.value
    TOO_MANY_LINES = LineProblemCode.TOO_MANY_LINES.value
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    PAYMENT_METHOD_UNAVAILABLE = "PAYMENT_METHOD_UNAVAILABLE"
    VOUCHER_UNAVAILABLE = "VOUCHER_UNAVAILABLE"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"

    @property
    def description(self) -> str:
        return {
            OrderErrorCode.INVALID: "A value of the wrong form, e.g. a "
            "malformed id or a blank required text.",
            OrderErrorCode.NOT_FOUND: "No such order of this app.",
            OrderErrorCode.INVALID_QUANTITY: "A quantity below 1.",
            OrderErrorCode.UNKNOWN_PRODUCT: "No such product is for sale.",
            OrderErrorCode.UNAVAILABLE: "The product has no price or stock "
            "record and cannot be bought now.",
            OrderErrorCode.INSUFFICIENT_STOCK: "Fewer units are left than "
            "the line asks for; the message says how many.",
            OrderErrorCode.REPEATED_PRODUCT: "The product is on an earlier "
            "line; order each product on one line.",
            OrderErrorCode.TOO_MANY_LINES: "An order has 1 to 500 lines.",
            OrderErrorCode.IDEMPOTENCY_CONFLICT: "The idempotency key was "
            "used before for a different order.",
            OrderErrorCode.PAYMENT_METHOD_UNAVAILABLE: "The payment method "
            "cannot be used through the API.",
            OrderErrorCode.VOUCHER_UNAVAILABLE: "A voucher can no longer be used.",
            OrderErrorCode.NOT_CANCELLABLE: "The order has shipped units and "
            "cannot be cancelled whole.",
        }[self]


class OrderError(MutationError):
    class Meta:
        description = "A problem with an order mutation's input."

    code = graphene.Field(OrderErrorCode, required=True, description="What kind.")


class ShipmentErrorCode(graphene.Enum):
    class Meta:
        description = "Why shipmentCreate refused its input."

    INVALID = "INVALID"
    NOT_FOUND = Problem.NOT_FOUND.value
    INVALID_QUANTITY = Problem.INVALID_QUANTITY.value
    MORE_THAN_LEFT = Problem.MORE_THAN_LEFT.value
    NOT_SHIPPABLE = Problem.NOT_SHIPPABLE.value
    NOT_PAID = Problem.NOT_PAID.value
    TRACKING_NUMBER_USED = Problem.TRACKING_NUMBER_USED.value
    REPEATED_LINE = Problem.REPEATED_LINE.value
    SEVERAL_ORDERS = Problem.SEVERAL_ORDERS.value
    REQUIRED = Problem.REQUIRED.value
    TOO_LONG = Problem.TOO_LONG.value
    TOO_MANY_LINES = Problem.TOO_MANY_LINES.value

    @property
    def description(self) -> str:
        return {
            ShipmentErrorCode.INVALID: "A malformed id.",
            ShipmentErrorCode.NOT_FOUND: "No such line of the app's producer.",
            ShipmentErrorCode.INVALID_QUANTITY: "A quantity below 1.",
            ShipmentErrorCode.MORE_THAN_LEFT: "More units than are left to ship.",
            ShipmentErrorCode.NOT_SHIPPABLE: "The line is cancelled, refunded "
            "or already shipped.",
            ShipmentErrorCode.TRACKING_NUMBER_USED: "The carrier's tracking "
            "number names a parcel recorded before with other lines.",
            ShipmentErrorCode.NOT_PAID: "The order awaits its payment; "
            "cash-on-delivery orders ship at once.",
            ShipmentErrorCode.REPEATED_LINE: "The line is in the shipment twice.",
            ShipmentErrorCode.SEVERAL_ORDERS: "A shipment holds lines of one "
            "order only.",
            ShipmentErrorCode.REQUIRED: "A required text is blank.",
            ShipmentErrorCode.TOO_LONG: "A text is longer than 64 characters.",
            ShipmentErrorCode.TOO_MANY_LINES: "A shipment has 1 to 500 lines.",
        }[self]


class ShipmentError(MutationError):
    class Meta:
        description = "A problem with shipmentCreate's input."

    code = graphene.Field(ShipmentErrorCode, required=True, description="What kind.")
