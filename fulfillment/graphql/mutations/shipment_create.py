"""shipmentCreate: a cooperative records units of its own lines as sent."""

import graphene

from fulfillment.graphql.errors import ShipmentError, ShipmentErrorCode
from fulfillment.graphql.types import Shipment
from fulfillment.models import Shipment as ShipmentModel
from fulfillment.shipments import (
    ShipmentLineRequest,
    ShipmentRefused,
    shipment_create,
)
from shop.graphql.auth import require_producer
from shop.graphql.ids import pk_of_global_id


class ShipmentLineInput(graphene.InputObjectType):
    class Meta:
        description = "Units of one of your order lines that you sent."

    line = graphene.ID(
        required=True, description="The line's `id` (from `fulfilmentLines`)."
    )
    quantity = graphene.Int(
        required=True, description="Units sent, up to what is left to ship."
    )


class ShipmentCreateInput(graphene.InputObjectType):
    class Meta:
        description = "A parcel: lines of one order, a carrier and its tracking number."

    lines = graphene.List(
        graphene.NonNull(ShipmentLineInput),
        required=True,
        description="What the parcel holds, 1 to 500 lines of one order.",
    )
    carrier = graphene.String(required=True, description="Carrier, e.g. 顺丰速运.")
    tracking_number = graphene.String(
        required=True, description="The carrier's tracking number."
    )


class ShipmentCreate(graphene.Mutation):
    class Meta:
        description = (
            "Record a shipment of your producer's own lines (scope "
            "`fulfilment`, a cooperative's app). Lines may ship in parts. All "
            "or nothing: with any error, nothing is recorded."
        )

    class Arguments:
        input = ShipmentCreateInput(required=True, description="The shipment.")

    shipment = graphene.Field(Shipment, description="The shipment; null on errors.")
    errors = graphene.List(
        graphene.NonNull(ShipmentError),
        required=True,
        description="Problems with the input; empty when it was recorded.",
    )

    @classmethod
    def mutate(cls, root, info, input):
        producer = require_producer(info, "fulfilment")
        errors = _id_errors(input.lines)
        if errors:
            return cls(shipment=None, errors=errors)

        requests = [
            ShipmentLineRequest(
                pk_of_global_id(line.line, type_name="OrderLine"), line.quantity
            )
            for line in input.lines
        ]
        try:
            shipment = shipment_create(
                producer=producer,
                lines=requests,
                carrier=input.carrier,
                tracking_number=input.tracking_number,
            )
        except ShipmentRefused as refused:
            return cls(shipment=None, errors=[_error(p) for p in refused.problems])
        return cls(shipment=_reloaded(shipment), errors=[])


def _id_errors(lines) -> list[ShipmentError]:
    return [
        ShipmentError(
            field=f"input.lines.{index}.line",
            code=ShipmentErrorCode.INVALID,
            message=f"“{line.line}” is not an order line id.",
        )
        for index, line in enumerate(lines)
        if pk_of_global_id(line.line, type_name="OrderLine") is None
    ]


def _error(problem) -> ShipmentError:
    return ShipmentError(
        field=f"input.{problem.field}",
        code=ShipmentErrorCode.get(problem.code.value),
        message=problem.message,
    )


def _reloaded(shipment):
    shipments = ShipmentModel.objects.select_related(
        "producer__county__prefecture__province"
    ).prefetch_related("lines")
    return shipments.get(pk=shipment.pk)
