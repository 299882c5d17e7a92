"""How orders are paid: bank transfer, cash on delivery, an online gateway.

Every change of an order's payment_status is one conditional UPDATE whose
WHERE names the status it leaves. Of two transitions from the same status
racing each other (an expiry and a late payment, two deliveries of one
callback) the database lets exactly one through; the other sees no row
updated and changes nothing.
"""

import datetime
import enum
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model
from oscar.templatetags.currency_filters import currency

from fulfillment import lines as line_statuses
from fulfillment.cancellations import order_cancel
from fulfillment.models import LineAdjustment
from fulfillment.payments.gateway import get_gateway
from fulfillment.signals import order_paid

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
PaymentEventType = get_model("order", "PaymentEventType")
PaymentNotification = get_model("order", "PaymentNotification")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
StockRecord = get_model("partner", "StockRecord")
Transaction = get_model("payment", "Transaction")
EventHandler = get_class("order.processing", "EventHandler")

Method = Order.PaymentMethod
Status = Order.PaymentStatus

# Stored as shown, like the order statuses: staff read them as they are.
SOURCE_TYPE_NAMES = {
    Method.BANK_TRANSFER: "银行转账",
    Method.CASH_ON_DELIVERY: "货到付款",
    Method.GATEWAY: "在线支付",
}
PAID_EVENT = ("paid", "已付款")
EXPIRY_REASON = "逾期未付款，订单已取消"
# Methods whose orders wait for the money and lapse when it does not come.
EXPIRING_METHODS = (Method.BANK_TRANSFER, Method.GATEWAY)


class PaymentRefused(Exception):
    """A payment that cannot be recorded; nothing was changed."""


class WrongPaymentMethod(PaymentRefused):
    """The order is not paid the way the caller assumed."""


class WrongReference(PaymentRefused):
    """The transfer reference is not the order's."""


class WrongAmount(PaymentRefused):
    """The amount is not exactly what the order asks for."""


class NotAwaitingPayment(PaymentRefused):
    """The order was already paid, or expired unpaid."""


class NotDelivered(PaymentRefused):
    """Cash on delivery is collected only once everything is delivered."""


class UnknownOrder(PaymentRefused):
    """No order has the number a gateway named."""


class GatewayOutcome(enum.StrEnum):
    PAID = "paid"
    ALREADY_PROCESSED = "already processed"
    NOT_AWAITING = "not awaiting payment"
    NOT_PAID = "not paid"


@dataclass(frozen=True)
class BankAccount:
    name: str
    bank: str
    number: str


def available_methods() -> list[str]:
    """Return the payment methods a buyer may choose now, in display order."""
    methods = [Method.BANK_TRANSFER, Method.CASH_ON_DELIVERY]
    if get_gateway() is not None:
        methods.append(Method.GATEWAY)
    return [str(method) for method in methods]


def method_choices() -> list[tuple[str, str]]:
    """Return (method, label) for each method a buyer may choose now."""
    labels = dict(Method.choices)
    choices = []
    for method in available_methods():
        label = labels[method]
        if method == Method.GATEWAY:
            label = _("%(method)s (%(gateway)s)") % {
                "method": label,
                "gateway": get_gateway().label,
            }
        choices.append((method, str(label)))
    return choices


def bank_account() -> BankAccount:
    """Return the account buyers transfer to."""
    account = settings.BANK_TRANSFER_ACCOUNT
    return BankAccount(
        name=account["NAME"], bank=account["BANK"], number=account["NUMBER"]
    )


def pay_within(method: str) -> datetime.timedelta | None:
    """Return how long an order paid by method may wait for the money."""
    if method == Method.BANK_TRANSFER:
        return settings.BANK_TRANSFER_PAY_WITHIN
    if method == Method.GATEWAY:
        return settings.PAYMENT_GATEWAY["PAY_WITHIN"]
    return None


def payment_terms(
    *, method: str, order_number: str, placed_at: datetime.datetime
) -> dict:
    """Return the payment fields of an order about to be placed.

    Raise WrongPaymentMethod for a method that is not available now.
    """
    if method not in available_methods():
        raise WrongPaymentMethod(_("This payment method is not available."))
    if method == Method.CASH_ON_DELIVERY:
        return {"payment_method": method, "payment_status": Status.ON_DELIVERY}
    return {
        "payment_method": method,
        "payment_status": Status.AWAITING,
        "payment_due_at": placed_at + pay_within(method),
        "payment_reference": order_number,
    }


def payment_source(*, method: str, amount: Decimal, reference: str) -> Source:
    """Return the unsaved Oscar payment source of an order being placed."""
    source_type, _created = SourceType.objects.get_or_create(
        code=method, defaults={"name": SOURCE_TYPE_NAMES[method]}
    )
    return Source(source_type=source_type, amount_allocated=amount, reference=reference)


def bank_transfer_confirm(*, order, reference: str, amount: Decimal) -> None:
    """Record that the bank transfer for order arrived.

    Raise WrongPaymentMethod for an order not paid by bank transfer,
    WrongReference when reference is not the order's transfer reference,
    WrongAmount unless amount is exactly the order total, and
    NotAwaitingPayment when the order was already paid or has expired.
    Nothing is changed when one is raised.
    """
    if order.payment_method != Method.BANK_TRANSFER:
        raise WrongPaymentMethod(
            _("Order %(number)s is not paid by bank transfer.")
            % {"number": order.number}
        )
    if reference.strip() != order.payment_reference:
        raise WrongReference(
            _("The transfer reference must be %(reference)s.")
            % {"reference": order.payment_reference}
        )
    _check_amount(order, amount)
    with transaction.atomic():
        _transition_to_paid(order, from_status=Status.AWAITING)
        _record_paid(order, amount=amount, reference=reference.strip())
    logger.info("bank transfer confirmed order=%s amount=%s", order.number, amount)


def cash_on_delivery_collect(*, order) -> Decimal:
    """Record the cash the courier collected for order; return the amount.

    The amount is the order total less what its cancelled units cost. Raise
    WrongPaymentMethod for an order not paid on delivery, NotDelivered
    until every line not cancelled has been delivered, and
    NotAwaitingPayment when the cash was already recorded. Nothing is
    changed when one is raised.
    """
    if order.payment_method != Method.CASH_ON_DELIVERY:
        raise WrongPaymentMethod(
            _("Order %(number)s is not paid on delivery.") % {"number": order.number}
        )
    statuses = list(order.lines.values_list("status", flat=True))
    delivered = {line_statuses.DELIVERED, line_statuses.CANCELLED}
    if line_statuses.DELIVERED not in statuses or not set(statuses) <= delivered:
        raise NotDelivered(
            _("Order %(number)s has not been delivered yet.") % {"number": order.number}
        )
    cancelled = LineAdjustment.objects.filter(
        line__order=order, kind=LineAdjustment.Kind.CANCELLATION
    ).aggregate(total=Sum("amount"))["total"]
    amount = order.total_incl_tax - (cancelled or Decimal("0.00"))
    with transaction.atomic():
        _transition_to_paid(order, from_status=Status.ON_DELIVERY)
        _record_paid(order, amount=amount, reference=order.number)
    logger.info("cash on delivery collected order=%s amount=%s", order.number, amount)
    return amount


def gateway_payment_record(*, gateway: str, callback) -> GatewayOutcome:
    """Record a verified gateway callback; say what became of it.

    A callback that does not report a payment changes nothing. A repeated
    notification id, or a new one for the trade already recorded (a
    gateway reports success, then completion), is ALREADY_PROCESSED and
    changes nothing again. A payment for an order no longer awaiting one
    (expired, or paid by another trade) is kept as a notification and is
    NOT_AWAITING: the money has to be returned by hand. Raise UnknownOrder
    for an unknown order number, WrongPaymentMethod for an order not paid
    online and WrongAmount unless the amount is exactly the order total;
    nothing is changed then.
    """
    order = Order.objects.filter(number=callback.order_number).first()
    if order is None:
        raise UnknownOrder(f"no order {callback.order_number}")
    if order.payment_method != Method.GATEWAY:
        raise WrongPaymentMethod(f"order {order.number} is not paid online")
    _check_amount(order, callback.amount)
    if not callback.is_paid:
        return GatewayOutcome.NOT_PAID

    with transaction.atomic():
        if not _notification_is_new(order, gateway=gateway, callback=callback):
            return GatewayOutcome.ALREADY_PROCESSED
        try:
            _transition_to_paid(order, from_status=Status.AWAITING)
        except NotAwaitingPayment:
            return _paid_when_not_awaiting(order, gateway=gateway, callback=callback)
        _record_paid(order, amount=callback.amount, reference=callback.trade_reference)
    logger.info("gateway payment recorded order=%s gateway=%s", order.number, gateway)
    return GatewayOutcome.PAID


def _notification_is_new(order, *, gateway: str, callback) -> bool:
    # The unique (gateway, notification_id) decides, even between two
    # deliveries of one notification arriving at the same moment.
    try:
        with transaction.atomic():
            PaymentNotification.objects.create(
                gateway=gateway,
                notification_id=callback.notification_id,
                order=order,
                amount=callback.amount,
            )
    except IntegrityError:
        logger.info(
            "gateway notification repeated order=%s gateway=%s", order.number, gateway
        )
        return False
    return True


def _paid_when_not_awaiting(order, *, gateway: str, callback) -> GatewayOutcome:
    same_trade = Transaction.objects.filter(
        source__order=order, reference=callback.trade_reference
    ).exists()
    if order.payment_status == Status.PAID and same_trade:
        logger.info(
            "gateway trade reported again order=%s gateway=%s", order.number, gateway
        )
        return GatewayOutcome.ALREADY_PROCESSED
    logger.error(
        "gateway payment for an order not awaiting it, refund by hand "
        "order=%s gateway=%s status=%s",
        order.number,
        gateway,
        order.payment_status,
    )
    return GatewayOutcome.NOT_AWAITING


def expire_unpaid_orders(*, now: datetime.datetime | None = None) -> list[str]:
    """Cancel orders whose payment did not come in time; return their numbers.

    Each order is expired in its own transaction: its lines are cancelled
    (fulfillment.cancellations), which restocks their units and reverses
    their attribution. An order paid meanwhile, or expired by a concurrent
    run, is left alone. An order that cannot be cancelled (e.g. a line
    already shipped) is logged and left awaiting payment, and the others
    still expire.
    """
    now = now or timezone.now()
    due = Order.objects.filter(
        payment_status=Status.AWAITING,
        payment_method__in=EXPIRING_METHODS,
        payment_due_at__lt=now,
    )
    expired = []
    for number in due.order_by("payment_due_at", "pk").values_list("number", flat=True):
        try:
            if _expire(number, now):
                expired.append(number)
        except Exception:
            logger.exception("order expiry failed order=%s", number)
    if expired:
        logger.info("unpaid orders expired count=%d", len(expired))
    return expired


def _expire(number: str, now: datetime.datetime) -> bool:
    with transaction.atomic():
        won = Order.objects.filter(
            number=number, payment_status=Status.AWAITING, payment_due_at__lt=now
        ).update(payment_status=Status.EXPIRED)
        if not won:
            logger.info("expiry lost to a payment or another run order=%s", number)
            return False
        order = Order.objects.get(number=number)
        _lock_stockrecords(order)
        # Restocks each unit not cancelled before, cancels the lines and
        # reverses what they attributed; a shipped line refuses, and the
        # whole expiry of this order rolls back with it.
        adjustments = order_cancel(order=order, reason=EXPIRY_REASON)
    logger.info("order expired unpaid order=%s lines=%d", number, len(adjustments))
    return True


def _lock_stockrecords(order) -> None:
    # Placement locks stock rows, then the ledger head; a cancellation
    # locks the head (reversing) before it restocks. Taking the stock rows
    # first, in placement's order, keeps an expiry and a placement of the
    # same product from deadlocking.
    ids = order.lines.exclude(stockrecord=None).values_list("stockrecord_id")
    list(StockRecord.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _check_amount(order, amount: Decimal) -> None:
    if amount != order.total_incl_tax:
        logger.warning(
            "payment amount refused order=%s amount=%s total=%s",
            order.number,
            amount,
            order.total_incl_tax,
        )
        raise WrongAmount(
            _("The amount must be exactly %(total)s, not %(amount)s.")
            % {
                "total": currency(order.total_incl_tax, order.currency),
                "amount": currency(amount, order.currency),
            }
        )


def _transition_to_paid(order, *, from_status: str) -> None:
    now = timezone.now()
    won = Order.objects.filter(pk=order.pk, payment_status=from_status).update(
        payment_status=Status.PAID, paid_at=now
    )
    order.refresh_from_db(fields=["payment_status", "paid_at"])
    if not won:
        raise NotAwaitingPayment(
            _("Order %(number)s is %(status)s; no payment was recorded.")
            % {"number": order.number, "status": order.get_payment_status_display()}
        )


def _record_paid(order, *, amount: Decimal, reference: str) -> None:
    source = order.sources.filter(source_type__code=order.payment_method).first()
    if source is None:
        source = payment_source(
            method=order.payment_method, amount=amount, reference=order.number
        )
        source.order = order
        source.save()
    source.debit(amount, reference=reference)
    code, name = PAID_EVENT
    event_type, _created = PaymentEventType.objects.get_or_create(
        code=code, defaults={"name": name}
    )
    lines = list(order.lines.all())
    EventHandler().create_payment_event(
        order,
        event_type,
        amount,
        lines=lines,
        line_quantities=[line.quantity for line in lines],
        reference=reference,
    )
    # Every way of paying ends here, inside the transaction of the payment.
    order_paid.send(sender=Order, order=order)
