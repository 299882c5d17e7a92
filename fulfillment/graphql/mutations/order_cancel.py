"""orderCancel: cancel what remains of one of the app's orders."""

import graphene
from oscar.core.loading import get_model

from fulfillment.cancellations import AdjustmentRefused, order_cancel
from fulfillment.graphql.errors import OrderError, OrderErrorCode
from fulfillment.graphql.types import OrderType, with_order_relations
from shop.graphql.auth import require_scope
from shop.graphql.ids import pk_of_global_id

Order = get_model("order", "Order")

REASON_MAX_LENGTH = 255


class OrderCancel(graphene.Mutation):
    class Meta:
        description = (
            "Cancel every unit of one of the app's orders that has not shipped "
            "(scope `orders`): stock goes back on sale and the households' "
            "shares are reversed. An order with shipped units is refused."
        )

    class Arguments:
        id = graphene.ID(required=True, description="The order's `id`.")
        reason = graphene.String(
            required=True, description="Why, for the shop's staff; 1 to 255 characters."
        )

    order = graphene.Field(OrderType, description="The order as it is now.")
    errors = graphene.List(
        graphene.NonNull(OrderError),
        required=True,
        description="Problems with the input; empty when it was cancelled.",
    )

    @classmethod
    def mutate(cls, root, info, id, reason):
        app = require_scope(info, "orders")
        order = _own_order(app, id)
        if order is None:
            return cls(order=None, errors=[_not_found(id)])
        if not reason.strip() or len(reason) > REASON_MAX_LENGTH:
            return cls(order=None, errors=[_bad_reason()])

        try:
            order_cancel(order=order, reason=reason.strip())
        except AdjustmentRefused as error:
            return cls(
                order=None,
                errors=[
                    OrderError(
                        field="id",
                        code=OrderErrorCode.NOT_CANCELLABLE,
                        message=str(error),
                    )
                ],
            )
        reloaded = with_order_relations(Order.objects.filter(pk=order.pk)).get()
        return cls(order=reloaded, errors=[])


def _own_order(app, global_id: str):
    pk = pk_of_global_id(global_id, type_name="Order")
    if pk is None:
        return None
    return Order.objects.filter(pk=pk, placement_intent__app=app).first()


def _not_found(global_id: str) -> OrderError:
    return OrderError(
        field="id",
        code=OrderErrorCode.NOT_FOUND,
        message=f"This app has no order “{global_id}”.",
    )


def _bad_reason() -> OrderError:
    return OrderError(
        field="reason",
        code=OrderErrorCode.INVALID,
        message=f"Give a reason of 1 to {REASON_MAX_LENGTH} characters.",
    )
