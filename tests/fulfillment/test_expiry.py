"""Unpaid orders expire: stock back once, lines cancelled, ledger reversed.

The races at the end run threads with their own connections against the
real PostgreSQL; SQLite serialises writers, so there they are skipped.
"""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from fulfillment import cancellations, lines
from fulfillment.models import AttributionEntry
from fulfillment.payments import services
from fulfillment.tasks import expire_unpaid_orders_task
from tests import factories
from tests.fulfillment.test_payments import placed_order
from tests.races import run_together

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")
Transaction = get_model("payment", "Transaction")

PLACED = timezone.make_aware(datetime.datetime(2026, 1, 5, 9, 0))
DUE = PLACED + datetime.timedelta(hours=48)
AFTER_DUE = DUE + datetime.timedelta(minutes=1)
TRIALS = 20


@pytest.fixture
def tea():
    """A ¥25.00 tea whose sales go to two households, weighted 1 and 2."""
    stockrecord = factories.StockRecordFactory(price=Decimal("25.00"), num_in_stock=10)
    for number, weight in (("522636000001", "1"), ("522636000002", "2")):
        factories.BenefitLinkFactory(
            producer=stockrecord.product.producer,
            household__registry_number=number,
            weight=Decimal(weight),
        )
    return stockrecord


def allocated(stockrecord) -> int:
    return StockRecord.objects.get(pk=stockrecord.pk).num_allocated or 0


def net_by_household(order) -> dict[str, Decimal]:
    net = {}
    for entry in AttributionEntry.objects.filter(order=order):
        net[entry.registry_number] = net.get(entry.registry_number, 0) + entry.amount
    return net


@pytest.mark.django_db
def test_expiry_releases_stock_cancels_lines_and_reverses_attribution(tea):
    order = placed_order(tea, quantity=2, placed_at=PLACED)
    other = placed_order(tea, quantity=3, placed_at=PLACED + datetime.timedelta(days=9))
    assert allocated(tea) == 5

    expired = services.expire_unpaid_orders(now=AFTER_DUE)

    assert expired == [order.number]
    order.refresh_from_db()
    assert (order.payment_status, order.status) == ("expired", lines.CANCELLED)
    line = order.lines.get()
    assert line.status == lines.CANCELLED
    adjustment = line.adjustments.get()
    assert (adjustment.quantity, adjustment.amount, adjustment.reason) == (
        2,
        Decimal("50.00"),
        services.EXPIRY_REASON,
    )
    assert allocated(tea) == 3  # the other order's three jars stay allocated
    # ¥50.00 over weights 1 and 2: 16.67 and 33.33, each reversed in full.
    reversals = AttributionEntry.objects.filter(order=order, kind="reversal")
    assert sorted(r.amount for r in reversals) == [Decimal("-33.33"), Decimal("-16.67")]
    assert {r.reversal_reason for r in reversals} == {services.EXPIRY_REASON}
    assert net_by_household(order) == {
        "522636000001": Decimal("0.00"),
        "522636000002": Decimal("0.00"),
    }
    other.refresh_from_db()
    assert other.payment_status == "awaiting"


@pytest.mark.django_db
def test_running_expiry_twice_releases_stock_once(tea):
    order = placed_order(tea, quantity=2, placed_at=PLACED)
    placed_order(tea, quantity=3, placed_at=PLACED + datetime.timedelta(days=9))
    services.expire_unpaid_orders(now=AFTER_DUE)
    entries = AttributionEntry.objects.count()

    again = services.expire_unpaid_orders(now=AFTER_DUE)

    assert again == []
    assert allocated(tea) == 3
    assert AttributionEntry.objects.count() == entries
    order.refresh_from_db()
    assert order.lines.get().status == lines.CANCELLED


@pytest.mark.django_db
def test_expiry_after_a_partial_cancellation_takes_only_what_is_left(tea):
    order = placed_order(tea, quantity=3, placed_at=PLACED)
    cancellations.line_cancel(line=order.lines.get(), quantity=1, reason="买家取消")
    assert allocated(tea) == 2

    services.expire_unpaid_orders(now=AFTER_DUE)

    assert allocated(tea) == 0
    line = order.lines.get()
    assert line.status == lines.CANCELLED
    assert [a.quantity for a in line.adjustments.all()] == [1, 2]
    assert [a.amount for a in line.adjustments.all()] == [
        Decimal("25.00"),
        Decimal("50.00"),
    ]
    assert net_by_household(order) == {
        "522636000001": Decimal("0.00"),
        "522636000002": Decimal("0.00"),
    }


@pytest.mark.django_db
def test_orders_not_due_paid_or_paid_on_delivery_do_not_expire(tea):
    not_due = placed_order(tea, placed_at=PLACED + datetime.timedelta(hours=1))
    paid = placed_order(tea, placed_at=PLACED)
    services.bank_transfer_confirm(
        order=paid, reference=paid.number, amount=Decimal("25.00")
    )
    on_delivery = placed_order(tea, method="cod", placed_at=PLACED)

    expired = services.expire_unpaid_orders(now=AFTER_DUE)

    assert expired == []
    statuses = Order.objects.filter(
        pk__in=[not_due.pk, paid.pk, on_delivery.pk]
    ).values_list("number", "payment_status")
    assert dict(statuses) == {
        not_due.number: "awaiting",
        paid.number: "paid",
        on_delivery.number: "on_delivery",
    }
    assert allocated(tea) == 3


@pytest.mark.django_db
def test_late_confirmation_of_an_expired_order_is_refused(tea):
    order = placed_order(tea, placed_at=PLACED)
    services.expire_unpaid_orders(now=AFTER_DUE)

    with pytest.raises(services.NotAwaitingPayment):
        services.bank_transfer_confirm(
            order=order, reference=order.number, amount=Decimal("25.00")
        )

    order.refresh_from_db()
    assert (order.payment_status, order.paid_at) == ("expired", None)
    assert Transaction.objects.count() == 0


@pytest.mark.django_db
def test_an_order_that_cannot_be_cancelled_stays_awaiting_and_others_expire(tea):
    shipped = placed_order(tea, placed_at=PLACED)
    for status in (lines.CONFIRMED, lines.SHIPPED):
        lines.line_status_change(line=shipped.lines.get(), status=status)
    unshipped = placed_order(tea, placed_at=PLACED - datetime.timedelta(minutes=5))
    entries = AttributionEntry.objects.filter(order=shipped).count()

    expired = services.expire_unpaid_orders(now=AFTER_DUE)

    assert expired == [unshipped.number]
    shipped.refresh_from_db()
    assert shipped.payment_status == "awaiting"
    assert shipped.lines.get().adjustments.count() == 0
    assert AttributionEntry.objects.filter(order=shipped).count() == entries
    assert allocated(tea) == 1


@pytest.mark.django_db
def test_expiry_task_runs_the_service_and_is_scheduled(tea):
    order = placed_order(tea, placed_at=timezone.now() - datetime.timedelta(days=3))

    assert expire_unpaid_orders_task.apply().get() == [order.number]
    schedule = settings.CELERY_BEAT_SCHEDULE["expire-unpaid-orders"]
    assert schedule == {
        "task": "fulfillment.tasks.expire_unpaid_orders_task",
        "schedule": 600.0,
    }


# Races on PostgreSQL


@pytest.mark.django_db(transaction=True)
def test_expiry_and_a_late_payment_never_both_win(postgres_only):
    tea = factories.StockRecordFactory(price=Decimal("25.00"), num_in_stock=1000)
    factories.BenefitLinkFactory(producer=tea.product.producer)
    wins = {"expired": 0, "paid": 0}

    for trial in range(TRIALS):
        order = placed_order(tea, quantity=2, placed_at=PLACED)
        before = allocated(tea)

        expiry, payment = run_together(
            lambda: services.expire_unpaid_orders(now=AFTER_DUE),
            lambda order=order: services.bank_transfer_confirm(
                order=order, reference=order.number, amount=Decimal("50.00")
            ),
        )

        order.refresh_from_db()
        wins[order.payment_status] += 1
        debits = Transaction.objects.filter(source__order=order).count()
        reversals = AttributionEntry.objects.filter(order=order, kind="reversal")
        if order.payment_status == "expired":
            assert expiry == [order.number], trial
            assert isinstance(payment, services.NotAwaitingPayment), trial
            assert (allocated(tea), debits, order.paid_at) == (before - 2, 0, None)
            assert reversals.count() == 1, trial
        else:
            assert order.payment_status == "paid", (trial, expiry, payment)
            assert (expiry, payment) == ([], None), trial
            assert (allocated(tea), debits, reversals.count()) == (before, 1, 0)

    assert sum(wins.values()) == TRIALS


@pytest.mark.django_db(transaction=True)
def test_concurrent_expiry_runs_release_stock_once(postgres_only):
    tea = factories.StockRecordFactory(price=Decimal("25.00"), num_in_stock=1000)
    factories.BenefitLinkFactory(producer=tea.product.producer)

    for trial in range(TRIALS):
        orders = [placed_order(tea, placed_at=PLACED) for _ in range(3)]
        before = allocated(tea)

        outcomes = run_together(
            lambda: services.expire_unpaid_orders(now=AFTER_DUE),
            lambda: services.expire_unpaid_orders(now=AFTER_DUE),
        )

        assert all(isinstance(o, list) for o in outcomes), (trial, outcomes)
        numbers = sorted(outcomes[0] + outcomes[1])
        assert numbers == sorted(order.number for order in orders), trial
        assert allocated(tea) == before - 3, trial
        for order in orders:
            reversals = AttributionEntry.objects.filter(order=order, kind="reversal")
            assert reversals.count() == 1, trial


@pytest.mark.django_db(transaction=True)
def test_expiry_and_a_new_order_of_the_same_product_do_not_deadlock(postgres_only):
    tea = factories.StockRecordFactory(price=Decimal("25.00"), num_in_stock=1000)
    factories.BenefitLinkFactory(producer=tea.product.producer)

    def buy():
        basket = Basket.objects.create()
        basket.strategy = Default()
        basket.add_product(tea.product, 1)
        return create_order(basket=basket)

    for trial in range(TRIALS):
        order = placed_order(tea, quantity=2, placed_at=PLACED)
        before = allocated(tea)

        expiry, placed = run_together(
            lambda: services.expire_unpaid_orders(now=AFTER_DUE), buy
        )

        assert expiry == [order.number], (trial, expiry)
        assert isinstance(placed, Order), (trial, placed)
        assert allocated(tea) == before - 2 + 1, trial
