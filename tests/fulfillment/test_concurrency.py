"""Racing buyers on the real PostgreSQL: no overselling, no deadlock.

Each buyer is a thread with its own database connection, released together
by a barrier. SQLite serialises writers, so these races only mean something
on PostgreSQL; on SQLite they are skipped (CI runs them in its PostgreSQL
pass).
"""

from decimal import Decimal

import pytest
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from fulfillment.models import AttributionEntry
from fulfillment.stock import InsufficientStock
from tests import factories
from tests.races import run_together

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")

TRIALS = 50
BUYERS = 10
UNITS = 3


@pytest.fixture(autouse=True)
def _races_on_postgres(postgres_only):
    """Every test here is a race."""


def race(baskets_products: list[list]) -> list:
    """Place one order per basket spec at the same instant; return outcomes."""
    baskets = []
    for products in baskets_products:
        basket = Basket.objects.create()
        basket.strategy = Default()
        for product in products:
            basket.add_product(product, 1)
        baskets.append(basket)
    return run_together(*(lambda b=b: create_order(basket=b) for b in baskets))


@pytest.mark.django_db(transaction=True)
def test_ten_buyers_for_three_units_never_oversell():
    stockrecord = factories.StockRecordFactory(
        price=Decimal("25.00"), num_in_stock=UNITS
    )
    factories.BenefitLinkFactory(producer=stockrecord.product.producer)
    product = stockrecord.product

    for trial in range(TRIALS):
        StockRecord.objects.filter(pk=stockrecord.pk).update(
            num_in_stock=UNITS, num_allocated=0
        )
        orders_before = Order.objects.count()

        outcomes = race([[product]] * BUYERS)

        placed = [o for o in outcomes if isinstance(o, Order)]
        refused = [o for o in outcomes if isinstance(o, InsufficientStock)]
        assert (len(placed), len(refused)) == (UNITS, BUYERS - UNITS), (trial, outcomes)
        assert Order.objects.count() - orders_before == UNITS
        stockrecord.refresh_from_db()
        assert stockrecord.num_allocated == UNITS
        assert {r.available for r in refused} == {0}

    # Every placed order has its entry; refused buyers left nothing behind.
    assert AttributionEntry.objects.count() == TRIALS * UNITS


@pytest.mark.django_db(transaction=True)
def test_opposite_basket_orders_do_not_deadlock():
    a = factories.StockRecordFactory(num_in_stock=3).product
    b = factories.StockRecordFactory(num_in_stock=3).product
    specs = [[a, b] if i % 2 else [b, a] for i in range(BUYERS)]

    outcomes = race(specs)

    unexpected = [o for o in outcomes if not isinstance(o, Order | InsufficientStock)]
    assert unexpected == []
    placed = [o for o in outcomes if isinstance(o, Order)]
    assert len(placed) == 3
    assert all(order.lines.count() == 2 for order in placed)
    for record in StockRecord.objects.filter(product__in=[a, b]):
        assert (record.num_in_stock, record.num_allocated) == (3, 3)


@pytest.mark.django_db(transaction=True)
def test_a_single_use_voucher_is_applied_once_when_two_checkouts_race():
    from django.contrib.auth.models import AnonymousUser
    from oscar.apps.offer.applicator import Applicator
    from oscar.test.factories import create_voucher

    product = factories.StockRecordFactory(price=Decimal("50.00")).product
    voucher = create_voucher(code="ONCE", usage="Single use")
    baskets = []
    for _ in range(2):
        basket = Basket.objects.create()
        basket.strategy = Default()
        basket.add_product(product, 1)
        basket.vouchers.add(voucher)
        Applicator().apply(basket, AnonymousUser())
        baskets.append(basket)

    outcomes = run_together(*(lambda b=b: create_order(basket=b) for b in baskets))

    kinds = sorted(type(outcome).__name__ for outcome in outcomes)
    assert kinds == ["Order", "VoucherUnavailable"]
    assert voucher.applications.count() == 1
    assert Order.objects.count() == 1
