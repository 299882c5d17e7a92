"""Order placement: Oscar's creator plus the attribution ledger."""

from django.db import transaction
from oscar.apps.order import utils

from fulfillment.attribution import attribute_order


class OrderCreator(utils.OrderCreator):
    def place_order(self, *args, **kwargs):
        # One transaction around Oscar's own: an order and its attribution
        # entries are committed together or not at all.
        with transaction.atomic():
            order = super().place_order(*args, **kwargs)
            attribute_order(order=order)
        return order
