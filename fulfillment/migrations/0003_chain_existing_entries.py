"""Chain the entries written before the ledger had a hash chain.

compute_hash is imported rather than copied so that this backfill and
verify_chain can never disagree; it reads fields only, so it works on the
historical model. On a new database there is nothing to backfill.
"""

from django.db import migrations

GENESIS_HASH = "0" * 64


def chain_existing_entries(apps, schema_editor):
    from fulfillment.ledger import compute_hash

    AttributionEntry = apps.get_model("fulfillment", "AttributionEntry")
    LedgerHead = apps.get_model("fulfillment", "LedgerHead")

    sequence, previous_hash = 0, GENESIS_HASH
    entries = AttributionEntry.objects.select_related("order").order_by("pk")
    for entry in entries.iterator(chunk_size=2000):
        sequence += 1
        entry.sequence = sequence
        entry.previous_hash = previous_hash
        entry.entry_hash = compute_hash(entry, order_number=entry.order.number)
        AttributionEntry.objects.filter(pk=entry.pk).update(
            sequence=entry.sequence,
            previous_hash=entry.previous_hash,
            entry_hash=entry.entry_hash,
        )
        previous_hash = entry.entry_hash
    LedgerHead.objects.create(pk=1, last_sequence=sequence, last_hash=previous_hash)


def remove_head(apps, schema_editor):
    apps.get_model("fulfillment", "LedgerHead").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0002_ledger_chain_fields"),
    ]

    operations = [
        migrations.RunPython(chain_existing_entries, remove_head),
    ]
