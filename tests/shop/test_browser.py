"""A guest's purchase in a real browser on a phone, product page to thank-you.

Debian's chromium, driven by playwright, talks to the live server. Every
request to another host is refused and recorded: a page that needs a CDN
would hang for a buyer in mainland China, so here it fails.
"""

import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from oscar.core.loading import get_model

from catalog.demo import _load_divisions, _read_json
from catalog.models import Village
from fulfillment.models import AttributionEntry
from tests import factories
from tests.conftest import skip_or_fail
from tests.shop.test_checkout import china  # noqa: F401

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = Path("/usr/bin/chromium")
# No first-run pages, updates, sync or QUIC: the browser itself stays quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# For a person to look at after the run: the basket and the confirmation.
SCREENSHOTS = Path(tempfile.gettempdir())
# A letter before ¥ (CN¥, US$-style prefixes) is part of the token, so that
# the format check sees it.
MONEY = re.compile(r"[A-Z]*¥[\d,.]*")
TWO_DECIMALS = re.compile(r"¥\d{1,3}(?:,\d{3})*\.\d{2}")

PRICE_A = Decimal("12.34")
PRICE_B = Decimal("5.67")
# Standard express, charged on orders under ¥99.00.
SHIPPING = Decimal("10.00")


@pytest.fixture(scope="module")
def chromium():
    """Launch Debian's chromium headless; never playwright's own download."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is missing: pip install -e '.[test]'")

    # Playwright's sync API leaves its event loop marked as running on this
    # thread while it waits in a greenlet. Django takes that for an async
    # context and refuses the ORM, though every query here is synchronous.
    # Module scope keeps both the loop and the override out of other tests.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Traffic:
    """What pages asked of other hosts, and what went wrong in them."""

    def __init__(self, host: str):
        self.host = host
        self.outside: list[str] = []
        self.bad_responses: list[str] = []
        self.script_errors: list[str] = []

    def route(self, route) -> None:
        if urlsplit(route.request.url).netloc == self.host:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def response(self, response) -> None:
        if response.status >= 400:
            self.bad_responses.append(f"{response.status} {response.url}")

    def page_error(self, error) -> None:
        self.script_errors.append(str(error))


@pytest.fixture
def phone(chromium, live_server):
    """Return a fresh phone-sized page on the live server, and its traffic."""
    traffic = Traffic(urlsplit(live_server.url).netloc)
    context = chromium.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(10_000)
    context.route("**/*", traffic.route)
    page = context.new_page()
    page.on("response", traffic.response)
    page.on("pageerror", traffic.page_error)
    yield page, traffic
    context.close()


@dataclass
class Shown:
    money: list[str]
    width: int


def certified_product(*, price: Decimal, villages: list):
    """Return a new producer's certified product, one household per village."""
    product = factories.StockRecordFactory(price=price).product
    for village in villages:
        factories.BenefitLinkFactory(
            producer=product.producer, household__village=village
        )
    factories.CertificateFactory(product=product)
    return product


def look_at(page, name: str) -> Shown:
    """Save a screenshot of the page; return its amounts and its width."""
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    return Shown(
        money=MONEY.findall(page.inner_text("body")),
        width=page.evaluate("document.documentElement.scrollWidth"),
    )


def add_to_basket(page, product, price: Decimal) -> None:
    page.goto(product.get_absolute_url())
    assert page.inner_text(".product_main .price_color") == f"¥{price}"

    page.click("#add_to_basket_form button[type=submit]")
    added = page.locator(".alert-success").first
    added.wait_for()
    assert product.title in added.inner_text()


def check_out_as_guest(page) -> None:
    """Walk from the basket to the thank-you page, paying on delivery."""
    page.click(f"a.btn[href='{reverse('checkout:index')}']")
    page.wait_for_url(reverse("checkout:index"))
    page.fill("#id_username", "buyer@example.com")
    page.check("input[name=options][value=anonymous]")
    page.click("form button[type=submit]")

    page.wait_for_url(reverse("checkout:shipping-address"))
    page.fill("#id_first_name", "李华")
    page.fill("#id_phone_number", "13800138000")
    page.fill("#id_state", "贵州省")
    page.fill("#id_line4", "丹寨县")
    page.fill("#id_line1", "龙泉镇文化路 8 号")
    page.fill("#id_postcode", "557500")
    page.click("#new_shipping_address button[type=submit]")

    # One shipping method: Oscar goes straight on to the payment method.
    page.wait_for_url(reverse("checkout:payment-method"))
    page.check("input[name=method][value=cod]")
    page.click("#payment_method_form button[type=submit]")
    page.wait_for_url(reverse("checkout:payment-details"))
    page.click("#view_preview")

    page.wait_for_url(reverse("checkout:preview"))
    page.click("#place-order")
    page.wait_for_url(reverse("checkout:thank-you"))


@pytest.mark.usefixtures("china")
def test_guest_on_a_phone_buys_from_two_producers(phone):
    page, traffic = phone
    # Three households for A, two of them in one village, and two for B:
    # five households in three villages.
    village_1, village_2, village_3 = factories.VillageFactory.create_batch(3)
    product_a = certified_product(
        price=PRICE_A, villages=[village_1, village_1, village_2]
    )
    product_b = certified_product(price=PRICE_B, villages=[village_3, village_3])
    goods = PRICE_A + PRICE_B
    total = goods + SHIPPING

    add_to_basket(page, product_a, PRICE_A)
    add_to_basket(page, product_b, PRICE_B)
    page.goto(reverse("basket:summary"))
    basket = look_at(page, "basket")
    check_out_as_guest(page)
    confirmation = look_at(page, "confirmation")

    assert Order.objects.count() == 1
    order = Order.objects.get()
    entries = AttributionEntry.objects.filter(order=order)
    assert entries.count() == 5
    assert sum(e.amount for e in entries) == goods
    assert order.total_incl_tax - order.shipping_incl_tax == goods
    assert order.total_incl_tax == total
    assert page.inner_text(".lead strong") == order.number
    assert page.inner_text(".order-impact .impact-amount") == f"¥{goods}"
    assert page.inner_text(".order-impact .impact-households") == "5"
    assert page.inner_text(".order-impact .impact-villages") == "3"
    for shown in (basket, confirmation):
        assert [m for m in shown.money if not TWO_DECIMALS.fullmatch(m)] == []
        assert shown.width == PHONE["width"]
    assert {f"¥{PRICE_A}", f"¥{PRICE_B}", f"¥{goods}", f"¥{total}"} <= set(basket.money)
    assert f"¥{total}" in confirmation.money
    assert traffic.outside == []
    assert traffic.bad_responses == []
    assert traffic.script_errors == []


def test_graphiql_opens_on_an_example_that_runs_offline(phone):
    page, traffic = phone
    factories.StockRecordFactory(product__title="丹寨硒锌绿茶", price=Decimal("128.00"))

    page.goto("/graphql/")
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".graphiql-response")
    result.get_by_text("丹寨硒锌绿茶").wait_for()

    assert "products(first: 5)" in page.inner_text(".graphiql-query-editor")
    assert '"amount": "128.00"' in result.inner_text()
    assert traffic.outside == []
    assert traffic.script_errors == []


REGISTRY_FILES = Path(__file__).parents[1] / "catalog" / "registry_files"


def test_staff_upload_an_export_follow_it_and_fetch_its_errors(
    phone, client, settings, tmp_path
):
    page, traffic = phone
    settings.REGISTRY_UPLOAD_DIR = str(tmp_path / "uploads")
    _load_divisions(_read_json("divisions.json"))
    gone = factories.HouseholdFactory(
        registry_number="52263610020290099",
        village=Village.objects.get(code="522636100202"),
    )
    link = factories.BenefitLinkFactory(household=gone)
    staff = get_user_model().objects.create_user(
        username="office", password="x", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    host = urlsplit(f"http://{traffic.host}").hostname
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": host,
                "path": "/",
            }
        ]
    )

    page.goto(reverse("registry-dashboard:import-list"))
    page.set_input_files("#id_file", str(REGISTRY_FILES / "excel_dates.xlsx"))
    page.click("#registry-upload-form button[type=submit]")
    page.wait_for_selector("#import-progress")
    status = page.inner_text("#import-status")
    errors = page.inner_text("#row-errors")
    with page.expect_download() as download:
        page.click("#download-errors")
    saved = tmp_path / "errors.xlsx"
    download.value.save_as(saved)
    page.goto(reverse("registry-dashboard:flagged-links"))
    flags = page.inner_text("#flagged-links")

    assert status == "已写入"
    assert "2020/2/30" in errors and "去年" in errors
    rows = list(openpyxl.load_workbook(saved).active.iter_rows(values_only=True))
    assert [row[:4] for row in rows[1:]] == [
        (8, "52052110220290001", "首次识别时间", "2020/2/30"),
        (10, "52052120120190001", "首次识别时间", "去年"),
    ]
    assert gone.registry_number in flags and link.producer.name in flags
    assert "最新导出数据中已无此户" in flags
    assert traffic.outside == []
    assert traffic.script_errors == []
