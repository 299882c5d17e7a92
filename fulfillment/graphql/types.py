"""Orders, shipments and impact as partner apps see them.

An app reaches an `Order` only when it placed it; a cooperative reaches its
producer's lines only as `FulfilmentLine`, which has no way back to the rest
of the order. Household figures carry an opaque token made for the asking
app, never a registry number.
"""

from decimal import Decimal

import graphene
from django.db.models import Prefetch, QuerySet
from django.utils.crypto import salted_hmac
from graphene_django import DjangoObjectType
from oscar.core.loading import get_model

from catalog.catalogue.models import Product as ProductModel
from catalog.graphql.types import Producer, Product, Village, with_product_relations
from catalog.models import Household
from fulfillment import lines as line_statuses
from fulfillment.models import AttributionEntry, LineAdjustment, ShipmentLine
from fulfillment.models import Shipment as ShipmentModel
from fulfillment.shipments import SHIPPABLE
from shop.graphql.connections import CountableConnection
from shop.graphql.types import Money, MoneyValue

Order = get_model("order", "Order")
Line = get_model("order", "Line")

ZERO = Decimal("0.00")
LINE_STATUS_NAMES = line_statuses.MACHINE_NAMES


def cny(amount: Decimal) -> MoneyValue:
    return MoneyValue(amount, "CNY")


class OrderStatus(graphene.Enum):
    class Meta:
        description = (
            "Where an order or a line stands. An order's status follows from "
            "its lines'."
        )

    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    PARTLY_SHIPPED = "PARTLY_SHIPPED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"

    @property
    def description(self) -> str:
        return {
            OrderStatus.PENDING: "Placed; the producers have not confirmed yet.",
            OrderStatus.CONFIRMED: "Confirmed by the producers; nothing has "
            "shipped yet.",
            OrderStatus.PARTLY_SHIPPED: "Some lines or units have shipped, "
            "others not yet; a line with some of its units out.",
            OrderStatus.SHIPPED: "Everything not cancelled has shipped.",
            OrderStatus.DELIVERED: "Everything not cancelled was delivered.",
            OrderStatus.CANCELLED: "Cancelled before shipping; nothing is due.",
            OrderStatus.REFUNDED: "Refunded, at least in part, after shipping, "
            "and closed.",
        }[self]


class PaymentMethod(graphene.Enum):
    class Meta:
        description = "How an order is paid."

    BANK_TRANSFER = Order.PaymentMethod.BANK_TRANSFER.value
    CASH_ON_DELIVERY = Order.PaymentMethod.CASH_ON_DELIVERY.value
    GATEWAY = Order.PaymentMethod.GATEWAY.value

    @property
    def description(self) -> str:
        return {
            PaymentMethod.BANK_TRANSFER: "A bank transfer quoting the payment "
            "reference, confirmed by the shop's staff; unpaid orders expire.",
            PaymentMethod.CASH_ON_DELIVERY: "Paid to the carrier on delivery.",
            PaymentMethod.GATEWAY: "An online payment gateway (browser only).",
        }[self]


class PaymentStatus(graphene.Enum):
    class Meta:
        description = "Whether an order's money has come."

    AWAITING = Order.PaymentStatus.AWAITING.value
    ON_DELIVERY = Order.PaymentStatus.ON_DELIVERY.value
    PAID = Order.PaymentStatus.PAID.value
    EXPIRED = Order.PaymentStatus.EXPIRED.value

    @property
    def description(self) -> str:
        return {
            PaymentStatus.AWAITING: "Waiting for the money until `payBy`.",
            PaymentStatus.ON_DELIVERY: "To be paid on delivery.",
            PaymentStatus.PAID: "Paid.",
            PaymentStatus.EXPIRED: "Not paid in time; the order was cancelled.",
        }[self]


class Impact(graphene.ObjectType):
    class Meta:
        description = (
            "What sales brought registry households, net of cancellations and refunds."
        )

    attributed = graphene.Field(
        Money,
        required=True,
        description="Amount attributed to households, counted or not.",
    )
    counted = graphene.Field(
        Money,
        required=True,
        description="The part of `attributed` that counts as poverty-"
        "alleviation purchasing (certificate valid, household eligible).",
    )
    household_count = graphene.Int(
        required=True, description="Households attributed a share."
    )

    @staticmethod
    def resolve_attributed(root: dict, info) -> MoneyValue:
        return cny(root["attributed"])

    @staticmethod
    def resolve_counted(root: dict, info) -> MoneyValue:
        return cny(root["counted"])

    @staticmethod
    def resolve_household_count(root: dict, info) -> int:
        return root["household_count"]


def _entries_impact(entries) -> dict:
    """Return the net impact of prefetched entries, summed exactly."""
    net: dict[int, Decimal] = {}
    counted = ZERO
    for entry in entries:
        net[entry.household_id] = net.get(entry.household_id, ZERO) + entry.amount
        if entry.is_counted:
            counted += entry.amount
    return {
        "attributed": sum(net.values(), ZERO),
        "counted": counted,
        "household_count": sum(1 for amount in net.values() if amount > 0),
    }


def _quantity(line, related: str) -> int:
    return sum(item.quantity for item in getattr(line, related).all())


class LineFields(graphene.ObjectType):
    """What an order line and a fulfilment line both show."""

    class Meta:
        abstract = True

    title = graphene.String(required=True, description="Product title when ordered.")
    product = graphene.Field(
        Product, description="The product; null if it is no longer on sale."
    )
    producer = graphene.Field(Producer, description="The producer who ships this line.")
    quantity = graphene.Int(required=True, description="Units ordered.")
    quantity_cancelled = graphene.Int(
        required=True, description="Units cancelled or refunded since."
    )
    quantity_shipped = graphene.Int(required=True, description="Units shipped.")
    quantity_left_to_ship = graphene.Int(
        required=True, description="Units neither shipped nor cancelled."
    )
    unit_price = graphene.Field(
        Money, required=True, description="Price of one unit, before discounts."
    )
    total = graphene.Field(
        Money,
        required=True,
        description="What the buyer pays for the line, after discounts.",
    )
    status = graphene.Field(OrderStatus, required=True, description="Line status.")

    @staticmethod
    def resolve_product(root, info):
        product = root.product
        if product is None or not product.is_public:
            return None
        return product

    @staticmethod
    def resolve_producer(root, info):
        return root.partner

    @staticmethod
    def resolve_quantity_cancelled(root, info) -> int:
        return _quantity(root, "adjustments")

    @staticmethod
    def resolve_quantity_shipped(root, info) -> int:
        return _quantity(root, "shipment_lines")

    @staticmethod
    def resolve_quantity_left_to_ship(root, info) -> int:
        if root.status not in SHIPPABLE:
            return 0
        taken = _quantity(root, "adjustments") + _quantity(root, "shipment_lines")
        return root.quantity - taken

    @staticmethod
    def resolve_unit_price(root, info) -> MoneyValue:
        return cny(root.unit_price_incl_tax)

    @staticmethod
    def resolve_total(root, info) -> MoneyValue:
        return cny(root.line_price_incl_tax)

    @staticmethod
    def resolve_status(root, info) -> str:
        return LINE_STATUS_NAMES[root.status]


class OrderLine(LineFields, DjangoObjectType):
    class Meta:
        model = Line
        name = "OrderLine"
        description = "A line of an order: one product from one producer."
        interfaces = (graphene.relay.Node,)
        fields = ("title", "quantity")

    impact = graphene.Field(
        Impact, required=True, description="What the line brought households."
    )

    @staticmethod
    def resolve_impact(root, info) -> dict:
        return _entries_impact(root.attribution_entries.all())


class ShipmentLineType(graphene.ObjectType):
    class Meta:
        name = "ShipmentLine"
        description = "Units of one order line in a shipment."

    line_id = graphene.ID(
        required=True,
        description="The id of the order line, as `OrderLine.id` and "
        "`FulfilmentLine.id` give it.",
    )
    quantity = graphene.Int(required=True, description="Units shipped.")

    @staticmethod
    def resolve_line_id(root: ShipmentLine, info) -> str:
        return graphene.relay.Node.to_global_id("OrderLine", root.line_id)


class Shipment(DjangoObjectType):
    class Meta:
        model = ShipmentModel
        name = "Shipment"
        description = "Units a producer sent, with the carrier's tracking number."
        interfaces = (graphene.relay.Node,)
        fields = ("carrier", "tracking_number")

    carrier = graphene.String(required=True, description="Carrier, e.g. 顺丰速运.")
    tracking_number = graphene.String(
        required=True, description="The carrier's tracking number."
    )
    shipped_at = graphene.DateTime(required=True, description="When it was sent.")
    producer = graphene.Field(Producer, required=True, description="Who sent it.")
    lines = graphene.List(
        graphene.NonNull(ShipmentLineType),
        required=True,
        description="What it holds.",
    )

    @staticmethod
    def resolve_shipped_at(root: ShipmentModel, info):
        return root.created_at

    @staticmethod
    def resolve_lines(root: ShipmentModel, info):
        return root.lines.all()


class OrderType(DjangoObjectType):
    class Meta:
        model = Order
        name = "Order"
        description = "An order the calling app placed."
        interfaces = (graphene.relay.Node,)
        connection_class = CountableConnection
        fields = ("number",)

    number = graphene.String(
        required=True, description="Order number, as shown to staff and buyers."
    )
    status = graphene.Field(
        OrderStatus, required=True, description="Status, derived from the lines."
    )
    placed_at = graphene.DateTime(required=True, description="When it was placed.")
    payment_method = graphene.Field(
        PaymentMethod, required=True, description="How it is paid."
    )
    payment_status = graphene.Field(
        PaymentStatus, required=True, description="Whether the money came."
    )
    payment_reference = graphene.String(
        description="Reference to quote on a bank transfer; null otherwise."
    )
    pay_by = graphene.DateTime(
        description="When an unpaid order expires; null if it does not."
    )
    subtotal = graphene.Field(
        Money, required=True, description="Lines after discounts, before shipping."
    )
    shipping = graphene.Field(Money, required=True, description="Shipping charge.")
    total = graphene.Field(Money, required=True, description="What is to be paid.")
    lines = graphene.List(
        graphene.NonNull(OrderLine), required=True, description="Its lines."
    )
    shipments = graphene.List(
        graphene.NonNull(Shipment),
        required=True,
        description="What the producers sent so far, oldest first.",
    )
    impact = graphene.Field(
        Impact,
        required=True,
        description="What the order brought registry households.",
    )

    @staticmethod
    def resolve_status(root, info) -> str:
        return LINE_STATUS_NAMES.get(root.status, "PENDING")

    @staticmethod
    def resolve_placed_at(root, info):
        return root.date_placed

    @staticmethod
    def resolve_payment_reference(root, info) -> str | None:
        return root.payment_reference or None

    @staticmethod
    def resolve_pay_by(root, info):
        return root.payment_due_at

    @staticmethod
    def resolve_subtotal(root, info) -> MoneyValue:
        return cny(root.basket_total_incl_tax)

    @staticmethod
    def resolve_shipping(root, info) -> MoneyValue:
        return cny(root.shipping_incl_tax)

    @staticmethod
    def resolve_total(root, info) -> MoneyValue:
        return cny(root.total_incl_tax)

    @staticmethod
    def resolve_lines(root, info):
        return root.lines.all()

    @staticmethod
    def resolve_shipments(root, info):
        return root.shipments.all()

    @staticmethod
    def resolve_impact(root, info) -> dict:
        # The lines' entries are loaded with the lines already.
        entries = [
            e for line in root.lines.all() for e in line.attribution_entries.all()
        ]
        return _entries_impact(entries)


class ShippingAddress(graphene.ObjectType):
    class Meta:
        description = (
            "Where a line goes. Shown only to the producer who ships it, for "
            "shipping it."
        )

    name = graphene.String(required=True, description="Recipient.")
    phone_number = graphene.String(description="Recipient's phone, if given.")
    address = graphene.String(
        required=True, description="Street address, town, county and province."
    )
    postcode = graphene.String(required=True, description="Postcode.")

    @staticmethod
    def resolve_name(root, info) -> str:
        return root.name

    @staticmethod
    def resolve_phone_number(root, info) -> str | None:
        return str(root.phone_number) if root.phone_number else None

    @staticmethod
    def resolve_address(root, info) -> str:
        parts = (root.state, root.line4, root.line3, root.line2, root.line1)
        return " ".join(part for part in parts if part)


class FulfilmentLine(LineFields, DjangoObjectType):
    class Meta:
        model = Line
        name = "FulfilmentLine"
        description = (
            "A line a cooperative ships: one of its producer's, with where it "
            "goes. Other producers' lines of the same order stay out of reach."
        )
        # No Node interface: its id is the order line's, which shipmentCreate
        # takes, and the type is reached only through fulfilmentLines.
        use_connection = True
        connection_class = CountableConnection
        fields = ("title", "quantity")

    id = graphene.ID(
        required=True,
        description="The order line's id (an `OrderLine` id), as shipmentCreate "
        "takes it.",
    )
    order_number = graphene.String(
        required=True, description="Number of the order the line belongs to."
    )
    placed_at = graphene.DateTime(required=True, description="When it was ordered.")
    shipping_address = graphene.Field(
        ShippingAddress, description="Where it goes; null if none was given."
    )
    shipments = graphene.List(
        graphene.NonNull(Shipment),
        required=True,
        description="The producer's shipments holding units of this line.",
    )

    @staticmethod
    def resolve_id(root, info) -> str:
        return graphene.relay.Node.to_global_id("OrderLine", root.pk)

    @staticmethod
    def resolve_order_number(root, info) -> str:
        return root.order.number

    @staticmethod
    def resolve_placed_at(root, info):
        return root.order.date_placed

    @staticmethod
    def resolve_shipping_address(root, info):
        return root.order.shipping_address

    @staticmethod
    def resolve_shipments(root, info):
        return [item.shipment for item in root.shipment_lines.all()]


class VillageImpact(graphene.ObjectType):
    class Meta:
        description = "What the app's orders brought the households of a village."

    village = graphene.Field(Village, required=True, description="The village.")
    impact = graphene.Field(Impact, required=True, description="Its figures.")

    @staticmethod
    def resolve_impact(root: dict, info) -> dict:
        return root


class CountyImpact(graphene.ObjectType):
    class Meta:
        description = "What the app's orders brought the households of a county."

    code = graphene.String(required=True, description="Six-digit county code.")
    name = graphene.String(required=True, description="County name.")
    impact = graphene.Field(Impact, required=True, description="Its figures.")

    @staticmethod
    def resolve_impact(root: dict, info) -> dict:
        return root


class HouseholdImpact(DjangoObjectType):
    class Meta:
        model = Household
        name = "HouseholdImpact"
        description = (
            "What the app's orders brought one registry household, which is "
            "known here only by a token: no registry number, name or ID."
        )
        use_connection = True
        connection_class = CountableConnection
        fields = ()

    token = graphene.String(
        required=True,
        description="Opaque and stable for this app; another app gets another "
        "token for the same household.",
    )
    village = graphene.Field(
        Village, required=True, description="Village it is registered in now."
    )
    impact = graphene.Field(Impact, required=True, description="Its figures.")

    @staticmethod
    def resolve_token(root: Household, info) -> str:
        app = info.context.partner_app
        digest = salted_hmac("fupin.household-token", f"{app.pk}:{root.pk}")
        return digest.hexdigest()[:32]

    @staticmethod
    def resolve_impact(root: Household, info) -> dict:
        return {
            "attributed": _fen(root.attributed),
            "counted": _fen(root.counted),
            "household_count": 1,
        }


def _fen(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01")) + ZERO


def _line_relations(lines: QuerySet) -> QuerySet:
    products = with_product_relations(ProductModel.objects.all())
    return lines.select_related(
        "partner__county__prefecture__province"
    ).prefetch_related(
        Prefetch("product", queryset=products),
        Prefetch("adjustments", queryset=LineAdjustment.objects.order_by("pk")),
        Prefetch(
            "shipment_lines",
            queryset=ShipmentLine.objects.select_related(
                "shipment__producer__county__prefecture__province"
            ).prefetch_related("shipment__lines"),
        ),
        Prefetch(
            "attribution_entries",
            queryset=AttributionEntry.objects.only(
                "pk", "line_id", "household_id", "amount", "is_counted"
            ),
        ),
    )


def with_order_relations(orders: QuerySet) -> QuerySet:
    """Return orders with all that the Order type reads, loaded in bulk."""
    lines = _line_relations(Line.objects.order_by("pk"))
    shipments = ShipmentModel.objects.select_related(
        "producer__county__prefecture__province"
    ).prefetch_related("lines")
    return orders.prefetch_related(
        Prefetch("lines", queryset=lines),
        Prefetch("shipments", queryset=shipments),
    )


def with_fulfilment_relations(lines: QuerySet) -> QuerySet:
    """Return lines with all the FulfilmentLine type reads, in bulk."""
    return _line_relations(lines).select_related("order__shipping_address")
