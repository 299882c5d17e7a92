"""Race buyers for the last units and count oversold trials.

Usage (PostgreSQL only; SQLite serialises writers and proves nothing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_bench \\
        .venv/bin/python bench/oversell.py [--trials N] [--buyers N]

The database (its name must contain "bench") is dropped, created and
migrated. Each trial resets one
product's stock to --units and releases --buyers threads (each with its own
connection) at once through a barrier. It prints, for the shop's order
creator and for stock django-oscar's as a control (availability check, then
place, as Oscar's checkout does), how many trials oversold, orders placed
per second and buyers refused.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")


def recreate_database(url: str) -> None:
    """Drop and create the benchmark database, whose name must say bench."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: use a database named *bench*.")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


class Race:
    """Worker threads that keep their connections across trials."""

    def __init__(self, buyers: int, place):
        self.buyers = buyers
        self.place = place
        self.start = threading.Barrier(buyers + 1)
        self.done = threading.Barrier(buyers + 1)
        self.outcomes = [None] * buyers
        self.product = None
        self.stop = False
        self.threads = [
            threading.Thread(target=self._work, args=(i,), daemon=True)
            for i in range(buyers)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self, index: int) -> None:
        from django.db import connections

        while True:
            basket = None
            self.start.wait()
            if self.stop:
                connections.close_all()
                return
            try:
                basket = new_basket(self.product)
                self.outcomes[index] = self.place(basket, self.product)
            except Exception as error:  # noqa: BLE001 - counted by the caller
                self.outcomes[index] = error
            self.done.wait()

    def run(self, product) -> list:
        self.product = product
        self.outcomes = [None] * self.buyers
        self.start.wait()
        self.done.wait()
        return self.outcomes

    def close(self) -> None:
        self.stop = True
        self.start.wait()


def new_basket(product):
    from oscar.apps.partner.strategy import Default
    from oscar.core.loading import get_model

    basket = get_model("basket", "Basket").objects.create()
    basket.strategy = Default()
    basket.add_product(product, 1)
    return basket


def place_with_shop(basket, product):
    from oscar.test.factories import create_order

    return create_order(basket=basket)


def place_with_stock_oscar(basket, product):
    """Check availability, then place with django-oscar's own creator."""
    from oscar.apps.order.utils import OrderCreator
    from oscar.apps.shipping.methods import Free
    from oscar.core.loading import get_class

    calculator = get_class("checkout.calculators", "OrderTotalCalculator")()
    info = basket.strategy.fetch_for_product(product)
    if not info.availability.is_purchase_permitted(1)[0]:
        return "refused"
    shipping = Free()
    charge = shipping.calculate(basket)
    total = calculator.calculate(basket, charge)
    return OrderCreator().place_order(
        basket=basket,
        total=total,
        shipping_method=shipping,
        shipping_charge=charge,
    )


def trial_series(place, trials: int, buyers: int, units: int) -> dict:
    from oscar.core.loading import get_model

    from tests import factories

    StockRecord = get_model("partner", "StockRecord")
    Order = get_model("order", "Order")
    record = factories.StockRecordFactory(num_in_stock=units)
    factories.BenefitLinkFactory(producer=record.product.producer)
    race = Race(buyers, place)
    oversold = refused = 0
    started = time.perf_counter()
    placed_before = Order.objects.count()
    for _ in range(trials):
        StockRecord.objects.filter(pk=record.pk).update(
            num_in_stock=units, num_allocated=0
        )
        outcomes = race.run(record.product)
        record.refresh_from_db()
        oversold += record.num_allocated > units
        refused += sum(not isinstance(o, Order) for o in outcomes)
    elapsed = time.perf_counter() - started
    race.close()
    placed = Order.objects.count() - placed_before
    return {
        "oversold trials": oversold,
        "orders": placed,
        "orders/s": placed / elapsed,
        "refused buyers": refused,
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--buyers", type=int, default=20)
    parser.add_argument("--units", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    recreate_database(url)

    import logging

    import django
    from django.core.management import call_command

    django.setup()
    # Every refused buyer logs a warning; thousands of them drown the figures.
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    print(f"{args.trials} trials of {args.buyers} buyers for {args.units} units")
    contenders = (("shop", place_with_shop), ("stock oscar", place_with_stock_oscar))
    for name, place in contenders:
        figures = trial_series(place, args.trials, args.buyers, args.units)
        print(
            f"{name:>12}: oversold {figures['oversold trials']}/{args.trials} "
            "trials, "
            f"{figures['orders']} orders, {figures['orders/s']:.0f} orders/s, "
            f"{figures['refused buyers']} buyers refused, {figures['seconds']:.1f} s"
        )


if __name__ == "__main__":
    main()
