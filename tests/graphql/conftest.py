"""Partner API fixtures: posting queries, a second county, ledger rows."""

import base64
import json
from decimal import Decimal

import pytest
from oscar.test.factories import create_order

from catalog.models import Household
from fulfillment.models import AttributionEntry
from tests import factories


def global_id(type_name: str, pk: int) -> str:
    """Return the Relay global id of type_name and pk, built by hand."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def cursor(offset: int) -> str:
    """Return the Relay cursor of the item at offset, built by hand."""
    return base64.b64encode(f"arrayconnection:{offset}".encode()).decode()


@pytest.fixture
def graphql(client):
    """Return a function posting a query to /graphql/, returning its JSON.

    The cost every answer reports in `extensions` is left out; test_limits.py
    checks it.
    """

    def post(query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}})
        response = client.post("/graphql/", data=body, content_type="application/json")
        payload = response.json()
        payload.pop("extensions", None)
        return payload

    return post


@pytest.fixture
def dafang():
    """Return 大方县 (520521) of 毕节市, a second county in 贵州省."""
    prefecture = factories.PrefectureFactory(code="520500", name="毕节市")
    return factories.CountyFactory(
        code="520521", name="大方县", prefecture=prefecture, produce="大方天麻"
    )


def village_in(county, *, code: str, name: str):
    """Return a new village of county under a township of its own."""
    township = factories.TownshipFactory(
        county=county, code=code[:9], name=f"{name}所在镇"
    )
    return factories.VillageFactory(township=township, code=code, name=name)


@pytest.fixture
def ledger_order():
    """Return an Oscar order and its line, to hang attribution entries on."""
    order = create_order()
    return order, order.lines.get()


def add_entry(
    ledger_order, household: Household, amount: str, *, is_counted: bool = True
) -> AttributionEntry:
    """Append one attribution entry of amount for household to the ledger."""
    order, line = ledger_order
    producer = factories.PartnerFactory()
    reason = "" if is_counted else AttributionEntry.NotCountedReason.UNCERTIFIED
    return AttributionEntry.objects.create(
        order=order,
        line=line,
        household=household,
        amount=Decimal(amount),
        weight=Decimal("1.000"),
        rule=AttributionEntry.Rule.LINKS,
        registry_number=household.registry_number,
        village_code=household.village.code,
        county_code=household.village.code[:6],
        producer=producer,
        producer_name=producer.name,
        is_counted=is_counted,
        not_counted_reason=reason,
    )
