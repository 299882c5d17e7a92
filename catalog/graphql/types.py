"""Public types of the catalogue: products, producers and where they are from.

Nothing here reaches a registry household's number, name or ID: products
show how many households they benefit and in which villages, no more.
"""

import graphene
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id
from oscar.core.loading import get_class, get_model

from catalog import selectors
from catalog.catalogue.models import Product as ProductModel
from catalog.models import BenefitLink
from catalog.partner.models import Partner
from fulfillment.graphql.dataloaders import (
    AttributionTotalsByCountyCodeLoader,
    AttributionTotalsByVillageCodeLoader,
)
from shop.graphql.auth import require_producer
from shop.graphql.connections import CountableConnection, LimitedConnectionField
from shop.graphql.types import Money, MoneyValue, selects
from shop.partners.models import Scope

Selector = get_class("partner.strategy", "Selector")
StockRecord = get_model("partner", "StockRecord")

# Attribute on a producer holding its benefit links, prefetched for a page.
LINKS_ATTR = "graphql_benefit_links"
# Public village figures shared by fewer households would show one
# household's income.
MIN_HOUSEHOLDS_SHOWN = 3
# Attribute on a producer holding its public products, prefetched for a page.
PRODUCTS_ATTR = "graphql_public_products"
# Attribute on a product holding its producer's stockrecords, by id.
LISTING_STOCKRECORDS_ATTR = "graphql_listing_stockrecords"


class Province(graphene.ObjectType):
    class Meta:
        description = "A province-level division (省)."

    code = graphene.String(
        required=True, description="Six-digit GB/T 2260 code, ending in 0000."
    )
    name = graphene.String(required=True, description="Name, e.g. 贵州省.")


class Prefecture(graphene.ObjectType):
    class Meta:
        description = "A prefecture-level division (地级行政区)."

    code = graphene.String(
        required=True, description="Six-digit GB/T 2260 code, ending in 00."
    )
    name = graphene.String(
        required=True, description="Name, e.g. 黔东南苗族侗族自治州."
    )


class County(graphene.ObjectType):
    class Meta:
        description = (
            "A county (县), and what sales of its products have brought the "
            "registry households living in it."
        )

    code = graphene.String(
        required=True, description="Six-digit GB/T 2260 code, e.g. 522636."
    )
    name = graphene.String(required=True, description="Name, e.g. 丹寨县.")
    is_poverty_county = graphene.Boolean(
        required=True, description="Whether it is one of the 832 poverty counties."
    )
    produce = graphene.String(
        required=True,
        description="Its characteristic produce, as free text; empty if unknown.",
    )
    prefecture = graphene.Field(
        Prefecture, required=True, description="The prefecture it belongs to."
    )
    province = graphene.Field(
        Province, required=True, description="The province it belongs to."
    )
    attributed_total = graphene.Field(
        Money,
        required=True,
        description=(
            "All that buyers paid for order lines attributed to registry "
            "households of this county, counted or not, net of reversals."
        ),
    )
    counted_total = graphene.Field(
        Money,
        required=True,
        description=(
            "The part of `attributedTotal` that counts as poverty-alleviation "
            "purchasing: certificate valid and household eligible on the "
            "order date."
        ),
    )
    household_count = graphene.Int(
        required=True,
        description="Number of registry households of this county attributed "
        "at least one sale.",
    )

    @staticmethod
    def resolve_province(root, info):
        return root.prefecture.province

    @staticmethod
    def resolve_attributed_total(root, info) -> MoneyValue:
        totals = AttributionTotalsByCountyCodeLoader.for_request(info.context)
        return MoneyValue(totals.load(root.code).attributed, "CNY")

    @staticmethod
    def resolve_counted_total(root, info) -> MoneyValue:
        totals = AttributionTotalsByCountyCodeLoader.for_request(info.context)
        return MoneyValue(totals.load(root.code).counted, "CNY")

    @staticmethod
    def resolve_household_count(root, info) -> int:
        totals = AttributionTotalsByCountyCodeLoader.for_request(info.context)
        return totals.load(root.code).household_count


class Village(graphene.ObjectType):
    class Meta:
        description = "An administrative village (行政村)."

    code = graphene.String(
        required=True,
        description="Twelve-digit statistical division code; its first six "
        "digits are the county's code.",
    )
    name = graphene.String(required=True, description="Name, e.g. 卡拉村.")
    attributed_total = graphene.Field(
        Money,
        description="All that buyers paid for order lines attributed to "
        "registry households of this village, counted or not, net of reversals; "
        f"null when fewer than {MIN_HOUSEHOLDS_SHOWN} households share it, so "
        "that no one household's figure shows.",
    )
    counted_total = graphene.Field(
        Money,
        description="The part of `attributedTotal` that counts as "
        "poverty-alleviation purchasing; null when `attributedTotal` is.",
    )
    household_count = graphene.Int(
        required=True,
        description="Number of registry households of this village attributed "
        "at least one sale.",
    )

    @staticmethod
    def resolve_attributed_total(root, info) -> MoneyValue | None:
        totals = _shown_village_totals(info, root.code)
        return totals and MoneyValue(totals.attributed, "CNY")

    @staticmethod
    def resolve_counted_total(root, info) -> MoneyValue | None:
        totals = _shown_village_totals(info, root.code)
        return totals and MoneyValue(totals.counted, "CNY")

    @staticmethod
    def resolve_household_count(root, info) -> int:
        totals = AttributionTotalsByVillageCodeLoader.for_request(info.context)
        return totals.load(root.code).household_count


def _shown_village_totals(info, code: str):
    totals = AttributionTotalsByVillageCodeLoader.for_request(info.context).load(code)
    return totals if totals.household_count >= MIN_HOUSEHOLDS_SHOWN else None


class Certificate(graphene.ObjectType):
    class Meta:
        description = (
            "A product's certification as a poverty-alleviation product (扶贫产品认定)."
        )

    issuer = graphene.String(
        required=True, description="Authority that certified the product."
    )
    catalogue_batch = graphene.String(
        required=True, description="Catalogue batch it was listed in."
    )
    document_number = graphene.String(
        required=True, description="Number of the certifying document."
    )
    valid_from = graphene.Date(required=True, description="First day of validity.")
    valid_until = graphene.Date(required=True, description="Last day of validity.")
    is_valid = graphene.Boolean(
        required=True, description="Whether it is valid today (China time)."
    )

    @staticmethod
    def resolve_is_valid(root, info) -> bool:
        return root.is_valid_on(timezone.localdate())


class Availability(graphene.ObjectType):
    class Meta:
        description = "Whether a product can be bought now, and how many."

    is_available_to_buy = graphene.Boolean(
        required=True, description="Whether at least one unit can be bought now."
    )
    num_available = graphene.Int(
        description="Units in stock and not yet allocated to orders; null when "
        "the product's stock is not tracked."
    )

    @staticmethod
    def resolve_num_available(root, info) -> int | None:
        return getattr(root, "num_available", None)


class ProducerKind(graphene.Enum):
    class Meta:
        description = "What kind of organisation a producer (供应主体) is."

    COOPERATIVE = Partner.Kind.COOPERATIVE.value
    ENTERPRISE = Partner.Kind.ENTERPRISE.value
    FAMILY_FARM = Partner.Kind.FAMILY_FARM.value
    VILLAGE_COLLECTIVE = Partner.Kind.VILLAGE_COLLECTIVE.value

    @property
    def description(self) -> str:
        return {
            ProducerKind.COOPERATIVE: "A farmers' cooperative (农民专业合作社).",
            ProducerKind.ENTERPRISE: "An enterprise (企业).",
            ProducerKind.FAMILY_FARM: "A family farm (家庭农场).",
            ProducerKind.VILLAGE_COLLECTIVE: "A village collective (村集体).",
        }[self]


class Producer(DjangoObjectType):
    class Meta:
        model = Partner
        name = "Producer"
        description = (
            "A producer (供应主体): the cooperative, enterprise, family farm or "
            "village collective that makes and sells products."
        )
        interfaces = (graphene.relay.Node,)
        connection_class = CountableConnection
        fields = ("name", "story")

    name = graphene.String(required=True, description="Registered name.")
    kind = graphene.Field(
        ProducerKind, required=True, description="Kind of organisation."
    )
    credit_code = graphene.String(
        description="Unified social credit code (统一社会信用代码), 18 characters; "
        "null if not on file."
    )
    county = graphene.Field(County, description="County where it is registered.")
    story = graphene.String(
        required=True, description="Its story as told on its page; may be empty."
    )
    url = graphene.String(description="Absolute address of its public page.")
    products = LimitedConnectionField(
        lambda: Product, description="Its public products, by title."
    )

    @staticmethod
    def resolve_url(root: Partner, info) -> str | None:
        if not root.slug:
            return None
        return info.context.build_absolute_uri(root.get_absolute_url())

    @staticmethod
    def resolve_products(root: Partner, info, **kwargs):
        prefetched = getattr(root, PRODUCTS_ATTR, None)
        if prefetched is not None:
            return prefetched
        # Reached any other way than those that prefetch (producers, and a
        # page of products asking for them), a producer's products cost
        # queries of their own.
        products = selectors.producer_products(producer=root).order_by("title", "pk")
        return with_product_relations(products)


class Product(DjangoObjectType):
    class Meta:
        model = ProductModel
        name = "Product"
        description = (
            "A product on sale: price, stock, who makes it, where it comes "
            "from, its certificate and the registry households it benefits."
        )
        interfaces = (graphene.relay.Node,)
        connection_class = CountableConnection
        fields = ("title", "slug")

    title = graphene.String(required=True, description="Title shown to buyers.")
    slug = graphene.String(
        required=True, description="URL slug (pinyin), part of `url`."
    )
    url = graphene.String(
        required=True, description="Absolute address of its storefront page."
    )
    price = graphene.Field(
        Money, description="Price of one unit; null when it cannot be bought."
    )
    availability = graphene.Field(
        Availability, required=True, description="Whether it is in stock."
    )
    producer = graphene.Field(Producer, description="Who makes and sells it.")
    origin_county = graphene.Field(
        County, description="County it is made in or sourced from."
    )
    origin_village = graphene.Field(
        Village, description="Village it is made in or sourced from, if known."
    )
    certificate = graphene.Field(
        Certificate,
        description="Its poverty-product certificate: the one valid today, "
        "else the latest; null if it has none.",
    )
    beneficiary_household_count = graphene.Int(
        required=True,
        description="Number of registry households a purchase made today benefits.",
    )
    beneficiary_villages = graphene.List(
        graphene.NonNull(Village),
        required=True,
        description="Villages of those households, by code.",
    )

    @staticmethod
    def resolve_url(root: ProductModel, info) -> str:
        return info.context.build_absolute_uri(root.get_absolute_url())

    @staticmethod
    def resolve_price(root: ProductModel, info) -> MoneyValue | None:
        price = _purchase_info(root, info).price
        if not price.exists:
            return None
        amount = price.incl_tax if price.is_tax_known else price.excl_tax
        return MoneyValue(amount, price.currency)

    @staticmethod
    def resolve_availability(root: ProductModel, info):
        return _purchase_info(root, info).availability

    @staticmethod
    def resolve_certificate(root: ProductModel, info):
        return selectors.current_certificate(product=root)

    @staticmethod
    def resolve_beneficiary_household_count(root: ProductModel, info) -> int:
        return _reach(root)["household_count"]

    @staticmethod
    def resolve_beneficiary_villages(root: ProductModel, info):
        return _reach(root)["villages"]


def _strategy(request):
    strategy = getattr(request, "_graphql_strategy", None)
    if strategy is None:
        user = getattr(request, "user", None)
        strategy = Selector().strategy(request=request, user=user)
        request._graphql_strategy = strategy
    return strategy


def _purchase_info(product: ProductModel, info):
    purchase_info = getattr(product, "_graphql_purchase_info", None)
    if purchase_info is None:
        strategy = _strategy(info.context)
        if product.is_parent:
            # TODO: a parent's price comes from its children, fetched one
            # query per parent; no product is sold with variants yet.
            purchase_info = strategy.fetch_for_parent(product)
        else:
            purchase_info = strategy.fetch_for_product(product)
        product._graphql_purchase_info = purchase_info
    return purchase_info


def _reach(product: ProductModel) -> dict:
    reach = getattr(product, "_graphql_reach", None)
    if reach is None:
        reach = _page_reach(product) or selectors.product_reach(product=product)
        product._graphql_reach = reach
    return reach


def _page_reach(product: ProductModel) -> dict | None:
    """Return the product's reach from links prefetched for a page, or None.

    product_reach() would run one query per product; both share
    selectors.reach_of_links, and tests/graphql check that they agree.
    """
    if product.benefit_rule != ProductModel.BenefitRule.LINKS:
        return None
    links = getattr(product.producer, LINKS_ATTR, None)
    if links is None:
        return None
    return selectors.reach_of_links(links)


def _links_prefetch(lookup: str) -> Prefetch:
    links = BenefitLink.objects.select_related("household__village").order_by("pk")
    return Prefetch(lookup, queryset=links, to_attr=LINKS_ATTR)


def with_product_relations(products: QuerySet[ProductModel]) -> QuerySet:
    """Return products with all that the Product type reads, loaded in bulk.

    A fixed number of queries for a whole page: the page itself, then one
    each for stockrecords, certificates and the producers' benefit links.
    """
    return products.select_related(
        "product_class",
        "producer__county__prefecture__province",
        "origin_county__prefecture__province",
        "origin_village",
        "beneficiary__village",
    ).prefetch_related(
        "stockrecords", "certificates", _links_prefetch("producer__benefit_links")
    )


def with_producer_products(products: QuerySet[ProductModel], info) -> QuerySet:
    """Return a page of products that also loads its producers' products.

    Only when the query asks for them (`node { producer { products } }`):
    a product's producer would otherwise load its own, one query each.
    """
    if not selects(info, "edges", "node", "producer", "products"):
        return products
    theirs = with_product_relations(selectors.products_with_origin())
    return products.prefetch_related(
        Prefetch(
            "producer__products",
            queryset=theirs.order_by("title", "pk"),
            to_attr=PRODUCTS_ATTR,
        )
    )


def with_producer_relations(producers: QuerySet[Partner]) -> QuerySet:
    """Return producers with their county and public products in bulk."""
    products = with_product_relations(selectors.products_with_origin())
    return producers.select_related("county__prefecture__province").prefetch_related(
        Prefetch(
            "products", queryset=products.order_by("title", "pk"), to_attr=PRODUCTS_ATTR
        )
    )


def listing_producer(info) -> Partner:
    """Return the producer the calling app manages listings for.

    Raise a GraphQLError with code FORBIDDEN for an anonymous caller, an
    app without the `listings` scope, and an app that acts for no producer
    (only a cooperative's does).
    """
    return require_producer(info, Scope.LISTINGS)


class BenefitRule(graphene.Enum):
    class Meta:
        description = "Whom a sale of a product benefits."

    LINKS = ProductModel.BenefitRule.LINKS.value
    DIRECT = ProductModel.BenefitRule.DIRECT.value

    @property
    def description(self) -> str:
        return {
            BenefitRule.LINKS: "The registry households of the producer's "
            "active benefit links, split by weight.",
            BenefitRule.DIRECT: "One registry household directly; only the "
            "mall's staff can choose it.",
        }[self]


class Listing(DjangoObjectType):
    class Meta:
        model = ProductModel
        name = "Listing"
        description = (
            "One of the calling cooperative's own products, public or not, "
            "with its stockrecord: SKU, price, stock and allocations."
        )
        connection_class = CountableConnection
        use_connection = True
        # Product is the type the rest of the schema uses for this model.
        skip_registry = True
        fields = ("title",)

    id = graphene.ID(
        required=True,
        description="The product's id, the same as its `Product.id`; pass it "
        "to `stockUpdate`, `priceUpdate` and `productUpdate`.",
    )
    title = graphene.String(required=True, description="Title shown to buyers.")
    description = graphene.String(
        required=True, description="Description shown to buyers; may be empty."
    )
    is_public = graphene.Boolean(
        required=True,
        description="Whether buyers see it: in the storefront and in `products`.",
    )
    product_class = graphene.String(
        description="Slug of its product class, e.g. `nong-chan-pin` (农产品)."
    )
    categories = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Slugs of its categories, e.g. `cha-ye` (茶叶).",
    )
    origin_county = graphene.Field(
        County, description="County it is made in or sourced from."
    )
    origin_village = graphene.Field(
        Village, description="Village it is made in or sourced from, if known."
    )
    benefit_rule = graphene.Field(
        BenefitRule, required=True, description="Whom a sale of it benefits."
    )
    certificate = graphene.Field(
        Certificate,
        description="Its poverty-product certificate: the one valid today, "
        "else the latest; null if it has none.",
    )
    partner_sku = graphene.String(
        description="Its SKU in the cooperative's own system; null when it "
        "has no stockrecord."
    )
    price = graphene.Field(
        Money, description="Price of one unit; null without a stockrecord or price."
    )
    num_in_stock = graphene.Int(
        description="Units in stock, allocated ones included; null without a "
        "stockrecord or when stock is not counted."
    )
    num_allocated = graphene.Int(
        description="Units allocated to orders and not yet shipped; the stock "
        "cannot be set below it. Null without a stockrecord."
    )
    num_available = graphene.Int(
        description="Units buyers can still order: `numInStock` minus "
        "`numAllocated`; null when `numInStock` is."
    )

    @staticmethod
    def resolve_id(root: ProductModel, info) -> str:
        return to_global_id("Product", root.pk)

    @staticmethod
    def resolve_product_class(root: ProductModel, info) -> str | None:
        return root.product_class.slug if root.product_class else None

    @staticmethod
    def resolve_categories(root: ProductModel, info) -> list[str]:
        return [category.slug for category in root.categories.all()]

    @staticmethod
    def resolve_benefit_rule(root: ProductModel, info) -> str:
        return root.benefit_rule

    @staticmethod
    def resolve_certificate(root: ProductModel, info):
        return selectors.current_certificate(product=root)

    @staticmethod
    def resolve_partner_sku(root: ProductModel, info) -> str | None:
        record = _listing_stockrecord(root)
        return record.partner_sku if record else None

    @staticmethod
    def resolve_price(root: ProductModel, info) -> MoneyValue | None:
        record = _listing_stockrecord(root)
        if record is None or record.price is None:
            return None
        return MoneyValue(record.price, record.price_currency)

    @staticmethod
    def resolve_num_in_stock(root: ProductModel, info) -> int | None:
        record = _listing_stockrecord(root)
        return record.num_in_stock if record else None

    @staticmethod
    def resolve_num_allocated(root: ProductModel, info) -> int | None:
        record = _listing_stockrecord(root)
        return (record.num_allocated or 0) if record else None

    @staticmethod
    def resolve_num_available(root: ProductModel, info) -> int | None:
        record = _listing_stockrecord(root)
        if record is None or record.num_in_stock is None:
            return None
        return record.num_in_stock - (record.num_allocated or 0)


def _listing_stockrecord(product: ProductModel):
    """Return the stockrecord of the product's producer, the first by id."""
    records = getattr(product, LISTING_STOCKRECORDS_ATTR, None)
    if records is None:
        records = list(
            StockRecord.objects.filter(
                product=product, partner_id=product.producer_id
            ).order_by("pk")
        )
        setattr(product, LISTING_STOCKRECORDS_ATTR, records)
    return records[0] if records else None


def with_listing_relations(
    products: QuerySet[ProductModel], *, producer: Partner
) -> QuerySet[ProductModel]:
    """Return a producer's products with all that Listing reads, in bulk.

    A fixed number of queries for a whole page: the page, then one each for
    the producer's stockrecords, certificates and categories.
    """
    records = StockRecord.objects.filter(partner=producer).order_by("pk")
    return products.select_related(
        "product_class",
        "origin_county__prefecture__province",
        "origin_village",
    ).prefetch_related(
        Prefetch("stockrecords", queryset=records, to_attr=LISTING_STOCKRECORDS_ATTR),
        "certificates",
        "categories",
    )


def listings_for(*, producer: Partner, product_ids: list[int]) -> list[ProductModel]:
    """Return the producer's products of product_ids as listings, in order."""
    products = selectors.listing_list(producer=producer).filter(pk__in=product_ids)
    found = {p.pk: p for p in with_listing_relations(products, producer=producer)}
    return [found[pk] for pk in product_ids if pk in found]
