"""factory_boy factories for the registry, producers and products.

Registry numbers, ID numbers and names are synthetic. Codes are built from
a real county (丹寨县 522636) so that shapes and prefixes are right.
"""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory
from oscar.core.loading import get_model

from catalog import models as registry
from catalog.registry.codes import credit_code_check_char

Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")


def make_credit_code(n: int) -> str:
    """Return a valid credit code for a cooperative (prefix 93) number n."""
    first17 = f"93522636MA{n:07d}"[:17]
    return first17 + credit_code_check_char(first17)


class ProvinceFactory(DjangoModelFactory):
    class Meta:
        model = registry.Province
        django_get_or_create = ("code",)

    code = "520000"
    name = "贵州省"


class PrefectureFactory(DjangoModelFactory):
    class Meta:
        model = registry.Prefecture
        django_get_or_create = ("code",)

    code = "522600"
    name = "黔东南苗族侗族自治州"
    province = factory.SubFactory(ProvinceFactory)


class CountyFactory(DjangoModelFactory):
    class Meta:
        model = registry.County
        django_get_or_create = ("code",)

    code = "522636"
    name = "丹寨县"
    prefecture = factory.SubFactory(PrefectureFactory)
    is_poverty_county = True


class TownshipFactory(DjangoModelFactory):
    class Meta:
        model = registry.Township
        django_get_or_create = ("code",)

    county = factory.SubFactory(CountyFactory)
    code = factory.Sequence(lambda n: f"522636{100 + n % 900:03d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")


class VillageFactory(DjangoModelFactory):
    class Meta:
        model = registry.Village

    township = factory.SubFactory(TownshipFactory)
    code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.township.code}{200 + n % 800:03d}"
    )
    name = factory.Sequence(lambda n: f"测试村{n}")


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = registry.Household

    registry_number = factory.Sequence(lambda n: f"5226360{n:08d}")
    village = factory.SubFactory(VillageFactory)
    size = 4
    status = registry.Household.Status.NOT_OUT
    first_identified_year = 2014
    head_name_masked = "张*"
    head_id_hmac = factory.Sequence(lambda n: f"{n:064x}")
    head_id_masked = "522636********0012"


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"丹寨县测试农民专业合作社{n}")
    kind = Partner.Kind.COOPERATIVE
    credit_code = factory.Sequence(make_credit_code)
    county = factory.SubFactory(CountyFactory)


class BenefitLinkFactory(DjangoModelFactory):
    class Meta:
        model = registry.BenefitLink

    producer = factory.SubFactory(PartnerFactory)
    household = factory.SubFactory(HouseholdFactory)
    link_type = registry.BenefitLink.LinkType.CONTRACT_PURCHASE
    weight = Decimal("1.000")
    valid_from = datetime.date(2020, 1, 1)


class ProductClassFactory(DjangoModelFactory):
    class Meta:
        model = ProductClass
        django_get_or_create = ("name",)

    name = "农产品"
    requires_shipping = True
    track_stock = True


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    title = factory.Sequence(lambda n: f"测试农产品{n}")
    product_class = factory.SubFactory(ProductClassFactory)
    structure = Product.STANDALONE
    is_public = True
    producer = factory.SubFactory(PartnerFactory)
    origin_county = factory.SubFactory(CountyFactory)
    benefit_rule = Product.BenefitRule.LINKS


class StockRecordFactory(DjangoModelFactory):
    class Meta:
        model = StockRecord

    product = factory.SubFactory(ProductFactory)
    partner = factory.LazyAttribute(lambda o: o.product.producer)
    partner_sku = factory.Sequence(lambda n: f"SKU{n:05d}")
    price = Decimal("10.00")
    price_currency = "CNY"
    num_in_stock = 100


class CertificateFactory(DjangoModelFactory):
    class Meta:
        model = registry.Certificate

    product = factory.SubFactory(ProductFactory)
    issuer = "贵州省扶贫开发办公室"
    catalogue_batch = "2020年第一批"
    document_number = factory.Sequence(lambda n: f"黔扶认〔2020〕{n}号")
    valid_from = datetime.date(2020, 1, 1)
    valid_until = datetime.date(2030, 12, 31)
