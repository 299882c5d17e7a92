"""Order placement: Oscar's creator, made safe under concurrency.

Stock is allocated with a conditional update (fulfillment.stock), vouchers
are checked under a row lock, the same order number can only be placed
once, and the attribution ledger is written in the same transaction.
"""

import logging

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from oscar.apps.order import utils
from oscar.core.loading import get_model

from fulfillment import stock
from fulfillment.attribution import attribute_order
from fulfillment.placement import DuplicateOrder, lock_vouchers

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")


class OrderCreator(utils.OrderCreator):
    def place_order(self, basket, *args, order_number=None, user=None, **kwargs):
        # Oscar's voucher checks read user.is_authenticated; programs that
        # place orders without a user mean an anonymous buyer.
        user = user or AnonymousUser()
        if order_number and Order.objects.filter(number=order_number).exists():
            raise DuplicateOrder(order_number=order_number)
        try:
            # One transaction around Oscar's own: the order, its stock
            # allocations and its attribution entries commit together.
            with transaction.atomic():
                lock_vouchers(basket=basket, user=user)
                order = super().place_order(
                    basket, *args, order_number=order_number, user=user, **kwargs
                )
                attribute_order(order=order)
        except IntegrityError:
            # Two requests for the same basket raced past the check above;
            # the unique order number let exactly one of them through.
            if order_number and Order.objects.filter(number=order_number).exists():
                logger.warning("duplicate placement refused order=%s", order_number)
                raise DuplicateOrder(order_number=order_number) from None
            raise
        logger.info("order placed order=%s lines=%d", order.number, order.num_lines)
        return order

    def update_stock_records(self, line):
        if line.product.get_product_class().track_stock:
            stock.allocate(
                stockrecord=line.stockrecord,
                quantity=line.quantity,
                title=line.product.get_title(),
            )
