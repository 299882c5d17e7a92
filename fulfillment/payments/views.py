"""Staff actions on an order's payment, and the gateway's callback.

Views validate, call a service in fulfillment.payments.services and report;
the rules live there.
"""

import logging

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from fulfillment.payments import services
from fulfillment.payments.forms import BankTransferConfirmForm
from fulfillment.payments.gateway import InvalidCallback, InvalidSignature, get_gateway

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")

# What the gateway expects in the body: anything else makes it call again.
ACKNOWLEDGED = "success"
REFUSED = "failure"


class OrderPaymentActionView(View):
    """A POST from the dashboard order page; answers with a message there."""

    http_method_names = ["post"]

    def post(self, request, number):
        order = get_object_or_404(Order, number=number)
        try:
            message = self.act(order)
        except services.PaymentRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, message)
        return redirect("dashboard:order-detail", number=order.number)

    def act(self, order) -> str:
        raise NotImplementedError


class BankTransferConfirmView(OrderPaymentActionView):
    def act(self, order) -> str:
        form = BankTransferConfirmForm(self.request.POST)
        if not form.is_valid():
            raise services.PaymentRefused(
                _("Enter the transfer reference and the amount received.")
            )
        services.bank_transfer_confirm(
            order=order,
            reference=form.cleaned_data["reference"],
            amount=form.cleaned_data["amount"],
        )
        return _("Bank transfer for order %(number)s confirmed.") % {
            "number": order.number
        }


class CashOnDeliveryCollectView(OrderPaymentActionView):
    def act(self, order) -> str:
        amount = services.cash_on_delivery_collect(order=order)
        return _("Cash of %(amount)s collected for order %(number)s.") % {
            "amount": currency(amount, order.currency),
            "number": order.number,
        }


@method_decorator(csrf_exempt, name="dispatch")
class GatewayCallbackView(View):
    """The gateway's server-to-server notice that an order was paid."""

    http_method_names = ["post"]

    def post(self, request, gateway):
        payment_gateway = get_gateway(gateway)
        if payment_gateway is None:
            logger.warning("callback for an unconfigured gateway gateway=%s", gateway)
            return HttpResponseBadRequest(REFUSED)
        try:
            callback = payment_gateway.verify_callback(request.POST.dict())
        except InvalidSignature:
            logger.warning("callback signature refused gateway=%s", gateway)
            return HttpResponseBadRequest(REFUSED)
        except InvalidCallback as error:
            logger.warning("callback refused gateway=%s reason=%s", gateway, error)
            return HttpResponseBadRequest(REFUSED)
        try:
            services.gateway_payment_record(gateway=gateway, callback=callback)
        except services.PaymentRefused as refused:
            logger.warning(
                "callback payment refused gateway=%s order=%s reason=%s",
                gateway,
                callback.order_number,
                type(refused).__name__,
            )
            return HttpResponseBadRequest(REFUSED)
        return HttpResponse(ACKNOWLEDGED, content_type="text/plain")
