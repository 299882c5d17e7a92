"""Counties and what the attribution ledger holds for them."""

from decimal import Decimal

import pytest

from tests import factories
from tests.graphql.conftest import add_entry, village_in

pytestmark = pytest.mark.django_db

COUNTIES = """
query Counties($isPovertyCounty: Boolean, $province: String) {
  counties(isPovertyCounty: $isPovertyCounty, province: $province) {
    code name isPovertyCounty produce
    prefecture { code name }
    province { code name }
    attributedTotal { amount currency }
    countedTotal { amount currency }
    householdCount
  }
}
"""


def money(amount: Decimal) -> dict:
    return {"amount": f"{amount:.2f}", "currency": "CNY"}


def test_counties_show_the_totals_attributed_to_their_households(
    graphql, dafang, ledger_order
):
    danzhai = factories.CountyFactory()
    village = village_in(danzhai, code="522636101201", name="卡拉村")
    first, second, third = factories.HouseholdFactory.create_batch(3, village=village)
    add_entry(ledger_order, first, "3.34")
    add_entry(ledger_order, second, "3.33")
    add_entry(ledger_order, third, "3.33", is_counted=False)
    add_entry(ledger_order, first, "-1.00")
    attributed = Decimal("3.34") + Decimal("3.33") + Decimal("3.33") - Decimal("1.00")
    counted = Decimal("3.34") + Decimal("3.33") - Decimal("1.00")

    result = graphql(COUNTIES)

    assert result == {
        "data": {
            "counties": [
                {
                    "code": "520521",
                    "name": "大方县",
                    "isPovertyCounty": True,
                    "produce": "大方天麻",
                    "prefecture": {"code": "520500", "name": "毕节市"},
                    "province": {"code": "520000", "name": "贵州省"},
                    "attributedTotal": money(Decimal(0)),
                    "countedTotal": money(Decimal(0)),
                    "householdCount": 0,
                },
                {
                    "code": "522636",
                    "name": "丹寨县",
                    "isPovertyCounty": True,
                    "produce": "",
                    "prefecture": {"code": "522600", "name": "黔东南苗族侗族自治州"},
                    "province": {"code": "520000", "name": "贵州省"},
                    "attributedTotal": money(attributed),
                    "countedTotal": money(counted),
                    "householdCount": 3,
                },
            ]
        }
    }
    assert money(attributed) == {"amount": "9.00", "currency": "CNY"}


def test_counties_filter_by_poverty_flag(graphql, dafang):
    factories.CountyFactory(code="520102", name="南明区", is_poverty_county=False)

    poor = graphql(COUNTIES, {"isPovertyCounty": True})
    others = graphql(COUNTIES, {"isPovertyCounty": False})

    assert [c["code"] for c in poor["data"]["counties"]] == ["520521"]
    assert [c["code"] for c in others["data"]["counties"]] == ["520102"]


def test_counties_filter_by_province(graphql, dafang):
    yunnan = factories.ProvinceFactory(code="530000", name="云南省")
    nujiang = factories.PrefectureFactory(
        code="533300", name="怒江傈僳族自治州", province=yunnan
    )
    factories.CountyFactory(code="533323", name="福贡县", prefecture=nujiang)

    result = graphql(COUNTIES, {"province": "530000"})

    assert [c["name"] for c in result["data"]["counties"]] == ["福贡县"]


def test_counties_refuse_a_province_code_that_is_a_county_code(graphql, dafang):
    result = graphql(COUNTIES, {"province": "520521"})

    assert [(e["message"], e["extensions"]) for e in result["errors"]] == [
        (
            "`province` must be a six-digit GB/T 2260 code such as 520000, "
            "not “520521”.",
            {"code": "INVALID_CODE"},
        )
    ]


def test_origin_county_of_a_product_carries_the_same_totals(graphql, ledger_order):
    danzhai = factories.CountyFactory()
    household = factories.HouseholdFactory(
        village=village_in(danzhai, code="522636101201", name="卡拉村")
    )
    add_entry(ledger_order, household, "12.50")
    add_entry(ledger_order, household, "0.25", is_counted=False)
    factories.ProductFactory(origin_county=danzhai)
    query = """{ products(first: 1, county: "522636") { edges { node { originCounty {
        attributedTotal { amount } countedTotal { amount } householdCount
    } } } } }"""

    result = graphql(query)

    county = result["data"]["products"]["edges"][0]["node"]["originCounty"]
    assert county == {
        "attributedTotal": {"amount": f"{Decimal('12.50') + Decimal('0.25'):.2f}"},
        "countedTotal": {"amount": "12.50"},
        "householdCount": 1,
    }


VILLAGES = """
query Villages($county: String!) {
  villages(county: $county) {
    code name
    attributedTotal { amount currency }
    countedTotal { amount currency }
    householdCount
  }
}
"""


def test_villages_show_totals_shared_by_three_households_or_more(graphql, ledger_order):
    danzhai = factories.CountyFactory()
    kala = village_in(danzhai, code="522636101201", name="卡拉村")
    maijiang = village_in(danzhai, code="522636102203", name="麻鸠村")
    village_in(factories.CountyFactory(code="520521"), code="520521100201", name="x")
    first, second, third = factories.HouseholdFactory.create_batch(3, village=kala)
    alone = factories.HouseholdFactory(village=maijiang)
    add_entry(ledger_order, first, "6.67")
    add_entry(ledger_order, second, "6.66", is_counted=False)
    add_entry(ledger_order, third, "1.00")
    add_entry(ledger_order, alone, "6.67")
    add_entry(ledger_order, alone, "-2.00")

    result = graphql(VILLAGES, {"county": "522636"})

    assert result == {
        "data": {
            "villages": [
                {
                    "code": "522636101201",
                    "name": "卡拉村",
                    "attributedTotal": money(
                        Decimal("6.67") + Decimal("6.66") + Decimal("1.00")
                    ),
                    "countedTotal": money(Decimal("6.67") + Decimal("1.00")),
                    "householdCount": 3,
                },
                {
                    # One household: its figures would be its own income.
                    "code": "522636102203",
                    "name": "麻鸠村",
                    "attributedTotal": None,
                    "countedTotal": None,
                    "householdCount": 1,
                },
            ]
        }
    }


def test_villages_refuse_a_malformed_county_code(graphql):
    result = graphql(VILLAGES, {"county": "5226"})

    assert [(e["message"], e["extensions"]) for e in result["errors"]] == [
        (
            "`county` must be a six-digit GB/T 2260 code such as 522636, not “5226”.",
            {"code": "INVALID_CODE"},
        )
    ]
