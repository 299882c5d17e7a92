"""Validation of divisions, producers, links, certificates and products.

Messages are checked in Chinese, the language shoppers and staff see first.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.models import BenefitLink, Certificate, County, Village
from tests import factories

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize("code", ["52263", "5226366", "52263A", "522600", "022636"])
def test_county_code_of_the_wrong_shape_is_refused(code):
    county = County(code=code, name="样县", prefecture=factories.PrefectureFactory())

    assert list(errors_of(county)) == ["code"]


def test_county_code_outside_its_prefecture_is_refused():
    county = County(
        code="520521", name="大方县", prefecture=factories.PrefectureFactory()
    )

    assert errors_of(county) == {"code": ["县代码须以所属市（州）的代码开头。"]}


@pytest.mark.parametrize("code", ["52263610020", "5226361002001", "52263610020x"])
def test_village_code_of_the_wrong_shape_is_refused(code):
    village = Village(code=code, name="样村", township=factories.TownshipFactory())

    assert list(errors_of(village)) == ["code"]


def test_village_code_outside_its_township_is_refused():
    township = factories.TownshipFactory(code="522636100")
    village = Village(code="522636101201", name="样村", township=township)

    assert errors_of(village) == {"code": ["村代码须以所属乡（镇）的代码开头。"]}


def test_credit_code_with_a_bad_checksum_is_refused():
    good = factories.make_credit_code(7)
    bad_check = "0" if good[-1] != "0" else "1"
    producer = factories.PartnerFactory.build(
        credit_code=good[:17] + bad_check, county=factories.CountyFactory()
    )

    assert errors_of(producer) == {
        "credit_code": [f"统一社会信用代码“{good[:17] + bad_check}”校验位错误。"]
    }


@pytest.mark.parametrize("weight", [Decimal("0"), Decimal("-1.5")])
def test_benefit_link_weight_must_be_positive(weight):
    link = factories.BenefitLinkFactory.build(
        producer=factories.PartnerFactory(),
        household=factories.HouseholdFactory(),
        weight=weight,
    )

    assert errors_of(link) == {"weight": ["利益联结的权重必须大于零。"]}
    with pytest.raises(IntegrityError), transaction.atomic():
        link.save()
    assert BenefitLink.objects.count() == 0


def test_certificate_ending_before_it_starts_is_refused():
    certificate = factories.CertificateFactory.build(
        product=factories.ProductFactory(),
        valid_from=datetime.date(2021, 1, 1),
        valid_until=datetime.date(2020, 12, 31),
    )

    assert errors_of(certificate) == {
        "valid_until": ["认定的有效期止不能早于有效期起。"]
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        certificate.save()
    assert Certificate.objects.count() == 0


def test_direct_rule_needs_a_household():
    product = factories.ProductFactory(benefit_rule="direct")

    with pytest.raises(ValidationError) as caught:
        product.clean()

    assert caught.value.message_dict == {"beneficiary": ["直接归属规则须指定受益户。"]}


def test_origin_village_must_lie_in_the_origin_county():
    other = factories.CountyFactory(
        code="520521",
        name="大方县",
        prefecture=factories.PrefectureFactory(code="520500", name="毕节市"),
    )
    product = factories.ProductFactory(
        origin_county=other, origin_village=factories.VillageFactory()
    )

    with pytest.raises(ValidationError) as caught:
        product.clean()

    assert caught.value.message_dict == {"origin_village": ["产地村不在产地县内。"]}


def test_a_county_is_named_as_an_address_writes_it():
    chongqing = factories.ProvinceFactory(code="500000", name="重庆市")
    placeholder = factories.PrefectureFactory(
        code="500200", name="县", province=chongqing
    )
    fengjie = factories.CountyFactory(
        code="500236", name="奉节县", prefecture=placeholder
    )
    danzhai = factories.CountyFactory()

    assert fengjie.full_name == "重庆市奉节县"
    assert danzhai.full_name == "贵州省黔东南苗族侗族自治州丹寨县"
