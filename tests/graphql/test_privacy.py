"""No registry number, name or ID of a household ever leaves the API."""

import json

import pytest

from catalog.models import Household
from shop.graphql.schema import schema
from tests import factories
from tests.graphql.conftest import add_entry, global_id, village_in

pytestmark = pytest.mark.django_db

EVERYTHING = """
query Everything($id: ID!, $producerId: ID!) {
  products(first: 100) { edges { node { ...ProductFields } } }
  product(id: $id) { ...ProductFields }
  producers(first: 10) { edges { node {
    id name kind creditCode county { code name } story url
    products(first: 10) { edges { node { ...ProductFields } } }
  } } }
  producer(id: $producerId) { id name }
  counties {
    code name prefecture { name } province { name }
    attributedTotal { amount } countedTotal { amount } householdCount
  }
}

fragment ProductFields on Product {
  id title slug url price { amount } availability { numAvailable }
  producer { id name }
  originCounty { code name householdCount }
  originVillage { code name }
  certificate { issuer documentNumber }
  beneficiaryHouseholdCount
  beneficiaryVillages { code name }
}
"""


@pytest.fixture
def tea_and_households(ledger_order):
    """Return a tea and households it, a direct product and sales reach."""
    county = factories.CountyFactory()
    village = village_in(county, code="522636101201", name="卡拉村")
    linked, direct = (
        factories.HouseholdFactory(
            village=village,
            head_name_masked=masked_name,
            head_id_masked=masked_id,
        )
        for masked_name, masked_id in (
            ("王*", "522636********1234"),
            ("李*", "522636********5678"),
        )
    )
    tea = factories.ProductFactory(title="丹寨硒锌茶", origin_village=village)
    factories.BenefitLinkFactory(producer=tea.producer, household=linked)
    factories.ProductFactory(
        title="卡拉鸟笼", benefit_rule="direct", beneficiary=direct
    )
    add_entry(ledger_order, linked, "6.00")
    add_entry(ledger_order, direct, "4.00")
    return tea, [linked, direct]


def personal_details(household: Household) -> list[str]:
    return [
        household.registry_number,
        household.head_name_masked,
        household.head_id_masked,
        household.head_id_hmac,
    ]


def test_no_household_detail_in_any_response(graphql, tea_and_households):
    tea, households = tea_and_households
    variables = {
        "id": global_id("Product", tea.pk),
        "producerId": global_id("Producer", tea.producer.pk),
    }

    result = graphql(EVERYTHING, variables)

    text = json.dumps(result, ensure_ascii=False)
    assert "errors" not in result
    assert "卡拉村" in text
    for household in households:
        for detail in personal_details(household):
            assert detail not in text


def test_schema_has_no_household_type_or_personal_field():
    sdl = str(schema)
    type_names = set(schema.graphql_schema.type_map)

    assert "Household" not in type_names
    for field in ("registryNumber", "headName", "headId", "idNumber"):
        assert field not in sdl


def test_the_only_phone_numbers_are_of_buyers_for_delivering_their_orders():
    phone_fields = sorted(
        f"{type_name}.{field}"
        for type_name, type_ in schema.graphql_schema.type_map.items()
        for field in getattr(type_, "fields", {})
        if "phone" in field.lower() and not type_name.startswith("__")
    )

    assert phone_fields == ["AddressInput.phoneNumber", "ShippingAddress.phoneNumber"]
