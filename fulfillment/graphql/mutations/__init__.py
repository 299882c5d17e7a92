"""Order and shipment mutations of the partner API."""

import graphene

from fulfillment.graphql.mutations.order_cancel import OrderCancel
from fulfillment.graphql.mutations.order_create import OrderCreate
from fulfillment.graphql.mutations.shipment_create import ShipmentCreate


class OrderMutations(graphene.ObjectType):
    order_create = OrderCreate.Field(description=OrderCreate._meta.description)
    order_cancel = OrderCancel.Field(description=OrderCancel._meta.description)
    shipment_create = ShipmentCreate.Field(description=ShipmentCreate._meta.description)
