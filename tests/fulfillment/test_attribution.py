"""Attribution entries written when an order is placed (DESIGN.md §3)."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oscar.apps.offer.applicator import Applicator
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_offer, create_order

from catalog.models import BenefitLink, Household
from fulfillment.models import AppendOnlyError, AttributionEntry
from fulfillment.splitting import split_by_weight
from tests import factories

Basket = get_model("basket", "Basket")
Reason = AttributionEntry.NotCountedReason


def place(*products_and_quantities, offers=False):
    basket = Basket.objects.create()
    basket.strategy = Default()
    for product, quantity in products_and_quantities:
        basket.add_product(product, quantity)
    if offers:
        Applicator().apply(basket)
    return create_order(basket=basket)


def entries_of(order):
    return [
        (e.registry_number, e.amount, e.is_counted, e.not_counted_reason)
        for e in AttributionEntry.objects.filter(order=order).order_by(
            "registry_number"
        )
    ]


def linked_product(price, numbers_and_weights, **product_kwargs):
    stockrecord = factories.StockRecordFactory(price=price, **product_kwargs)
    product = stockrecord.product
    for number, weight in numbers_and_weights:
        factories.BenefitLinkFactory(
            producer=product.producer,
            household__registry_number=number,
            weight=weight,
        )
    return product


def test_ten_yuan_over_three_equal_weights():
    shares = split_by_weight(Decimal("10.00"), [Decimal(1)] * 3, ["c", "a", "b"])

    # The spare fen goes to the first tie key in order ("a"), the second.
    assert shares == [Decimal("3.33"), Decimal("3.34"), Decimal("3.33")]


@given(
    total_fen=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(
        st.decimals(min_value="0.001", max_value="1000", places=3), min_size=1
    ),
)
def test_split_never_loses_or_invents_a_fen(total_fen, weights):
    total = Decimal(total_fen) / 100
    keys = [f"{i:04d}" for i in range(len(weights))]

    shares = split_by_weight(total, weights, keys)

    assert sum(shares) == total
    weight_sum = sum(Fraction(w) for w in weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = Fraction(total_fen) * Fraction(weight) / weight_sum
        assert abs(Fraction(share * 100) - exact) < 1
        assert share == share.quantize(Decimal("0.01"))


def test_split_refuses_a_non_positive_weight():
    with pytest.raises(ValueError, match="positive"):
        split_by_weight(Decimal("1.00"), [Decimal(1), Decimal(0)], ["a", "b"])


@pytest.mark.django_db
def test_discounted_line_attributes_the_discounted_amount():
    product = linked_product(
        Decimal("10.00"), [("A1", Decimal(1)), ("A2", Decimal(1)), ("A3", Decimal(1))]
    )
    factories.CertificateFactory(product=product)
    create_offer()  # 20% off everything

    order = place((product, 2), offers=True)

    # Two at ¥10.00 less 20% is ¥16.00, split three ways: 533⅓ fen each.
    line = order.lines.get()
    assert line.line_price_incl_tax == Decimal("16.00")
    assert entries_of(order) == [
        ("A1", Decimal("5.34"), True, ""),
        ("A2", Decimal("5.33"), True, ""),
        ("A3", Decimal("5.33"), True, ""),
    ]


@pytest.mark.django_db
def test_ineligible_household_is_recorded_but_not_counted():
    product = linked_product(
        Decimal("9.00"), [("B1", Decimal(2)), ("B2", Decimal(1)), ("B3", Decimal(1))]
    )
    factories.CertificateFactory(product=product)
    Household.objects.filter(registry_number="B2").update(
        status=Household.Status.OUT_UNSUPPORTED
    )
    Household.objects.filter(registry_number="B3").update(
        status=Household.Status.OUT_UNSUPPORTED,
        monitoring_kind=Household.Monitoring.MARGINAL,
    )

    order = place((product, 1))

    # 900 fen at 2:1:1 is 450, 225, 225; B3 is out of poverty but monitored.
    assert entries_of(order) == [
        ("B1", Decimal("4.50"), True, ""),
        ("B2", Decimal("2.25"), False, Reason.HOUSEHOLD_INELIGIBLE),
        ("B3", Decimal("2.25"), True, ""),
    ]


@pytest.mark.django_db
def test_expired_certificate_is_recorded_but_not_counted():
    product = linked_product(Decimal("5.00"), [("C1", Decimal(1))])
    certificate = factories.CertificateFactory(
        product=product,
        valid_from=datetime.date(2019, 1, 1),
        valid_until=datetime.date(2020, 12, 31),
    )

    order = place((product, 1))

    entry = AttributionEntry.objects.get(order=order)
    assert (entry.amount, entry.is_counted) == (Decimal("5.00"), False)
    assert entry.not_counted_reason == Reason.CERTIFICATE_NOT_VALID
    assert entry.certificate_id_snapshot == certificate.pk
    assert entry.certificate_valid_until == datetime.date(2020, 12, 31)


@pytest.mark.django_db
def test_uncertified_product_is_recorded_but_not_counted():
    product = linked_product(Decimal("5.00"), [("D1", Decimal(1))])

    order = place((product, 1))

    assert entries_of(order) == [
        ("D1", Decimal("5.00"), False, Reason.UNCERTIFIED),
    ]


@pytest.mark.django_db
def test_direct_rule_gives_everything_to_one_household():
    household = factories.HouseholdFactory(registry_number="E1")
    product = factories.StockRecordFactory(
        price=Decimal("12.50"),
        product__benefit_rule="direct",
        product__beneficiary=household,
    ).product
    factories.BenefitLinkFactory(producer=product.producer)  # not used
    factories.CertificateFactory(product=product)

    order = place((product, 3))

    assert entries_of(order) == [("E1", Decimal("37.50"), True, "")]
    assert AttributionEntry.objects.get().rule == "direct"


@pytest.mark.django_db
def test_inactive_links_are_left_out():
    product = linked_product(Decimal("8.00"), [("F1", Decimal(1)), ("F2", Decimal(1))])
    factories.CertificateFactory(product=product)
    BenefitLink.objects.filter(household__registry_number="F2").update(
        status=BenefitLink.Status.SUSPENDED
    )
    factories.BenefitLinkFactory(
        producer=product.producer,
        household__registry_number="F3",
        valid_until=datetime.date(2021, 1, 1),
    )

    order = place((product, 1))

    assert entries_of(order) == [("F1", Decimal("8.00"), True, "")]


@pytest.mark.django_db
def test_entries_keep_their_snapshots_when_the_registry_changes():
    product = linked_product(Decimal("3.00"), [("G1", Decimal(1))])
    factories.CertificateFactory(product=product)
    order = place((product, 1))
    entry = AttributionEntry.objects.get(order=order)
    household = entry.household

    household.status = Household.Status.OUT_UNSUPPORTED
    household.save()

    entry.refresh_from_db()
    assert (entry.is_counted, entry.registry_number) == (True, "G1")
    assert entry.village_code == household.village.code
    assert entry.county_code == household.village.code[:6]
    assert entry.producer_name == product.producer.name
    assert entry.link_type == "contract"


@pytest.mark.django_db
def test_entries_are_never_updated_or_deleted():
    product = linked_product(Decimal("3.00"), [("H1", Decimal(1))])
    place((product, 1))
    entry = AttributionEntry.objects.get()

    entry.amount = Decimal("0.01")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AttributionEntry.objects.update(amount=Decimal("0.00"))
    with pytest.raises(AppendOnlyError):
        AttributionEntry.objects.all().delete()

    entry.refresh_from_db()
    assert entry.amount == Decimal("3.00")
