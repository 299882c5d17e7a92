"""The ledger's hash chain: appends, tampering found, the verify command."""

import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from oscar.test.factories import OrderLineFactory

from fulfillment.attribution import attribute_order
from fulfillment.ledger import (
    LedgerNotInTransaction,
    Problem,
    append_entries,
    compute_hash,
    verify_chain,
)
from fulfillment.models import AttributionEntry, LedgerHead
from tests import factories

GENESIS = "0" * 64

# Oscar's order factories trip a factory_boy deprecation; not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*_after_postgeneration will stop saving:DeprecationWarning"
)


def order_line(*, paid=Decimal("1.00"), quantity=1, stockrecord=None):
    """Return an order line of quantity units for which paid was paid in all.

    The order is built directly rather than through checkout, so that the
    paid amount can be anything a discount could leave.
    """
    stockrecord = stockrecord or factories.StockRecordFactory()
    return OrderLineFactory(
        product=stockrecord.product,
        stockrecord=stockrecord,
        partner=stockrecord.partner,
        partner_sku=stockrecord.partner_sku,
        quantity=quantity,
        line_price_incl_tax=paid,
        line_price_excl_tax=paid,
    )


def attributed_line(paid, numbers_and_weights, *, quantity=1):
    """Return an attributed order line linked to the given households."""
    stockrecord = factories.StockRecordFactory()
    product = stockrecord.product
    factories.CertificateFactory(product=product)
    for number, weight in numbers_and_weights:
        factories.BenefitLinkFactory(
            producer=product.producer,
            household__registry_number=number,
            weight=weight,
        )
    line = order_line(paid=paid, quantity=quantity, stockrecord=stockrecord)
    with transaction.atomic():
        attribute_order(order=line.order)
    return line


def three_entries():
    line = attributed_line(
        Decimal("9.00"),
        [("L1", Decimal(1)), ("L2", Decimal(1)), ("L3", Decimal(1))],
    )
    return line, list(AttributionEntry.objects.order_by("sequence"))


def run_sql(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_appended_entries_form_a_chain_from_64_zeros():
    line, entries = three_entries()

    report = verify_chain()

    assert (report.ok, report.checked) == (True, 3)
    assert [e.sequence for e in entries] == [1, 2, 3]
    assert [e.previous_hash for e in entries] == [
        GENESIS,
        entries[0].entry_hash,
        entries[1].entry_hash,
    ]
    assert all(len(e.entry_hash) == 64 for e in entries)
    head = LedgerHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (3, entries[2].entry_hash)
    assert report.last_hash == entries[2].entry_hash


@pytest.mark.django_db
def test_a_chain_across_orders_and_chunks_verifies():
    attributed_line(Decimal("9.00"), [("M1", Decimal(1)), ("M2", Decimal(2))])
    attributed_line(Decimal("1.00"), [("M3", Decimal(1))])
    attributed_line(Decimal("5.55"), [("M4", Decimal(1)), ("M5", Decimal(1))])

    report = verify_chain(chunk_size=2)

    assert (report.ok, report.checked, report.problem) == (True, 5, None)


@pytest.mark.django_db
def test_an_empty_ledger_verifies():
    report = verify_chain()

    assert (report.ok, report.checked, report.last_hash) == (True, 0, GENESIS)


@pytest.mark.django_db
def test_entries_created_directly_are_chained_too():
    line, entries = three_entries()
    sale = entries[0]

    copy = AttributionEntry.objects.create(
        order=line.order,
        line=line,
        household=sale.household,
        amount=Decimal("1.00"),
        weight=Decimal("1.000"),
        rule=sale.rule,
        registry_number=sale.registry_number,
        village_code=sale.village_code,
        county_code=sale.county_code,
        producer=sale.producer,
        producer_name=sale.producer_name,
        is_counted=True,
    )

    assert (copy.sequence, copy.previous_hash) == (4, entries[2].entry_hash)
    assert verify_chain().ok


@pytest.mark.django_db
def test_amount_changed_in_the_database_is_caught_at_that_entry():
    line, entries = three_entries()

    run_sql(
        "UPDATE fulfillment_attributionentry SET amount = %s WHERE id = %s",
        ["9.00", entries[1].pk],
    )
    report = verify_chain()

    assert report.ok is False
    assert (report.problem, report.sequence) == (Problem.CONTENT_CHANGED, 2)
    assert (report.checked, report.order_number) == (1, line.order.number)


@pytest.mark.django_db
def test_household_moved_in_the_database_is_caught_at_that_entry():
    line, entries = three_entries()

    run_sql(
        "UPDATE fulfillment_attributionentry SET registry_number = %s WHERE id = %s",
        ["L9", entries[2].pk],
    )
    report = verify_chain()

    assert (report.problem, report.sequence) == (Problem.CONTENT_CHANGED, 3)


@pytest.mark.django_db
def test_deleted_entry_is_caught_as_a_gap():
    line, entries = three_entries()

    run_sql("DELETE FROM fulfillment_attributionentry WHERE id = %s", [entries[1].pk])
    report = verify_chain()

    assert (report.problem, report.sequence) == (Problem.SEQUENCE_GAP, 2)
    assert report.detail == (
        f"sequence 2 is missing; the next entry is 3 (order {line.order.number})"
    )


@pytest.mark.django_db
def test_deleted_last_entry_is_caught_at_the_head():
    line, entries = three_entries()

    run_sql("DELETE FROM fulfillment_attributionentry WHERE id = %s", [entries[2].pk])
    report = verify_chain()

    assert (report.problem, report.sequence) == (Problem.HEAD_MISMATCH, 3)
    assert report.detail == "the chain ends at 2, the head says 3"


@pytest.mark.django_db
def test_rehashed_entry_is_caught_at_the_next_entry():
    line, entries = three_entries()
    tampered = entries[1]
    tampered.amount = Decimal("9.00")
    forged_hash = compute_hash(tampered, order_number=line.order.number)

    run_sql(
        "UPDATE fulfillment_attributionentry SET amount = %s, entry_hash = %s "
        "WHERE id = %s",
        ["9.00", forged_hash, tampered.pk],
    )
    report = verify_chain()

    assert (report.problem, report.sequence) == (Problem.PREVIOUS_HASH_MISMATCH, 3)
    assert report.checked == 2


@pytest.mark.django_db
def test_command_reports_a_sound_ledger():
    three_entries()
    out = StringIO()

    call_command("verify_ledger", stdout=out)

    assert out.getvalue() == "ledger ok: 3 entries\n"


@pytest.mark.django_db
def test_command_names_the_first_broken_entry_and_exits_1():
    line, entries = three_entries()
    run_sql(
        "UPDATE fulfillment_attributionentry SET amount = %s WHERE id = %s",
        ["0.01", entries[1].pk],
    )
    entries[1].amount = Decimal("0.01")
    recomputed = compute_hash(entries[1], order_number=line.order.number)

    with pytest.raises(CommandError) as refused:
        call_command("verify_ledger", stdout=StringIO())

    # Django turns a CommandError into its returncode as the exit status.
    assert refused.value.returncode == 1
    assert str(refused.value) == (
        f"ledger broken at sequence 2 (order {line.order.number}): "
        f"content changed: stored hash {entries[1].entry_hash[:12]}… does not "
        f"match the content, which hashes to {recomputed[:12]}…"
    )


@pytest.mark.django_db(transaction=True)
def test_appending_outside_a_transaction_is_refused():
    line = order_line()

    with pytest.raises(LedgerNotInTransaction):
        append_entries([AttributionEntry(order=line.order, line=line)])

    assert AttributionEntry.objects.count() == 0


def _copies_of(entry, count):
    fields = [
        f.attname
        for f in AttributionEntry._meta.concrete_fields
        if f.attname not in {"id", "sequence", "previous_hash", "entry_hash"}
    ]
    copies = [
        AttributionEntry(**{name: getattr(entry, name) for name in fields})
        for _ in range(count)
    ]
    for copy in copies:
        copy.order = entry.order
    return copies


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_queue_up_and_never_fork(postgres_only):
    line = attributed_line(Decimal("3.00"), [("R1", Decimal(1))])
    sale = AttributionEntry.objects.select_related("order").get(line=line)
    writers, per_writer = 8, 3
    barrier = threading.Barrier(writers)
    errors = []

    def writer():
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                append_entries(_copies_of(sale, per_writer))
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    report = verify_chain()
    assert (report.ok, report.checked) == (True, 1 + writers * per_writer)
    sequences = list(
        AttributionEntry.objects.order_by("sequence").values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, 2 + writers * per_writer))


@pytest.mark.django_db(transaction=True)
def test_migration_chains_entries_written_before_the_chain():
    line = order_line()
    household = factories.HouseholdFactory()
    producer = factories.PartnerFactory()
    executor = MigrationExecutor(connection)
    executor.migrate([("fulfillment", "0001_initial")])
    old_apps = executor.loader.project_state([("fulfillment", "0001_initial")]).apps
    OldEntry = old_apps.get_model("fulfillment", "AttributionEntry")
    for amount in ("1.00", "2.00"):
        OldEntry.objects.create(
            order_id=line.order_id,
            line_id=line.pk,
            household_id=household.pk,
            amount=Decimal(amount),
            weight=Decimal("1.000"),
            rule="links",
            registry_number=household.registry_number,
            village_code=household.village.code,
            county_code=household.village.code[:6],
            producer_id=producer.pk,
            producer_name=producer.name,
            is_counted=True,
        )

    # Forward to every app's latest, in case another app came to depend on
    # the migrations undone above.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    report = verify_chain()

    assert (report.ok, report.checked) == (True, 2)
    assert list(
        AttributionEntry.objects.order_by("pk").values_list("sequence", "amount")
    ) == [(1, Decimal("1.00")), (2, Decimal("2.00"))]
