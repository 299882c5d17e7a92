"""Dashboard order views that go through the shop's services.

Oscar's "change line status" would only relabel a line: cancelling here
must also give the units back to stock and reverse the households' share,
and an order's status follows its lines, so staff never set it by hand.
"""

import logging

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from oscar.apps.dashboard.orders import views
from oscar.apps.order.exceptions import InvalidLineStatus

from fulfillment import lines as line_statuses
from fulfillment.cancellations import (
    AdjustmentRefused,
    adjusted_quantity,
    line_cancel,
    line_refund,
    order_refund,
)

logger = logging.getLogger(__name__)

DERIVED_STATUS_MESSAGE = _lazy(
    "An order's status follows its lines: change the lines' statuses instead."
)


def _line_action(*, line, status: str, quantity: int, reason: str) -> None:
    if status == line_statuses.CANCELLED:
        line_cancel(line=line, quantity=quantity, reason=reason)
    elif status == line_statuses.REFUNDED:
        line_refund(line=line, quantity=quantity, reason=reason)
    else:
        line_statuses.line_status_change(line=line, status=status)


class OrderDetailView(views.OrderDetailView):
    order_actions = (*views.OrderDetailView.order_actions, "refund_order")

    def refund_order(self, request, order):
        reason = request.POST.get("reason", "").strip()
        try:
            adjustments = order_refund(order=order, reason=reason)
        except AdjustmentRefused as error:
            messages.error(request, str(error))
            return self.reload_page()
        logger.info(
            "order refunded in the dashboard order=%s user=%s adjustments=%d",
            order.number,
            request.user.pk,
            len(adjustments),
        )
        messages.info(
            request,
            _("Order %(number)s is refunded in full.") % {"number": order.number},
        )
        return self.reload_page()

    def change_order_status(self, request, order):
        messages.error(request, DERIVED_STATUS_MESSAGE)
        return self.reload_page()

    def change_line_statuses(self, request, order, lines, quantities):
        status = request.POST.get("new_status", "").strip()
        reason = _("Changed in the dashboard by %(user)s") % {"user": request.user}
        for line, quantity in zip(lines, quantities, strict=True):
            left = line.quantity - adjusted_quantity(line)
            try:
                _line_action(
                    line=line, status=status, quantity=quantity or left, reason=reason
                )
            except (AdjustmentRefused, InvalidLineStatus) as error:
                messages.error(request, str(error))
                continue
            messages.info(
                request,
                _("Line “%(title)s”: %(status)s")
                % {"title": line.title, "status": status},
            )
        return self.reload_page()


class OrderListView(views.OrderListView):
    def change_order_statuses(self, request, orders):
        messages.error(request, DERIVED_STATUS_MESSAGE)
        return redirect("dashboard:order-list")
