"""Load the demo data set of catalog/data/demo into the database.

Real poverty counties with their codes and characteristic produce; invented
producers, products and synthetic registry households (see the data
folder's README). Every record is keyed on a code, a credit code, a UPC, a
SKU or a document number, so loading twice leaves the same rows.
"""

import datetime
import io
import json
import logging
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.files.base import ContentFile
from django.db import models, transaction
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model
from PIL import Image, ImageDraw, ImageFont, ImageOps
from pypinyin import lazy_pinyin

from catalog.models import (
    BenefitLink,
    Certificate,
    County,
    Household,
    Prefecture,
    Province,
    Township,
    Village,
)
from catalog.registry.importer import import_registry_csv
from catalog.registry.imports import links_recheck

logger = logging.getLogger(__name__)

Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")

DATA_DIR = Path(__file__).resolve().parent / "data" / "demo"
REGISTRY_CSV = DATA_DIR / "registry.csv"
DEMO_DOMAIN = "localhost:8000"

LINK_TYPES = {
    Partner.Kind.COOPERATIVE: ("contract", "floor_price", "dividend"),
    Partner.Kind.ENTERPRISE: ("employment", "land_rent", "equity"),
    Partner.Kind.FAMILY_FARM: ("land_rent", "employment"),
    Partner.Kind.VILLAGE_COLLECTIVE: ("dividend", "equity", "employment"),
}
LINKS_PER_PRODUCER = 16
LINKS_FROM = datetime.date(2021, 1, 1)
LINKS_ENDED_ON = datetime.date(2022, 12, 31)

CATEGORY_COLOURS = {
    "茶叶": ((46, 125, 50), (200, 230, 201)),
    "中药材": ((121, 85, 72), (215, 204, 200)),
    "水果": ((239, 108, 0), (255, 224, 178)),
    "肉类": ((183, 28, 28), (255, 205, 210)),
    "粮油": ((249, 168, 37), (255, 249, 196)),
    "干货": ((141, 110, 99), (239, 235, 233)),
    "休闲食品": ((106, 27, 154), (225, 190, 231)),
}
IMAGE_SIZE = 480
# Slugs and codes that save() derives from the name or title.
FILLED_ON_SAVE = ("slug", "code")

COUNTED_MODELS = {
    "provinces": Province,
    "prefectures": Prefecture,
    "counties": County,
    "townships": Township,
    "villages": Village,
    "households": Household,
    "producers": Partner,
    "product_classes": ProductClass,
    "categories": Category,
    "products": Product,
    "product_categories": ProductCategory,
    "product_images": ProductImage,
    "stockrecords": StockRecord,
    "certificates": Certificate,
    "benefit_links": BenefitLink,
}


class DemoDataError(Exception):
    """The committed demo data set does not load cleanly."""


def load_demo() -> dict[str, int]:
    """Load or refresh the demo data set; return the count of each model.

    Raise DemoDataError when the registry export has rejected rows, and
    django.core.exceptions.ValidationError when a demo record breaks a
    model rule; nothing is written then.
    """
    with transaction.atomic():
        _load_site()
        _load_divisions(_read_json("divisions.json"))
        _load_households()
        producers = _load_producers(_read_json("producers.json"))
        for item in _read_json("products.json")["products"]:
            _load_product(item, producers)
        for producer in producers.values():
            _load_links(producer)
        # Links to households that no longer count show flagged at once.
        links_recheck()
    counts = demo_counts()
    logger.info(
        "demo loaded products=%d households=%d",
        counts["products"],
        counts["households"],
    )
    return counts


def demo_counts() -> dict[str, int]:
    """Return how many rows each demo model holds."""
    return {label: model.objects.count() for label, model in COUNTED_MODELS.items()}


def _read_json(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _upsert(model: type[models.Model], defaults: dict, **lookup) -> models.Model:
    """Create or update the row found by lookup, validated before saving.

    Raise ValidationError when the row breaks a field or model rule.
    """
    instance = model.objects.filter(**lookup).first() or model(**lookup)
    changed = [
        name for name, value in defaults.items() if _differs(instance, name, value)
    ]
    if instance.pk and not changed:
        return instance
    for name in changed:
        setattr(instance, name, defaults[name])
    instance.full_clean(exclude=FILLED_ON_SAVE)
    instance.save()
    return instance


def _differs(instance: models.Model, name: str, value) -> bool:
    """Whether a field of instance differs from value; relations by key."""
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname) != (value.pk if value else None)
    return getattr(instance, name) != value


def _load_site() -> None:
    """Name the site and make China the shipping country checkout offers."""
    site, _ = Site.objects.get_or_create(pk=settings.SITE_ID)
    if site.domain in ("", "example.com"):
        site.domain, site.name = DEMO_DOMAIN, settings.OSCAR_SHOP_NAME
        site.save()
    Country.objects.update_or_create(
        iso_3166_1_a2="CN",
        defaults={
            "iso_3166_1_a3": "CHN",
            "iso_3166_1_numeric": "156",
            "printable_name": "中国",
            "name": "中华人民共和国",
            "is_shipping_country": True,
        },
    )


def _load_divisions(data: dict) -> None:
    """Upsert the provinces down to the villages of divisions.json."""
    for p in data["provinces"]:
        province = _upsert(Province, {"name": p["name"]}, code=p["code"])
        for pf in p["prefectures"]:
            defaults = {"name": pf["name"], "province": province}
            prefecture = _upsert(Prefecture, defaults, code=pf["code"])
            for c in pf["counties"]:
                _load_county(c, prefecture)


def _load_county(data: dict, prefecture: Prefecture) -> None:
    defaults = {
        "name": data["name"],
        "prefecture": prefecture,
        "is_poverty_county": True,
        "produce": data["produce"],
    }
    county = _upsert(County, defaults, code=data["code"])
    for t in data["townships"]:
        defaults = {"name": t["name"], "county": county}
        township = _upsert(Township, defaults, code=t["code"])
        for v in t["villages"]:
            defaults = {"name": v["name"], "township": township}
            _upsert(Village, defaults, code=v["code"])


def _load_households() -> None:
    """Import registry.csv through the registry importer.

    Raise DemoDataError when any of its rows is rejected.
    """
    result = import_registry_csv(REGISTRY_CSV, source_name="demo")
    if result.errors:
        first = result.errors[0]
        raise DemoDataError(
            f"registry.csv row {first.row} column {first.column}: {first.reason}"
        )


def _load_producers(data: dict) -> dict[str, Partner]:
    """Upsert the producers, keyed by credit code."""
    producers = {}
    for item in data["producers"]:
        defaults = {
            "name": item["name"],
            "kind": item["kind"],
            "county": County.objects.get(code=item["county"]),
            "story": item["story"],
        }
        producers[item["credit_code"]] = _upsert(
            Partner, defaults, credit_code=item["credit_code"]
        )
    return producers


def _load_product(item: dict, producers: dict[str, Partner]) -> Product:
    """Upsert one product with its categories, stock, certificate and image."""
    village = Village.objects.get(code=item["village"])
    direct = item["benefit_rule"] == Product.BenefitRule.DIRECT
    defaults = {
        "title": item["title"],
        "description": item["description"],
        "product_class": _product_class(item["product_class"]),
        "structure": Product.STANDALONE,
        "is_public": True,
        "producer": producers[item["producer"]],
        "origin_county": County.objects.get(code=item["county"]),
        "origin_village": village,
        "benefit_rule": item["benefit_rule"],
        "beneficiary": _first_eligible(village) if direct else None,
    }
    product = _upsert(Product, defaults, upc=item["upc"])
    for breadcrumbs in item["categories"]:
        category = create_from_breadcrumbs(breadcrumbs)
        ProductCategory.objects.get_or_create(product=product, category=category)
    _load_stockrecord(product, item)
    _load_certificate(product, item.get("certificate"))
    _load_image(product, item["categories"][0])
    return product


def _product_class(name: str) -> ProductClass:
    defaults = {"requires_shipping": True, "track_stock": True}
    return ProductClass.objects.get_or_create(name=name, defaults=defaults)[0]


def _first_eligible(village: Village) -> Household:
    """Return the eligible household of village with the lowest number.

    Raise DemoDataError when the village has none.
    """
    households = Household.objects.filter(village=village).order_by("registry_number")
    for household in households:
        if household.is_eligible():
            return household
    raise DemoDataError(f"no eligible household in village {village.code}")


def _load_stockrecord(product: Product, item: dict) -> None:
    """Upsert the producer's stockrecord; products without stock get none."""
    if item["stock"] is None:
        return
    defaults = {
        "product": product,
        "price": Decimal(item["price"]),
        "price_currency": "CNY",
        "num_in_stock": item["stock"],
    }
    _upsert(StockRecord, defaults, partner=product.producer, partner_sku=item["upc"])


def _load_certificate(product: Product, data: dict | None) -> None:
    if data is None:
        return
    defaults = {
        "product": product,
        "issuer": data["issuer"],
        "catalogue_batch": data["catalogue_batch"],
        "valid_from": datetime.date.fromisoformat(data["valid_from"]),
        "valid_until": datetime.date.fromisoformat(data["valid_until"]),
    }
    _upsert(Certificate, defaults, document_number=data["document_number"])


def _load_image(product: Product, category: str) -> None:
    """Give product its generated picture, once."""
    code = f"demo-{product.upc}".lower()
    if ProductImage.objects.filter(code=code).exists():
        return
    image = ProductImage(product=product, code=code, caption=product.title)
    content = ContentFile(product_picture(product.title, category))
    image.original.save(f"{product.slug}.png", content, save=False)
    image.save()


def product_picture(title: str, category: str) -> bytes:
    """Return a PNG gradient in the category's colours with the title's pinyin.

    Pillow's bundled font has no Chinese glyphs, so the title is spelled in
    pinyin.
    """
    dark, light = CATEGORY_COLOURS.get(category, ((69, 90, 100), (207, 216, 220)))
    ramp = Image.linear_gradient("L").resize((IMAGE_SIZE, IMAGE_SIZE))
    picture = ImageOps.colorize(ramp, dark, light)
    draw = ImageDraw.Draw(picture)
    for x in range(-IMAGE_SIZE, IMAGE_SIZE, 40):
        draw.line([(x, IMAGE_SIZE), (x + IMAGE_SIZE, 0)], fill=light, width=2)
    _draw_caption(draw, title)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _draw_caption(draw: ImageDraw.ImageDraw, title: str) -> None:
    font = ImageFont.load_default(size=34)
    words = [w[:1].upper() + w[1:] for w in " ".join(lazy_pinyin(title)).split()]
    lines, line = [], ""
    for word in words:
        if line and len(line) + len(word) > 16:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    top = IMAGE_SIZE // 2 - 24 * len(lines)
    for index, text in enumerate(lines):
        position = (IMAGE_SIZE // 2, top + 48 * index)
        draw.text(
            position,
            text,
            font=font,
            fill="white",
            anchor="ma",
            stroke_width=3,
            stroke_fill=(33, 33, 33),
        )


def _load_links(producer: Partner) -> None:
    """Upsert the producer's benefit links to households of its county.

    Producers of one county take turns over its households; types follow
    the producer's kind, weights run 1–3, and a few links are suspended or
    ended. The first link of each producer is active.
    """
    same_county = Partner.objects.filter(county=producer.county).order_by("credit_code")
    turn = list(same_county.values_list("pk", flat=True)).index(producer.pk)
    households = Household.objects.filter(
        village__township__county=producer.county
    ).order_by("registry_number")
    chosen = list(households)[turn :: same_county.count()][:LINKS_PER_PRODUCER]
    for index, household in enumerate(chosen):
        # Link values come from this module, not the data files, so the
        # database constraints are check enough.
        BenefitLink.objects.update_or_create(
            producer=producer,
            household=household,
            defaults=_link_fields(producer, index),
        )


def _link_fields(producer: Partner, index: int) -> dict:
    types = LINK_TYPES[producer.kind]
    status, until = BenefitLink.Status.ACTIVE, None
    if index % 9 == 8:
        status = BenefitLink.Status.SUSPENDED
    elif index % 7 == 6:
        status, until = BenefitLink.Status.ENDED, LINKS_ENDED_ON
    return {
        "link_type": types[index % len(types)],
        "weight": Decimal(1 + index % 3),
        "valid_from": LINKS_FROM,
        "valid_until": until,
        "status": status,
    }
