"""Root fields of orders, fulfilment and impact, each behind its scope."""

import graphene
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from oscar.core.loading import get_model

from catalog.models import County
from catalog.models import Village as VillageModel
from catalog.registry.codes import validate_county_code
from fulfillment import selectors
from fulfillment.graphql.types import (
    LINE_STATUS_NAMES,
    CountyImpact,
    FulfilmentLine,
    HouseholdImpact,
    Impact,
    OrderStatus,
    OrderType,
    VillageImpact,
    with_fulfilment_relations,
    with_order_relations,
)
from shop.graphql.auth import require_producer, require_scope
from shop.graphql.connections import LimitedConnectionField
from shop.graphql.errors import ErrorCode, api_error
from shop.graphql.ids import decode_global_id
from shop.graphql.types import enum_value

Order = get_model("order", "Order")
Line = get_model("order", "Line")

STATUS_OF_NAME = {name: status for status, name in LINE_STATUS_NAMES.items()}


def app_orders(app) -> QuerySet:
    """Return the orders the app placed."""
    return Order.objects.filter(placement_intent__app=app)


class ImpactReport(graphene.ObjectType):
    class Meta:
        description = (
            "What the calling app's orders brought registry households, net "
            "of cancellations and refunds."
        )

    total = graphene.Field(Impact, required=True, description="All together.")
    counties = graphene.List(
        graphene.NonNull(CountyImpact),
        required=True,
        description="By county, in code order.",
    )
    villages = graphene.List(
        graphene.NonNull(VillageImpact),
        required=True,
        county=graphene.String(description="Only villages of this county code."),
        description="By village, in code order.",
    )

    @staticmethod
    def resolve_total(orders: QuerySet, info) -> dict:
        rows = selectors.impact_totals(orders=orders, by="county")
        return {
            "attributed": sum((row["attributed"] for row in rows), selectors.ZERO),
            "counted": sum((row["counted"] for row in rows), selectors.ZERO),
            "household_count": selectors.households_reached(orders=orders),
        }

    @staticmethod
    def resolve_counties(orders: QuerySet, info) -> list[dict]:
        rows = selectors.impact_totals(orders=orders, by="county")
        names = dict(
            County.objects.filter(code__in=[r["code"] for r in rows]).values_list(
                "code", "name"
            )
        )
        return [{**row, "name": names.get(row["code"], "")} for row in rows]

    @staticmethod
    def resolve_villages(orders: QuerySet, info, county=None) -> list[dict]:
        rows = selectors.impact_totals(orders=orders, by="village")
        if county is not None:
            code = _county_code(county)
            rows = [row for row in rows if row["code"].startswith(code)]
        villages = VillageModel.objects.in_bulk(
            [row["code"] for row in rows], field_name="code"
        )
        return [
            {**row, "village": villages[row["code"]]}
            for row in rows
            if row["code"] in villages
        ]


def _county_code(value: str) -> str:
    try:
        validate_county_code(value)
    except ValidationError:
        raise api_error(
            f"`county` must be a six-digit county code such as 522636, not “{value}”.",
            ErrorCode.INVALID_CODE,
        ) from None
    return value


class FulfillmentQueries(graphene.ObjectType):
    orders = LimitedConnectionField(
        OrderType,
        description="Orders the calling app placed, newest first (scope `orders`).",
        status=graphene.List(
            graphene.NonNull(OrderStatus),
            description="Only orders in one of these statuses.",
        ),
    )
    order = graphene.Field(
        OrderType,
        id=graphene.ID(required=True, description="The order's `id`."),
        description="One of the calling app's orders; null if it has no such "
        "order (scope `orders`).",
    )
    fulfilment_lines = LimitedConnectionField(
        FulfilmentLine,
        description="Order lines of the calling cooperative's producer, newest "
        "first (scope `fulfilment`).",
        status=graphene.List(
            graphene.NonNull(OrderStatus),
            description="Only lines in one of these statuses, e.g. [PENDING, "
            "CONFIRMED] for what is left to ship.",
        ),
    )
    impact = graphene.Field(
        ImpactReport,
        required=True,
        description="What the calling app's orders brought registry households "
        "(scope `impact`).",
    )
    household_impact = LimitedConnectionField(
        HouseholdImpact,
        description="What the calling app's orders brought each household, "
        "keyed by an opaque token (scope `impact:households`).",
        county=graphene.String(description="Only households of this county code."),
    )

    @staticmethod
    def resolve_orders(root, info, status=None, **kwargs):
        app = require_scope(info, "orders")
        orders = app_orders(app)
        if status:
            orders = orders.filter(status__in=_statuses(status))
        return with_order_relations(orders.order_by("-date_placed", "-pk"))

    @staticmethod
    def resolve_order(root, info, id):
        app = require_scope(info, "orders")
        pk = decode_global_id(id, type_name="Order", argument="id")
        return with_order_relations(app_orders(app).filter(pk=pk)).first()

    @staticmethod
    def resolve_fulfilment_lines(root, info, status=None, **kwargs):
        producer = require_producer(info, "fulfilment")
        lines = Line.objects.filter(partner=producer)
        if status:
            lines = lines.filter(status__in=_statuses(status))
        lines = lines.order_by("-order__date_placed", "-pk")
        return with_fulfilment_relations(lines)

    @staticmethod
    def resolve_impact(root, info):
        app = require_scope(info, "impact")
        return app_orders(app)

    @staticmethod
    def resolve_household_impact(root, info, county=None, **kwargs):
        app = require_scope(info, "impact:households")
        code = _county_code(county) if county is not None else None
        households = selectors.household_impact(
            orders=app_orders(app), county_code=code
        )
        return households.select_related("village").order_by("pk")


def _statuses(names) -> list[str]:
    # Orders can be partly shipped; lines cannot, and match nothing then.
    wanted = {enum_value(name) for name in names}
    return [STATUS_OF_NAME[name] for name in wanted if name in STATUS_OF_NAME]
