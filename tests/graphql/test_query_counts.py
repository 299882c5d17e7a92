"""SQL queries per request do not grow with the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.graphql.conftest import village_in

pytestmark = pytest.mark.django_db

PRODUCTS = """
query Products($first: Int!) {
  products(first: $first) {
    totalCount
    edges { node {
      id title slug url
      price { amount currency }
      availability { isAvailableToBuy numAvailable }
      producer {
        id name kind creditCode story url
        county { code name prefecture { name } province { name } }
      }
      originCounty {
        code name isPovertyCounty prefecture { name } province { name }
        attributedTotal { amount } countedTotal { amount } householdCount
      }
      originVillage { code name }
      certificate {
        issuer catalogueBatch documentNumber validFrom validUntil isValid
      }
      beneficiaryHouseholdCount
      beneficiaryVillages { code name }
    } }
  }
}
"""

PRODUCERS = """
query Producers($first: Int!) {
  producers(first: $first) {
    totalCount
    edges { node {
      id name kind creditCode story url
      county { code name attributedTotal { amount } }
      products(first: 5) {
        totalCount
        edges { node {
          title price { amount } availability { numAvailable }
          originVillage { code }
          certificate { documentNumber isValid }
          beneficiaryHouseholdCount beneficiaryVillages { code }
        } }
      }
    } }
  }
}
"""


@pytest.fixture
def sixty_products():
    """Return 60 products, each with a producer, stock and certificate of
    its own, and links to two households of its origin village.
    """
    county = factories.CountyFactory()
    products = []
    for n in range(60):
        village = village_in(county, code=f"522636{101 + n:03d}201", name=f"村{n}")
        product = factories.ProductFactory(origin_village=village)
        factories.StockRecordFactory(product=product)
        factories.CertificateFactory(product=product)
        for household in factories.HouseholdFactory.create_batch(2, village=village):
            factories.BenefitLinkFactory(producer=product.producer, household=household)
        products.append(product)
    return products


def count_queries(graphql, query: str, first: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = graphql(query, {"first": first})
    assert "errors" not in result
    return len(queries)


def test_products_cost_the_same_queries_for_10_and_100(graphql, sixty_products):
    ten = count_queries(graphql, PRODUCTS, 10)
    fifty = count_queries(graphql, PRODUCTS, 100)

    # Savepoint and release of the request's transaction, count, page,
    # certificates, stockrecords, benefit links, then the ledger aggregate
    # and the counties for the totals.
    assert (ten, fifty) == (9, 9)


def test_producers_cost_the_same_queries_for_10_and_100(graphql, sixty_products):
    ten = count_queries(graphql, PRODUCERS, 10)
    fifty = count_queries(graphql, PRODUCERS, 100)

    # As for products, with the producers' products as one more query.
    assert (ten, fifty) == (10, 10)


PRODUCTS_WITH_THEIR_PRODUCERS_PRODUCTS = """
query ($first: Int!) {
  products(first: $first) { edges { node { title ...Maker } } }
}
fragment Maker on Product {
  producer { name products(first: 3) { totalCount edges { node { title
    price { amount } beneficiaryHouseholdCount } } } }
}
"""


def test_a_producers_products_under_a_page_of_products_cost_no_more_per_item(
    graphql, sixty_products
):
    ten = count_queries(graphql, PRODUCTS_WITH_THEIR_PRODUCERS_PRODUCTS, 10)
    hundred = count_queries(graphql, PRODUCTS_WITH_THEIR_PRODUCERS_PRODUCTS, 100)

    # Savepoint and release, count, page, its stockrecords, certificates and
    # links; the producers' products and their stockrecords, certificates
    # and links.
    assert (ten, hundred) == (11, 11)
