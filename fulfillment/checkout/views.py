"""Checkout views: Oscar's, with the placement rules of fulfillment/.

The buyer who loses a race for the last units, whose voucher was used up a
moment ago, or whose basket changed in another tab is shown why on the
preview page, and no order is written. A second submission of the same
basket leads to the order the first one placed.

The buyer chooses how to pay (fulfillment.payments) before the preview;
the order is placed with that method's terms, and the thank-you page says
what to do next.
"""

import logging

from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.views import generic
from oscar.apps.checkout import views
from oscar.apps.checkout.exceptions import FailedPreCondition, PassedSkipCondition
from oscar.apps.offer.applicator import Applicator
from oscar.apps.payment.exceptions import UnableToTakePayment
from oscar.core.loading import get_class, get_model

from fulfillment.checkout.forms import PaymentMethodForm
from fulfillment.payments import services as payments
from fulfillment.payments.gateway import get_gateway
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

CheckoutSessionMixin = get_class("checkout.session", "CheckoutSessionMixin")
Order = get_model("order", "Order")

FINGERPRINT_FIELD = "basket_fingerprint"
EXPECTED_FAILURES = (InsufficientStock, InvalidQuantity, VoucherUnavailable)


def payment_context(method: str) -> dict:
    """Return what the checkout pages show about paying by method."""
    context = {
        "payment_method": method,
        "payment_method_label": dict(payments.method_choices()).get(method, ""),
        "bank_account": payments.bank_account(),
    }
    within = payments.pay_within(method) if method else None
    if within is not None:
        now = timezone.now()
        context["pay_within"] = timeuntil(now + within, now)
    return context


class PaymentMethodView(CheckoutSessionMixin, generic.FormView):
    """Let the buyer choose how to pay among the methods offered now."""

    template_name = "oscar/checkout/payment_method.html"
    form_class = PaymentMethodForm
    pre_conditions = views.PaymentMethodView.pre_conditions
    skip_conditions = views.PaymentMethodView.skip_conditions
    success_url = reverse_lazy("checkout:payment-details")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["choices"] = payments.method_choices()
        return kwargs

    def get_initial(self):
        return {"method": self.checkout_session.payment_method()}

    def form_valid(self, form):
        self.checkout_session.pay_by(form.cleaned_data["method"])
        return super().form_valid(form)


class PaymentDetailsView(views.PaymentDetailsView):
    # The chosen method's order fields, set by handle_payment just before
    # the order is placed.
    _payment_terms = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["basket_fingerprint"] = basket_fingerprint(self.request.basket)
        context.update(payment_context(self.checkout_session.payment_method()))
        return context

    def get_pre_conditions(self, request):
        conditions = super().get_pre_conditions(request)
        if self.preview:
            return conditions  # Oscar adds the payment check to the preview.
        return [*conditions, "check_payment_data_is_captured"]

    def check_payment_data_is_captured(self, request):
        if self.checkout_session.payment_method() in payments.available_methods():
            return
        try:
            self.skip_unless_payment_is_required(request)
        except PassedSkipCondition:
            return  # Nothing to pay, so nothing to choose.
        raise FailedPreCondition(
            url=reverse("checkout:payment-method"),
            message=_("Please choose how you will pay."),
        )

    def handle_payment(self, order_number, total, **kwargs):
        if not total.incl_tax:
            return
        placed_at = timezone.now()
        method = self.checkout_session.payment_method()
        try:
            terms = payments.payment_terms(
                method=method, order_number=order_number, placed_at=placed_at
            )
        except payments.WrongPaymentMethod as error:
            raise UnableToTakePayment(str(error)) from None
        # The due time counts from the moment the order says it was placed.
        self._payment_terms = {**terms, "date_placed": placed_at}
        self.add_payment_source(
            payments.payment_source(
                method=method, amount=total.incl_tax, reference=order_number
            )
        )

    def place_order(self, *args, **kwargs):
        return super().place_order(*args, **kwargs, **(self._payment_terms or {}))

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


class ThankYouView(views.ThankYouView):
    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        order = context["order"]
        context["bank_account"] = payments.bank_account()
        awaiting = order.payment_status == Order.PaymentStatus.AWAITING
        gateway = get_gateway()
        if order.payment_method == Order.PaymentMethod.GATEWAY and awaiting and gateway:
            callback = reverse("payments:callback", args=[gateway.name])
            context["payment_request"] = gateway.create_payment_request(
                order=order,
                notify_url=self.request.build_absolute_uri(callback),
                return_url=self.request.build_absolute_uri(self.request.path),
            )
        return context
