"""Checkout views: Oscar's, with the placement rules of fulfillment/.

The buyer who loses a race for the last units, whose voucher was used up a
moment ago, or whose basket changed in another tab is shown why on the
preview page, and no order is written. A second submission of the same
basket leads to the order the first one placed.
"""

import logging

from django.db import transaction
from django.shortcuts import redirect
from oscar.apps.checkout import views
from oscar.apps.offer.applicator import Applicator
from oscar.core.loading import get_model

from fulfillment.placement import (
    BasketChanged,
    DuplicateOrder,
    VoucherUnavailable,
    basket_fingerprint,
    check_fingerprint,
    check_vouchers,
)
from fulfillment.stock import InsufficientStock, InvalidQuantity
from fulfillment.tasks import send_order_placed_email_task

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")

FINGERPRINT_FIELD = "basket_fingerprint"
EXPECTED_FAILURES = (InsufficientStock, InvalidQuantity, VoucherUnavailable)


class PaymentDetailsView(views.PaymentDetailsView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["basket_fingerprint"] = basket_fingerprint(self.request.basket)
        return context

    def handle_place_order_submission(self, request):
        basket = request.basket
        try:
            # A voucher that lapsed changes the total too; name it first.
            check_vouchers(basket.vouchers.all(), user=request.user)
            check_fingerprint(basket, request.POST.get(FINGERPRINT_FIELD, ""))
        except VoucherUnavailable as error:
            logger.warning("voucher refused basket=%s", basket.pk)
            self._drop_voucher(basket, error.voucher)
            return self.render_preview(request, error=str(error))
        except BasketChanged as error:
            logger.warning(
                "basket changed before placement basket=%s", request.basket.pk
            )
            return self.render_preview(request, error=str(error))
        return super().handle_place_order_submission(request)

    def handle_order_placement(self, order_number, user, basket, *args, **kwargs):
        try:
            return super().handle_order_placement(
                order_number, user, basket, *args, **kwargs
            )
        except DuplicateOrder as error:
            return self._show_existing_order(error.order_number, basket)
        except EXPECTED_FAILURES as error:
            logger.warning("order refused order=%s reason=%s", order_number, error)
            self.restore_frozen_basket()
            if isinstance(error, VoucherUnavailable):
                self._drop_voucher(self.request.basket, error.voucher)
            return self.render_preview(self.request, error=str(error))

    def _drop_voucher(self, basket, voucher) -> None:
        # Show the preview again at the price without the voucher.
        basket.vouchers.remove(voucher)
        basket.reset_offer_applications()
        Applicator().apply(basket, self.request.user, self.request)

    def _show_existing_order(self, order_number: str, basket):
        order = Order.objects.get(number=order_number)
        if order.basket_id != basket.pk:
            raise DuplicateOrder(order_number=order_number)
        logger.info("repeated submission answered order=%s", order_number)
        self.checkout_session.flush()
        self.request.session["checkout_order_id"] = order.pk
        return redirect(self.get_success_url())

    def send_order_placed_email(self, order):
        status_url = self.get_message_context(order).get("status_url", "")
        # The email must not go out for an order that is then rolled back.
        transaction.on_commit(
            lambda: send_order_placed_email_task.delay(order.pk, status_url)
        )
