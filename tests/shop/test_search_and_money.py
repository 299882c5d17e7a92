"""Database search on the embedded default, and how money is written."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db


def test_database_search_finds_a_product_by_its_chinese_title(django_app):
    factories.StockRecordFactory(product__title="大方天麻 250克")
    factories.StockRecordFactory(product__title="丹寨硒锌茶")

    page = django_app.get(reverse("search:search"), {"q": "天麻"})

    titles = [a.get("title") for a in page.html.select("article.product_pod h3 a")]
    assert titles == ["大方天麻 250克"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("10"), "¥10.00"),
        (Decimal("3.5"), "¥3.50"),
        (Decimal("1234.567"), "¥1,234.57"),
        (Decimal("0"), "¥0.00"),
    ],
)
def test_yuan_are_shown_with_the_sign_and_two_decimals(language, amount, shown):
    template = Template("{% load currency_filters %}{{ amount|currency }}")

    with translation.override(language):
        text = template.render(Context({"amount": amount}))

    assert text == shown


def test_browsing_lists_every_product_and_sorts_by_price(django_app):
    for title, price in (
        ("乙 苹果", "6.50"),
        ("甲 脐橙", "12.00"),
        ("丙 滩羊", "88.00"),
    ):
        factories.StockRecordFactory(product__title=title, price=Decimal(price))

    page = django_app.get(reverse("catalogue:index"), {"sort_by": "price-desc"})

    titles = [a.get("title") for a in page.html.select("article.product_pod h3 a")]
    assert titles == ["丙 滩羊", "甲 脐橙", "乙 苹果"]


def test_category_page_lists_only_its_products(django_app):
    from oscar.apps.catalogue.categories import create_from_breadcrumbs

    tea = create_from_breadcrumbs("茶叶")
    in_tea = factories.StockRecordFactory(product__title="丹寨硒锌茶").product
    in_tea.categories.add(tea)
    factories.StockRecordFactory(product__title="静宁苹果")

    page = django_app.get(tea.get_absolute_url())

    titles = [a.get("title") for a in page.html.select("article.product_pod h3 a")]
    assert titles == ["丹寨硒锌茶"]
