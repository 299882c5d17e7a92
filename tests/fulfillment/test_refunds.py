"""Reversing entries for cancellations and refunds (DESIGN.md §3.4)."""

import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connections, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import Household
from fulfillment.attribution import attribute_order
from fulfillment.ledger import verify_chain
from fulfillment.models import AttributionEntry, LedgerHead
from fulfillment.refunds import (
    AlreadyFullyReversed,
    InvalidRefundAmount,
    QuantityOutOfRange,
    ReversalExceedsPaid,
    refund_amount_for_quantity,
    reverse_line,
)
from fulfillment.selectors import line_net_attributed, order_net_attributed
from tests import factories
from tests.fulfillment.test_ledger import attributed_line, order_line

# Oscar's order factories trip a factory_boy deprecation; not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*_after_postgeneration will stop saving:DeprecationWarning"
)

Kind = AttributionEntry.Kind


def nets_by_household(line):
    # Added in Python: SQLite's SUM() of decimals is a float.
    nets = defaultdict(Decimal)
    entries = AttributionEntry.objects.filter(line=line)
    for number, amount in entries.values_list("registry_number", "amount"):
        nets[number] += amount
    return dict(sorted(nets.items()))


def two_one_one_line():
    # ¥9.00 at weights 2:1:1 is 450, 225 and 225 fen.
    return attributed_line(
        Decimal("9.00"),
        [("P1", Decimal(2)), ("P2", Decimal(1)), ("P3", Decimal(1))],
    )


@pytest.mark.django_db
def test_partial_refund_is_split_by_what_each_household_still_holds():
    line = two_one_one_line()

    with transaction.atomic():
        entries = reverse_line(line=line, amount=Decimal("3.01"), reason="退货")

    # 301 fen over 450:225:225 is 150.5, 75.25, 75.25; floors 150+75+75 leave
    # one fen, which goes to the largest remainder (P1's 0.5).
    assert [(e.registry_number, e.amount) for e in entries] == [
        ("P1", Decimal("-1.51")),
        ("P2", Decimal("-0.75")),
        ("P3", Decimal("-0.75")),
    ]
    assert nets_by_household(line) == {
        "P1": Decimal("2.99"),
        "P2": Decimal("1.50"),
        "P3": Decimal("1.50"),
    }
    assert line_net_attributed(line) == Decimal("5.99")
    assert order_net_attributed(line.order) == Decimal("5.99")


@pytest.mark.django_db
def test_reversal_copies_the_sales_snapshots_and_names_the_sale():
    line = two_one_one_line()
    sale = AttributionEntry.objects.get(line=line, registry_number="P2")
    Household.objects.filter(registry_number="P2").update(
        status=Household.Status.OUT_UNSUPPORTED
    )

    with transaction.atomic():
        reverse_line(line=line, amount=Decimal("9.00"), reason="取消订单")

    reversal = AttributionEntry.objects.get(line=line, reverses=sale)
    assert (reversal.kind, reversal.amount) == (Kind.REVERSAL, Decimal("-2.25"))
    assert reversal.reversal_reason == "取消订单"
    # Counted when sold, so counted when reversed: today's registry is moot.
    assert (reversal.is_counted, reversal.not_counted_reason) == (True, "")
    snapshot = [
        "household_id",
        "registry_number",
        "village_code",
        "county_code",
        "producer_id",
        "producer_name",
        "link_type",
        "rule",
        "weight",
        "certificate_id_snapshot",
        "certificate_number",
        "certificate_valid_from",
        "certificate_valid_until",
        "order_id",
        "line_id",
    ]
    assert [getattr(reversal, f) for f in snapshot] == [
        getattr(sale, f) for f in snapshot
    ]


@pytest.mark.django_db
def test_reversal_of_an_uncounted_sale_stays_uncounted():
    stockrecord = factories.StockRecordFactory()  # no certificate
    factories.BenefitLinkFactory(
        producer=stockrecord.product.producer, household__registry_number="U1"
    )
    line = order_line(paid=Decimal("4.00"), stockrecord=stockrecord)

    with transaction.atomic():
        attribute_order(order=line.order)
        (reversal,) = reverse_line(line=line, amount=Decimal("1.00"), reason="退款")

    assert (reversal.amount, reversal.is_counted) == (Decimal("-1.00"), False)
    assert reversal.not_counted_reason == "uncertified"


@pytest.mark.django_db
def test_full_refund_brings_every_household_to_zero():
    line = two_one_one_line()

    with transaction.atomic():
        reverse_line(line=line, amount=Decimal("3.01"), reason="部分退款")
        last = reverse_line(line=line, amount=Decimal("5.99"), reason="全部退款")

    # What is left is 299, 150 and 150 fen; 599 over those weights is exact.
    assert [e.amount for e in last] == [
        Decimal("-2.99"),
        Decimal("-1.50"),
        Decimal("-1.50"),
    ]
    assert nets_by_household(line) == {
        "P1": Decimal("0.00"),
        "P2": Decimal("0.00"),
        "P3": Decimal("0.00"),
    }
    assert line_net_attributed(line) == Decimal("0.00")
    assert verify_chain().ok


@pytest.mark.django_db
def test_nothing_left_to_reverse_is_refused():
    line = two_one_one_line()
    with transaction.atomic():
        reverse_line(line=line, amount=Decimal("9.00"), reason="全部退款")
    count = AttributionEntry.objects.count()

    with pytest.raises(AlreadyFullyReversed), transaction.atomic():
        reverse_line(line=line, amount=Decimal("0.01"), reason="再退")

    assert AttributionEntry.objects.count() == count


@pytest.mark.django_db
def test_refund_of_more_than_was_paid_is_refused_and_nothing_is_written():
    line = two_one_one_line()
    head_before = LedgerHead.objects.values_list("last_sequence", "last_hash").get()

    with pytest.raises(ReversalExceedsPaid) as refused, transaction.atomic():
        reverse_line(line=line, amount=Decimal("9.01"), reason="退款")

    assert str(refused.value) == (
        f"cannot reverse 9.01 from line {line.pk}: only 9.00 is left"
    )
    assert AttributionEntry.objects.filter(line=line).count() == 3
    assert line_net_attributed(line) == Decimal("9.00")
    head_after = LedgerHead.objects.values_list("last_sequence", "last_hash").get()
    assert head_after == head_before


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0.00", "-1.00", "0.001"])
def test_amount_that_is_not_a_positive_number_of_fen_is_refused(amount):
    line = two_one_one_line()

    with pytest.raises(InvalidRefundAmount), transaction.atomic():
        reverse_line(line=line, amount=Decimal(amount), reason="退款")

    assert AttributionEntry.objects.filter(line=line).count() == 3


@pytest.mark.django_db
def test_line_without_beneficiaries_has_nothing_to_reverse():
    line = order_line(paid=Decimal("5.00"))

    with transaction.atomic():
        entries = reverse_line(line=line, amount=Decimal("5.00"), reason="退款")

    assert entries == []
    assert AttributionEntry.objects.count() == 0


@pytest.mark.django_db
def test_cancelling_units_one_by_one_refunds_exactly_what_was_paid():
    line = order_line(paid=Decimal("10.00"), quantity=3)

    refunds = [
        refund_amount_for_quantity(line=line, quantity=1, already_cancelled=k)
        for k in range(3)
    ]

    # 1000 fen × k / 3 rounded down: 333, 666, then all 1000.
    assert refunds == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


@pytest.mark.django_db
def test_refunded_total_does_not_depend_on_how_units_are_batched():
    line = order_line(paid=Decimal("0.05"), quantity=3)

    two_then_one = [
        refund_amount_for_quantity(line=line, quantity=2, already_cancelled=0),
        refund_amount_for_quantity(line=line, quantity=1, already_cancelled=2),
    ]
    all_at_once = refund_amount_for_quantity(line=line, quantity=3, already_cancelled=0)

    # 5 fen × 2 / 3 rounded down is 3; the last unit brings the rest, 2.
    assert two_then_one == [Decimal("0.03"), Decimal("0.02")]
    assert all_at_once == Decimal("0.05")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quantity", "already_cancelled"), [(0, 0), (1, -1), (3, 1), (1, 3)]
)
def test_cancelled_quantity_must_fit_the_line(quantity, already_cancelled):
    line = order_line(paid=Decimal("10.00"), quantity=3)

    with pytest.raises(QuantityOutOfRange):
        refund_amount_for_quantity(
            line=line, quantity=quantity, already_cancelled=already_cancelled
        )


class Rollback(Exception):
    """Raised to undo one generated history, leaving the next a clean slate."""


@pytest.mark.django_db
@settings(max_examples=50, deadline=None)
@given(
    paid_fen=st.integers(min_value=0, max_value=10**8),
    quantity=st.integers(min_value=1, max_value=12),
    weights=st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=6),
    batches=st.lists(st.integers(min_value=1, max_value=12), max_size=12),
)
def test_random_cancellation_histories_keep_every_household_whole(
    paid_fen, quantity, weights, batches
):
    paid = Decimal(paid_fen) / 100
    with pytest.raises(Rollback), transaction.atomic():
        line = attributed_line(
            paid,
            [(f"H{i}", Decimal(w) / 1000) for i, w in enumerate(weights)],
            quantity=quantity,
        )
        assert line_net_attributed(line) == paid

        cancelled = 0
        for batch in batches:
            units = min(batch, quantity - cancelled)
            if units == 0:
                break
            refund = refund_amount_for_quantity(
                line=line, quantity=units, already_cancelled=cancelled
            )
            if refund > 0:
                reverse_line(line=line, amount=refund, reason="取消")
            cancelled += units

            # Refunded so far, computed apart from the service: paid × k / Q
            # rounded down to the fen, and all of it once every unit is gone.
            refunded = Decimal(paid_fen * cancelled // quantity) / 100
            assert line_net_attributed(line) == paid - refunded
            assert all(net >= 0 for net in nets_by_household(line).values())
            assert verify_chain().ok
        raise Rollback


@pytest.mark.django_db(transaction=True)
def test_two_racing_full_refunds_reverse_the_line_once(postgres_only):
    line = two_one_one_line()
    barrier = threading.Barrier(2)
    outcomes = []

    def refunder():
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                outcomes.append(
                    len(reverse_line(line=line, amount=Decimal("9.00"), reason="退款"))
                )
        except AlreadyFullyReversed as refused:
            outcomes.append(type(refused))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refunder) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # The second waits for the first's lock, then finds nothing left.
    assert len(outcomes) == 2
    assert set(outcomes) == {3, AlreadyFullyReversed}
    assert line_net_attributed(line) == Decimal("0.00")
    assert verify_chain().ok
