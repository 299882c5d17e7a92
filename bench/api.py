"""Time the partner API beside plain Django doing the same work.

Usage (PostgreSQL; the database's name must contain "bench"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_api_bench \\
        .venv/bin/python bench/api.py [--products N] [--pages N] [--orders N]

The database is dropped, created, migrated and filled with the demo data
plus --products products (with stock) spread over the demo producers; a few
hundred orders give the ledger something to total. Then it prints p50 and
p95 of

- `products(first: 100)` with producer, county and impact fields, beside a
  plain Django view that returns the same rows as JSON from hand-written ORM
  queries (random pages, offset paging in both);
- a 500-line `orderCreate`, beside calling the placement service
  (fulfillment.orders.order_place) directly with the same lines;

with the SQL queries of one request of each. Defaults: 10,000 products, 200
pages, 20 orders. Requests go through Django's
test client in this process: middleware, view and database, no network.
"""

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# The bench is one client sending as fast as it can.
os.environ.setdefault("GRAPHQL_RATE_LIMIT", "100000000/minute")

from oversell import recreate_database  # noqa: E402

PAGE = 100
ORDER_LINES = 500

PRODUCTS_QUERY = """
query ($after: String) {
  products(first: 100, after: $after) {
    edges { node {
      id title price { amount }
      producer { name county { code name } }
      originCounty { code name attributedTotal { amount } countedTotal { amount }
                     householdCount }
      beneficiaryHouseholdCount
      beneficiaryVillages { code name }
    } }
  }
}
"""

ORDER_CREATE = """
mutation ($input: OrderCreateInput!) {
  orderCreate(input: $input) {
    order { number total { amount } }
    errors { field code message }
  }
}
"""

ADDRESS = {
    "name": "李明",
    "province": "北京市",
    "city": "海淀区",
    "street": "中关村大街 1 号",
    "postcode": "100080",
}


def fill(products: int) -> None:
    """Load the demo data, then add products with stock and some orders."""
    from django.core.management import call_command
    from django.db import connection
    from oscar.core.loading import get_model

    from catalog.partner.models import Partner

    call_command("load_demo", verbosity=0)
    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    producers = list(Partner.objects.select_related("county"))
    template = Product.objects.exclude(origin_county=None).first()
    missing = products - Product.objects.count()
    made = Product.objects.bulk_create(
        Product(
            title=f"测试农产品 {number:05d}",
            slug=f"bench-{number}",
            product_class=template.product_class,
            producer=producers[number % len(producers)],
            origin_county=producers[number % len(producers)].county,
            benefit_rule=Product.BenefitRule.LINKS,
            is_public=True,
        )
        for number in range(missing)
    )
    StockRecord.objects.bulk_create(
        StockRecord(
            product=product,
            partner=product.producer,
            partner_sku=f"BENCH-{product.pk}",
            price=Decimal("10.00") + product.pk % 90,
            num_in_stock=1_000_000,
        )
        for product in made
    )
    StockRecord.objects.update(num_in_stock=1_000_000)
    # Fresh statistics, as autovacuum would have them on a live database.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def percentiles(seconds: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(seconds, n=20, method="inclusive")
    return statistics.median(seconds) * 1000, cuts[18] * 1000


def timed(call, times: int) -> list[float]:
    durations = []
    for number in range(times):
        started = time.perf_counter()
        call(number)
        durations.append(time.perf_counter() - started)
    return durations


def count_queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # A 500-line order runs thousands of queries; Django keeps 9,000 at most.
    connection.queries_limit = 1_000_000
    with CaptureQueriesContext(connection) as queries:
        call(0)
    return len(queries)


def plain_products(request):
    """The rows of PRODUCTS_QUERY, as a hand-written Django view would."""
    from django.db.models import Count, Prefetch
    from django.http import JsonResponse
    from oscar.core.loading import get_model

    from catalog.models import BenefitLink, County
    from fulfillment.selectors import county_totals

    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    offset = int(request.GET.get("offset", 0))
    page = list(
        Product.objects.filter(is_public=True)
        .select_related("producer__county", "origin_county")
        .prefetch_related(Prefetch("stockrecords", StockRecord.objects.order_by("pk")))
        .order_by("pk")[offset : offset + PAGE]
    )
    codes = {p.origin_county.code for p in page if p.origin_county}
    totals = {c.code: c for c in county_totals(County.objects.filter(code__in=codes))}
    links = BenefitLink.objects.filter(
        producer__in={p.producer_id for p in page}, status=BenefitLink.Status.ACTIVE
    )
    households = dict(
        links.values("producer_id")
        .annotate(n=Count("household", distinct=True))
        .values_list("producer_id", "n")
    )
    villages: dict[int, list] = {}
    for producer_id, code, name in (
        links.values_list(
            "producer_id", "household__village__code", "household__village__name"
        )
        .distinct()
        .order_by("producer_id", "household__village__code")
    ):
        villages.setdefault(producer_id, []).append({"code": code, "name": name})
    return JsonResponse(
        {"products": [_row(p, totals, households, villages) for p in page]}
    )


def _row(product, totals, households, villages) -> dict:
    record = next(iter(product.stockrecords.all()), None)
    county = product.origin_county
    total = totals.get(county.code) if county else None
    return {
        "id": product.pk,
        "title": product.title,
        "price": str(record.price) if record else None,
        "producer": {
            "name": product.producer.name,
            "county": {
                "code": product.producer.county.code,
                "name": product.producer.county.name,
            },
        },
        "originCounty": county
        and {
            "code": county.code,
            "name": county.name,
            "attributedTotal": str(total.attributed_total),
            "countedTotal": str(total.counted_total),
            "householdCount": total.household_count,
        },
        "beneficiaryHouseholdCount": households.get(product.producer_id, 0),
        "beneficiaryVillages": villages.get(product.producer_id, []),
    }


def route_plain_view() -> None:
    from django.urls import clear_url_caches, path

    from shop import urls

    urls.urlpatterns.insert(0, path("bench/products.json", plain_products))
    clear_url_caches()


def api_client():
    from django.test import Client

    from shop.partners import services
    from shop.partners.models import PartnerApp

    app = services.app_create(
        name="压测平台",
        organisation_kind=PartnerApp.OrganisationKind.PLATFORM,
        scopes=["orders", "impact"],
    )
    _, token = services.app_token_create(app=app, name="bench")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}"), app


def post(client, query: str, variables: dict) -> dict:
    response = client.post(
        "/graphql/",
        {"query": query, "variables": variables},
        content_type="application/json",
    )
    payload = response.json()
    if response.status_code != 200 or payload.get("errors"):
        raise SystemExit(f"The API refused the bench's request: {payload}")
    return payload["data"]


def product_pages(client, pages: int, total: int) -> dict:
    from graphql_relay import offset_to_cursor

    offsets = [random.randrange(0, total - PAGE) for _ in range(pages)]

    def api(number):
        after = offset_to_cursor(offsets[number] - 1) if offsets[number] else None
        data = post(client, PRODUCTS_QUERY, {"after": after})
        assert len(data["products"]["edges"]) == PAGE

    def plain(number):
        response = client.get("/bench/products.json", {"offset": offsets[number]})
        assert len(response.json()["products"]) == PAGE

    return {
        "api": (timed(api, pages), count_queries(api)),
        "plain": (timed(plain, pages), count_queries(plain)),
    }


def order_lines(product_ids: list[int], number: int) -> list[int]:
    start = (number * ORDER_LINES) % (len(product_ids) - ORDER_LINES)
    return product_ids[start : start + ORDER_LINES]


def bulk_orders(client, app, orders: int, product_ids: list[int]) -> dict:
    from graphql_relay import to_global_id

    from fulfillment import orders as placement

    def api(number):
        lines = [
            {"product": to_global_id("Product", pk), "quantity": 1 + pk % 3}
            for pk in order_lines(product_ids, number)
        ]
        order_input = {"idempotencyKey": f"api-{number}-{random.random()}"}
        order_input.update(lines=lines, shippingAddress=ADDRESS)
        data = post(client, ORDER_CREATE, {"input": order_input})
        assert data["orderCreate"]["errors"] == [], data["orderCreate"]["errors"]

    def direct(number):
        lines = [
            placement.OrderLineRequest(product_id=pk, quantity=1 + pk % 3)
            for pk in order_lines(product_ids, number)
        ]
        placement.order_place(
            key=f"direct-{number}-{random.random()}",
            lines=lines,
            shipping_address={
                "first_name": "李明",
                "state": "北京市",
                "line4": "海淀区",
                "line1": "中关村大街 1 号",
                "postcode": "100080",
            },
            app=app,
        )

    return {
        "api": (timed(api, orders), count_queries(api)),
        "plain": (timed(direct, orders), count_queries(direct)),
    }


def report(title: str, figures: dict, baseline: str) -> None:
    api_p50, api_p95 = percentiles(figures["api"][0])
    plain_p50, plain_p95 = percentiles(figures["plain"][0])
    print(title)
    print(
        f"  {'GraphQL':>24}: p50 {api_p50:8.1f} ms  p95 {api_p95:8.1f} ms  "
        f"{figures['api'][1]} SQL queries"
    )
    print(
        f"  {baseline:>24}: p50 {plain_p50:8.1f} ms  p95 {plain_p95:8.1f} ms  "
        f"{figures['plain'][1]} SQL queries"
    )
    print(
        f"  {'ratio':>24}: p50 {api_p50 / plain_p50:8.2f}×    "
        f"p95 {api_p95 / plain_p95:8.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--orders", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    recreate_database(url)

    import logging

    import django
    from django.core.management import call_command

    django.setup()
    logging.disable(logging.INFO)
    call_command("migrate", verbosity=0)
    fill(args.products)
    route_plain_view()
    random.seed(2026)

    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    product_ids = list(
        Product.objects.filter(stockrecords__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    client, app = api_client()
    # Orders first, so the impact fields of the pages have a ledger to total.
    orders = bulk_orders(client, app, args.orders, product_ids)
    pages = product_pages(client, args.pages, len(product_ids))

    print(f"{len(product_ids)} products; PostgreSQL; Django test client, no network")
    report(
        f"products(first: 100), {args.pages} random pages", pages, "plain Django view"
    )
    report(
        f"orderCreate of {ORDER_LINES} lines, {args.orders} orders",
        orders,
        "order_place() directly",
    )


if __name__ == "__main__":
    main()
