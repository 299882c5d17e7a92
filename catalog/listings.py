"""A producer's own listings: stock levels, prices and product details.

The partner API calls these for a cooperative's app, always with the app's
own producer. A product of another producer is refused exactly like one
that does not exist, so that a caller learns nothing about what others
sell.

Every change is all or nothing: each item is checked first, and when any is
refused nothing is written and every problem is reported, with the
position of its item and the field at fault.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from oscar.core.loading import get_model

from catalog.catalogue.models import Product
from catalog.models import County, Village
from catalog.partner.models import Partner
from catalog.registry.codes import validate_county_code, validate_village_code

logger = logging.getLogger(__name__)

Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")

MAX_ITEMS = 500
MAX_CATEGORIES = 20
TITLE_MAX_LENGTH = 255
SKU_MAX_LENGTH = 128
# StockRecord.price holds twelve digits, two of them after the point.
MAX_PRICE = Decimal("9999999999.99")

NOT_FOUND_MESSAGE = "No product of yours has this id."


class ProblemCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    DUPLICATE = "DUPLICATE"
    BELOW_ALLOCATED = "BELOW_ALLOCATED"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    NO_STOCKRECORD = "NO_STOCKRECORD"
    SKU_TAKEN = "SKU_TAKEN"


@dataclass(frozen=True)
class Problem:
    """Why an item, or one field of it, is refused.

    field names the input as the service takes it ("price", "categories.1");
    index is the item's position in a bulk change. Both are None when the
    change as a whole is refused.
    """

    code: ProblemCode
    message: str
    field: str | None = None
    index: int | None = None


class ListingRejected(Exception):
    """A change was refused and nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))


@dataclass(frozen=True)
class StockLevel:
    product_id: int
    num_in_stock: int


@dataclass(frozen=True)
class PriceChange:
    product_id: int
    price: Decimal


@dataclass(frozen=True)
class ListingDetails:
    """What a producer tells about a product; None leaves a detail as it is.

    product_class and categories are slugs, origin_county and
    origin_village division codes, benefit_rule a Product.BenefitRule.
    """

    title: str | None = None
    description: str | None = None
    product_class: str | None = None
    categories: Sequence[str] | None = None
    origin_county: str | None = None
    origin_village: str | None = None
    benefit_rule: str | None = None
    is_public: bool | None = None


def item_count_problem(count: int) -> Problem | None:
    """Return the problem of a bulk change of count items, if it is one."""
    if count <= MAX_ITEMS:
        return None
    return Problem(
        ProblemCode.TOO_MANY_ITEMS,
        f"At most {MAX_ITEMS} items can be changed at once, not {count}; "
        "send them in several requests.",
    )


def _position(problem: Problem) -> int:
    return -1 if problem.index is None else problem.index


# Bulk changes: which products are the producer's, and their stockrecords.


def _own_stockrecords(
    *, producer: Partner, product_ids: Sequence[int]
) -> tuple[set[int], dict[int, StockRecord]]:
    """Return which of product_ids are the producer's, and their stockrecords.

    Of several stockrecords of one product, the first by id is the one
    Oscar's strategy sells from.
    """
    owned = set(
        Product.objects.filter(producer=producer, pk__in=product_ids).values_list(
            "pk", flat=True
        )
    )
    records = {}
    rows = StockRecord.objects.filter(partner=producer, product_id__in=owned)
    for record in rows.order_by("pk"):
        records.setdefault(record.product_id, record)
    return owned, records


def _item_problems(
    *, producer: Partner, product_ids: Sequence[int]
) -> tuple[list[Problem], dict[int, StockRecord]]:
    owned, records = _own_stockrecords(producer=producer, product_ids=product_ids)
    problems = []
    seen = set()
    for index, pk in enumerate(product_ids):
        if pk in seen:
            problem = Problem(
                ProblemCode.DUPLICATE,
                "This product is listed earlier; send each product once.",
            )
        elif pk not in owned:
            problem = Problem(ProblemCode.NOT_FOUND, NOT_FOUND_MESSAGE)
        elif pk not in records:
            problem = Problem(
                ProblemCode.NO_STOCKRECORD,
                "This product has no stockrecord of yours, so it has no "
                "stock or price to change; ask the mall's staff to add one.",
            )
        else:
            problem = None
        if problem is not None:
            problems.append(
                Problem(problem.code, problem.message, field="product", index=index)
            )
        seen.add(pk)
    return problems, records


# Stock levels.


def _below_allocated(*, allocated: int, level: int, index: int) -> Problem:
    return Problem(
        ProblemCode.BELOW_ALLOCATED,
        f"{allocated} units are allocated to orders not yet shipped; the stock "
        f"cannot go below that, so {level} is refused.",
        field="num_in_stock",
        index=index,
    )


def _level_problem(
    level: StockLevel, record: StockRecord | None, index: int
) -> Problem | None:
    if level.num_in_stock < 0:
        return Problem(
            ProblemCode.INVALID,
            f"The stock level is 0 or more, not {level.num_in_stock}.",
            field="num_in_stock",
            index=index,
        )
    allocated = (record.num_allocated or 0) if record else 0
    if level.num_in_stock < allocated:
        return _below_allocated(
            allocated=allocated, level=level.num_in_stock, index=index
        )
    return None


def _stock_check(
    producer: Partner, levels: Sequence[StockLevel]
) -> tuple[list[Problem], dict[int, StockRecord]]:
    too_many = item_count_problem(len(levels))
    if too_many is not None:
        return [too_many], {}
    problems, records = _item_problems(
        producer=producer, product_ids=[level.product_id for level in levels]
    )
    for index, level in enumerate(levels):
        problem = _level_problem(level, records.get(level.product_id), index)
        if problem is not None:
            problems.append(problem)
    return sorted(problems, key=_position), records


def stock_problems(*, producer: Partner, levels: Sequence[StockLevel]) -> list[Problem]:
    """Return what stock_update would refuse in levels, writing nothing."""
    return _stock_check(producer, levels)[0]


def _set_level(record: StockRecord, level: int, now) -> bool:
    # One conditional UPDATE: an order allocating at the same moment either
    # commits first, and then this sees its allocation, or waits for this
    # and then sees the new level (fulfillment.stock.allocate).
    allocated_fits = Q(num_allocated__isnull=True) | Q(num_allocated__lte=level)
    updated = (
        StockRecord.objects.filter(pk=record.pk)
        .filter(allocated_fits)
        .update(num_in_stock=level, date_updated=now)
    )
    return updated == 1


@transaction.atomic
def stock_update(
    *, producer: Partner, levels: Sequence[StockLevel]
) -> list[StockRecord]:
    """Set the stock level of some of the producer's products, all or none.

    Return their stockrecords in the order of levels. Raise ListingRejected,
    writing nothing, with a problem for every item refused: more than
    MAX_ITEMS items (TOO_MANY_ITEMS), a product listed twice (DUPLICATE),
    not the producer's (NOT_FOUND) or without a stockrecord of the producer
    (NO_STOCKRECORD), a negative level (INVALID), or one below what orders
    hold allocated (BELOW_ALLOCATED), also when an order allocated more
    while this ran.
    """
    problems, records = _stock_check(producer, levels)
    if problems:
        raise ListingRejected(problems)

    overtaken = _apply_levels(levels, records)
    if overtaken:
        raise ListingRejected(overtaken)

    logger.info("stock updated producer=%s items=%d", producer.pk, len(levels))
    return [records[level.product_id] for level in levels]


def _apply_levels(
    levels: Sequence[StockLevel], records: dict[int, StockRecord]
) -> list[Problem]:
    """Write each level; return the problems of those allocations overtook."""
    now = timezone.now()
    overtaken = []
    # Stock rows in id order, the order placements and expiries lock them.
    by_row = sorted(enumerate(levels), key=lambda item: records[item[1].product_id].pk)
    for index, level in by_row:
        record = records[level.product_id]
        if _set_level(record, level.num_in_stock, now):
            record.num_in_stock = level.num_in_stock
            continue
        record.refresh_from_db(fields=["num_allocated"])
        logger.warning("stock level overtaken by allocation stockrecord=%s", record.pk)
        overtaken.append(
            _below_allocated(
                allocated=record.num_allocated or 0,
                level=level.num_in_stock,
                index=index,
            )
        )
    return sorted(overtaken, key=_position)


# Prices.


def _price_problem(price: Decimal, **position) -> Problem | None:
    if price <= 0:
        reason = f"a price is more than 0, not {price}"
    elif price.as_tuple().exponent < -2:
        reason = f"a price has at most two decimals, unlike {price}"
    elif price > MAX_PRICE:
        reason = f"a price is at most {MAX_PRICE}, not {price}"
    else:
        return None
    return Problem(ProblemCode.INVALID, f"In yuan, {reason}.", **position)


def _price_check(
    producer: Partner, changes: Sequence[PriceChange]
) -> tuple[list[Problem], dict[int, StockRecord]]:
    too_many = item_count_problem(len(changes))
    if too_many is not None:
        return [too_many], {}
    problems, records = _item_problems(
        producer=producer, product_ids=[change.product_id for change in changes]
    )
    for index, change in enumerate(changes):
        problem = _price_problem(change.price, field="price", index=index)
        if problem is not None:
            problems.append(problem)
    return sorted(problems, key=_position), records


def price_problems(
    *, producer: Partner, changes: Sequence[PriceChange]
) -> list[Problem]:
    """Return what price_update would refuse in changes, writing nothing."""
    return _price_check(producer, changes)[0]


@transaction.atomic
def price_update(
    *, producer: Partner, changes: Sequence[PriceChange]
) -> list[StockRecord]:
    """Set the price of some of the producer's products, all or none.

    Prices are in the shop's currency (CNY). Return the stockrecords in the
    order of changes. Raise ListingRejected, writing nothing, with a problem
    for every item refused: more than MAX_ITEMS items (TOO_MANY_ITEMS), a
    product listed twice (DUPLICATE), not the producer's (NOT_FOUND) or
    without a stockrecord of the producer (NO_STOCKRECORD), or a price that
    is not above 0, has more than two decimals or is too large (INVALID).
    """
    problems, records = _price_check(producer, changes)
    if problems:
        raise ListingRejected(problems)

    for change in changes:
        record = records[change.product_id]
        record.price = change.price
        record.price_currency = settings.OSCAR_DEFAULT_CURRENCY
        # Only these columns: the stock columns belong to orders meanwhile.
        record.save(update_fields=["price", "price_currency", "date_updated"])
    logger.info("prices updated producer=%s items=%d", producer.pk, len(changes))
    return [records[change.product_id] for change in changes]


# Product details: each check returns the model values it resolved and
# the problems it found.


def _required(field: str) -> Problem:
    return Problem(ProblemCode.INVALID, "This is required.", field=field)


def _title_values(details: ListingDetails, is_new: bool):
    if details.title is None:
        return {}, [_required("title")] if is_new else []
    title = details.title.strip()
    if not title:
        message = "A title cannot be empty."
    elif len(title) > TITLE_MAX_LENGTH:
        message = f"A title has at most {TITLE_MAX_LENGTH} characters."
    else:
        return {"title": title}, []
    return {}, [Problem(ProblemCode.INVALID, message, field="title")]


def _description_values(details: ListingDetails, is_new: bool):
    if details.description is None:
        return ({"description": ""} if is_new else {}), []
    return {"description": details.description.strip()}, []


def _product_class_values(details: ListingDetails, is_new: bool):
    slug = details.product_class
    if slug is None:
        return {}, [_required("product_class")] if is_new else []
    product_class = ProductClass.objects.filter(slug=slug).first()
    if product_class is None:
        message = f"No product class has the slug “{slug}”."
        return {}, [Problem(ProblemCode.NOT_FOUND, message, field="product_class")]
    return {"product_class": product_class}, []


def _benefit_values(details: ListingDetails, is_new: bool):
    rule = details.benefit_rule
    if rule is None:
        return ({"benefit_rule": Product.BenefitRule.LINKS} if is_new else {}), []
    if rule == Product.BenefitRule.LINKS:
        return {"benefit_rule": rule, "beneficiary": None}, []
    message = (
        "The direct rule names one registry household, which the partner API "
        "never handles; the mall's staff set it."
        if rule == Product.BenefitRule.DIRECT
        else f"There is no benefit rule “{rule}”."
    )
    return {}, [Problem(ProblemCode.INVALID, message, field="benefit_rule")]


def _visibility_values(details: ListingDetails, is_new: bool):
    if details.is_public is None:
        return ({"is_public": True} if is_new else {}), []
    return {"is_public": details.is_public}, []


def _county(code: str) -> tuple[County | None, Problem | None]:
    try:
        validate_county_code(code)
    except ValidationError:
        message = f"A county code is six digits, such as 522636, not “{code}”."
        return None, Problem(ProblemCode.INVALID, message, field="origin_county")
    county = County.objects.filter(code=code).first()
    if county is None:
        message = f"There is no county {code}."
        return None, Problem(ProblemCode.NOT_FOUND, message, field="origin_county")
    return county, None


def _village(code: str) -> tuple[Village | None, Problem | None]:
    try:
        validate_village_code(code)
    except ValidationError:
        message = (
            f"A village code is twelve digits, such as 522636101201, not “{code}”."
        )
        return None, Problem(ProblemCode.INVALID, message, field="origin_village")
    village = (
        Village.objects.select_related("township__county").filter(code=code).first()
    )
    if village is None:
        message = f"There is no village {code}."
        return None, Problem(ProblemCode.NOT_FOUND, message, field="origin_village")
    return village, None


def _origin_values(details: ListingDetails, is_new: bool, product: Product | None):
    """Resolve the origin; a county given without a village clears it."""
    values, problems = {}, []
    if details.origin_county is not None:
        county, problem = _county(details.origin_county)
        problems += [problem] if problem else []
        values = {"origin_county": county, "origin_village": None}
    elif is_new:
        problems.append(_required("origin_county"))
    if details.origin_village is None:
        return values, problems

    village, problem = _village(details.origin_village)
    if problem is not None:
        return values, [*problems, problem]
    county = values.get("origin_county", product.origin_county if product else None)
    if county is None:
        values["origin_county"] = village.township.county
    elif village.county_code != county.code:
        message = f"The village {village.code} is not in the county {county.code}."
        problems.append(Problem(ProblemCode.INVALID, message, field="origin_village"))
    values["origin_village"] = village
    return values, problems


def _categories(slugs: Sequence[str]) -> tuple[list, list[Problem]]:
    """Return the categories named by slugs, and the problems of the rest."""
    if len(slugs) > MAX_CATEGORIES:
        message = f"A product is in at most {MAX_CATEGORIES} categories."
        return [], [Problem(ProblemCode.INVALID, message, field="categories")]
    found = {}
    for category in Category.objects.browsable().filter(slug__in=slugs):
        found.setdefault(category.slug, []).append(category)
    categories, problems = [], []
    for index, slug in enumerate(slugs):
        matches = found.get(slug, [])
        field = f"categories.{index}"
        if not matches:
            message = f"No category has the slug “{slug}”."
            problems.append(Problem(ProblemCode.NOT_FOUND, message, field=field))
        elif len(matches) > 1:
            message = f"{len(matches)} categories have the slug “{slug}”."
            problems.append(Problem(ProblemCode.INVALID, message, field=field))
        elif matches[0] not in categories:
            categories.append(matches[0])
    return categories, problems


def _resolve(
    details: ListingDetails, *, product: Product | None
) -> tuple[dict, list | None, list[Problem]]:
    """Return the model values and categories details ask for, and problems.

    Categories are None when details leave them as they are.
    """
    is_new = product is None
    values, problems = {}, []
    for check in (
        _title_values,
        _description_values,
        _product_class_values,
        _benefit_values,
        _visibility_values,
    ):
        found, refused = check(details, is_new)
        values.update(found)
        problems += refused
    found, refused = _origin_values(details, is_new, product)
    values.update(found)
    problems += refused

    categories = None
    if details.categories is not None:
        categories, refused = _categories(details.categories)
        problems += refused
    elif is_new:
        categories = []
    return values, categories, problems


def _clean(product: Product) -> None:
    """Apply the model's own rules; raise ListingRejected when they refuse."""
    try:
        product.clean()
    except ValidationError as error:
        raise ListingRejected(_model_problems(error)) from None


def _model_problems(error: ValidationError) -> list[Problem]:
    if not hasattr(error, "error_dict"):
        return [Problem(ProblemCode.INVALID, message) for message in error.messages]
    return [
        Problem(ProblemCode.INVALID, message, field=None if name == "__all__" else name)
        for name, messages in error.message_dict.items()
        for message in messages
    ]


# Creating and changing products.


def _stock_problems_of_new(
    *, sku: str, price: Decimal, num_in_stock: int
) -> list[Problem]:
    problems = []
    if not sku:
        problems.append(
            Problem(ProblemCode.INVALID, "A SKU cannot be empty.", field="partner_sku")
        )
    elif len(sku) > SKU_MAX_LENGTH:
        message = f"A SKU has at most {SKU_MAX_LENGTH} characters."
        problems.append(Problem(ProblemCode.INVALID, message, field="partner_sku"))
    price_problem = _price_problem(price, field="price")
    if price_problem is not None:
        problems.append(price_problem)
    if num_in_stock < 0:
        message = f"The stock level is 0 or more, not {num_in_stock}."
        problems.append(Problem(ProblemCode.INVALID, message, field="num_in_stock"))
    return problems


def _sku_taken(sku: str) -> Problem:
    return Problem(
        ProblemCode.SKU_TAKEN,
        f"Another of your products has the SKU “{sku}”; change that product "
        "with productUpdate, or choose another SKU.",
        field="partner_sku",
    )


def _record_by_sku(producer: Partner, sku: str) -> StockRecord | None:
    return (
        StockRecord.objects.select_related("product")
        .filter(partner=producer, partner_sku=sku, product__producer=producer)
        .first()
    )


def _is_same(
    record: StockRecord, values: dict, categories: list, price: Decimal
) -> bool:
    """Whether the product of record is the one values would create."""
    product = record.product
    own_categories = set(product.categories.values_list("pk", flat=True))
    return (
        record.price == price
        and all(getattr(product, name) == value for name, value in values.items())
        and own_categories == {category.pk for category in categories}
    )


def _create(
    *, producer: Partner, values: dict, categories: list, stock: dict
) -> Product:
    product = Product(producer=producer, structure=Product.STANDALONE, **values)
    _clean(product)
    product.save()
    ProductCategory.objects.bulk_create(
        ProductCategory(product=product, category=category) for category in categories
    )
    StockRecord.objects.create(
        product=product,
        partner=producer,
        price_currency=settings.OSCAR_DEFAULT_CURRENCY,
        **stock,
    )
    return product


def product_create(
    *,
    producer: Partner,
    details: ListingDetails,
    partner_sku: str,
    price: Decimal,
    num_in_stock: int,
) -> Product:
    """Create a product of producer with its stockrecord; return it.

    details needs a title, a product class and an origin county. The SKU is
    the idempotency key: when the producer already sells a product under it
    with the same details and price, return that product and write nothing
    (its stock may have moved since). Raise ListingRejected, writing
    nothing, with a problem for each detail that is missing or invalid
    (INVALID), a product class, category, county or village that does not
    exist (NOT_FOUND), an invalid price, stock level or SKU (INVALID), or a
    SKU the producer uses for another product (SKU_TAKEN).
    """
    values, categories, problems = _resolve(details, product=None)
    sku = partner_sku.strip()
    problems += _stock_problems_of_new(sku=sku, price=price, num_in_stock=num_in_stock)
    existing = _record_by_sku(producer, sku) if sku else None
    if existing is not None:
        if not problems and _is_same(existing, values, categories, price):
            logger.info("product create repeated product=%s", existing.product_id)
            return existing.product
        problems.append(_sku_taken(sku))
    if problems:
        raise ListingRejected(problems)

    stock = {"partner_sku": sku, "price": price, "num_in_stock": num_in_stock}
    try:
        with transaction.atomic():
            product = _create(
                producer=producer, values=values, categories=categories, stock=stock
            )
    except IntegrityError:
        # A request with the same SKU committed while this one waited on
        # the unique index: the same product is a repeat, another a clash.
        existing = _record_by_sku(producer, sku)
        if existing is None:
            raise
        if _is_same(existing, values, categories, price):
            return existing.product
        raise ListingRejected([_sku_taken(sku)]) from None
    logger.info("product created producer=%s product=%s", producer.pk, product.pk)
    return product


def _set_categories(product: Product, categories: list) -> None:
    wanted = {category.pk for category in categories}
    links = ProductCategory.objects.filter(product=product)
    links.exclude(category_id__in=wanted).delete()
    present = set(links.values_list("category_id", flat=True))
    ProductCategory.objects.bulk_create(
        ProductCategory(product=product, category=category)
        for category in categories
        if category.pk not in present
    )


@transaction.atomic
def product_update(
    *, producer: Partner, product_id: int, details: ListingDetails
) -> Product:
    """Change the details given of one of the producer's products.

    A county given without a village clears the village; a village given
    alone must lie in the product's county. Categories given replace the
    product's. Raise ListingRejected, writing nothing, when the product is
    not the producer's (NOT_FOUND, field "product"), a detail is invalid
    (INVALID), or a product class, category, county or village does not
    exist (NOT_FOUND).
    """
    product = (
        # Only the product's row: PostgreSQL locks no nullable side of a join.
        Product.objects.select_for_update(of=("self",))
        .select_related("origin_county")
        .filter(producer=producer, pk=product_id)
        .first()
    )
    if product is None:
        raise ListingRejected(
            [Problem(ProblemCode.NOT_FOUND, NOT_FOUND_MESSAGE, field="product")]
        )
    values, categories, problems = _resolve(details, product=product)
    if problems:
        raise ListingRejected(problems)

    for name, value in values.items():
        setattr(product, name, value)
    _clean(product)
    if values:
        product.save(update_fields=[*values, "date_updated"])
    if categories is not None:
        _set_categories(product, categories)
    logger.info("product updated producer=%s product=%s", producer.pk, product.pk)
    return product
