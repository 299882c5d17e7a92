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
