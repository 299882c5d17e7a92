"""The demo data set: what it holds, and that loading it twice changes nothing.

Expected figures are read from the committed data files, not from the code
that loads them.
"""

import csv
import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import models, transaction
from django.test import override_settings
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from catalog.demo import demo_counts, load_demo
from catalog.models import BenefitLink, Certificate, County, Household
from catalog.registry.codes import validate_credit_code
from catalog.registry.importer import EXPORT_COLUMNS

Country = get_model("address", "Country")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
Selector = get_class("partner.strategy", "Selector")

DATA = Path(__file__).resolve().parents[2] / "catalog" / "data" / "demo"


def read_json(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def registry_rows() -> list[dict[str, str]]:
    with open(DATA / "registry.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def expected_counts() -> dict[str, int]:
    """Return the row counts the data files call for, benefit links aside."""
    divisions = read_json("divisions.json")["provinces"]
    prefectures = [pf for p in divisions for pf in p["prefectures"]]
    counties = [c for pf in prefectures for c in pf["counties"]]
    townships = [t for c in counties for t in c["townships"]]
    products = read_json("products.json")["products"]
    categories = [name for item in products for name in item["categories"]]
    return {
        "provinces": len(divisions),
        "prefectures": len(prefectures),
        "counties": len(counties),
        "townships": len(townships),
        "villages": sum(len(t["villages"]) for t in townships),
        "households": len({row["户编号"] for row in registry_rows()}),
        "producers": len(read_json("producers.json")["producers"]),
        "product_classes": len({item["product_class"] for item in products}),
        "categories": len(set(categories)),
        "products": len(products),
        "product_categories": len(categories),
        "product_images": len(products),
        "stockrecords": sum(1 for item in products if item["stock"] is not None),
        "certificates": sum(1 for item in products if item["certificate"]),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load the demo once for this module; roll it back after the last test.

    Each test still runs in its own savepoint, so what one test writes is
    gone before the next.
    """
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        yield load_demo()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_loading_again_gives_the_same_counts(demo):
    second = load_demo()

    assert second == demo
    assert {k: v for k, v in demo.items() if k != "benefit_links"} == (
        expected_counts()
    )
    assert demo["benefit_links"] > 0


@pytest.mark.django_db
def test_command_prints_the_counts(demo, capsys):
    call_command("load_demo")

    out = capsys.readouterr().out
    assert "households          336" in out
    assert out.rstrip().endswith("Demo data loaded.")


@pytest.mark.django_db
def test_demo_holds_real_poverty_counties(demo):
    counties = County.objects.filter(is_poverty_county=True).select_related(
        "prefecture__province"
    )

    assert counties.count() >= 6
    chain = {
        c.code: (c.name, c.prefecture.code, c.prefecture.province.code)
        for c in counties
    }
    assert chain["522636"] == ("丹寨县", "522600", "520000")
    assert chain["520521"] == ("大方县", "520500", "520000")
    assert all(c.produce for c in counties)


@pytest.mark.django_db
def test_demo_producers_have_valid_credit_codes_of_their_county(demo):
    producers = Partner.objects.select_related("county")

    assert producers.count() >= 8
    for producer in producers:
        validate_credit_code(producer.credit_code)
        assert producer.credit_code[2:8] == producer.county.code
        assert 2 <= producer.story.count("。") <= 4
    kinds = set(producers.values_list("kind", flat=True))
    assert kinds == {"cooperative", "enterprise", "family_farm", "collective"}


@pytest.mark.django_db
def test_demo_products_are_complete(demo):
    products = Product.objects.select_related("origin_village", "origin_county")

    assert products.count() >= 40
    for product in products:
        assert product.producer_id and product.product_class_id
        assert product.origin_village.county_code == product.origin_county.code
        assert product.categories.exists()
        assert product.images.count() == 1
        for record in product.stockrecords.all():
            assert record.partner_id == product.producer_id
            assert record.price_currency == "CNY"
            assert record.price == record.price.quantize(Decimal("0.01"))


@pytest.mark.django_db
def test_products_without_stockrecord_cannot_be_bought(demo):
    titles = {"奉节脐橙 10kg 家庭装", "苍溪雪梨 5kg"}
    strategy = Selector().strategy()

    unstocked = Product.objects.filter(stockrecords__isnull=True)

    assert set(unstocked.values_list("title", flat=True)) == titles
    for product in unstocked:
        info = strategy.fetch_for_product(product)
        assert info.availability.is_available_to_buy is False


@pytest.mark.django_db
def test_some_certificates_are_expired_and_some_products_uncertified(demo):
    today = timezone.localdate()

    expired = Certificate.objects.filter(valid_until__lt=today)
    valid = Certificate.objects.filter(valid_from__lte=today, valid_until__gte=today)
    uncertified = Product.objects.filter(certificates__isnull=True)

    assert (expired.count(), valid.count(), uncertified.count()) == (5, 33, 4)
    assert expired.filter(catalogue_batch="2020年第三批").count() == 5


@pytest.mark.django_db
def test_every_product_has_someone_to_benefit(demo):
    today = timezone.localdate()

    for product in Product.objects.filter(benefit_rule="links"):
        links = BenefitLink.objects.filter(producer=product.producer_id)
        assert any(link.is_active_on(today) for link in links), product.title
    direct = Product.objects.filter(benefit_rule="direct")
    assert direct.count() == 3
    assert all(p.beneficiary.is_eligible() for p in direct)


@pytest.mark.django_db
def test_benefit_links_are_varied(demo):
    links = BenefitLink.objects.select_related("producer", "household__village")

    assert len({link.link_type for link in links}) == 6
    assert {link.status for link in links} == {"active", "suspended", "ended"}
    assert {link.weight for link in links} == {Decimal(1), Decimal(2), Decimal(3)}
    for link in links:
        assert link.household.village.county_code == link.producer.county.code
    ended = links.filter(status="ended")
    assert set(ended.values_list("valid_until", flat=True)) == {
        datetime.date(2022, 12, 31)
    }


@pytest.mark.django_db
def test_households_mix_statuses_and_monitoring(demo):
    households = list(Household.objects.all())

    assert len(households) >= 300
    assert {h.status for h in households} == {0, 1, 3, 4}
    ineligible = [h for h in households if not h.is_eligible()]
    monitored = [h for h in households if h.is_monitored]
    assert ineligible and all(h.status == 4 for h in ineligible)
    assert {h.monitoring_kind for h in monitored} == {
        "unstable",
        "marginal",
        "sudden",
    }


def test_registry_file_has_the_export_layout():
    with open(DATA / "registry.csv", "rb") as f:
        start = f.read(3)
    with open(DATA / "registry.csv", encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))

    assert start == b"\xef\xbb\xbf"
    assert tuple(header) == EXPORT_COLUMNS
    assert len(registry_rows()) >= 1000


@pytest.mark.django_db
def test_no_full_id_number_or_name_is_stored(demo):
    rows = registry_rows()
    id_numbers = {row["证件号码"] for row in rows}
    names = {row["姓名"] for row in rows}

    stored = set()
    for model in apps.get_models():
        if not model._meta.managed:
            continue
        text = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for values in model.objects.values_list(*text) if text else []:
            stored.update(str(v) for v in values if v)

    assert not any(number in value for value in stored for number in id_numbers)
    household_text = {
        str(v) for h in Household.objects.values() for v in h.values() if v
    }
    assert not household_text & names


@pytest.mark.django_db
def test_site_and_shipping_country_are_ready(demo):
    assert Site.objects.get_current().domain == "localhost:8000"
    assert list(
        Country.objects.filter(is_shipping_country=True).values_list(
            "iso_3166_1_a2", flat=True
        )
    ) == ["CN"]


@pytest.mark.django_db
def test_demo_counts_match_what_load_demo_returned(demo):
    assert demo_counts() == demo
