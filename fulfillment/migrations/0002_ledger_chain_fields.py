import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Add the hash chain and reversal fields; sequence is filled in by 0003."""

    dependencies = [
        ("fulfillment", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("last_sequence", models.PositiveBigIntegerField(default=0)),
                ("last_hash", models.CharField(default="0000000000000000000000000000000000000000000000000000000000000000", max_length=64)),
            ],
            options={
                "verbose_name": "ledger head",
                "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="ledger_head_single_row")],
            },
        ),
        migrations.AlterField(
            model_name="attributionentry",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="recorded at"),
        ),
        migrations.AddField(
            model_name="attributionentry",
            name="kind",
            field=models.CharField(choices=[("sale", "sale"), ("reversal", "reversal")], default="sale", max_length=8, verbose_name="kind"),
        ),
        migrations.AddField(
            model_name="attributionentry",
            name="reverses",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="reversals", to="fulfillment.attributionentry", verbose_name="reverses"),
        ),
        migrations.AddField(
            model_name="attributionentry",
            name="reversal_reason",
            field=models.CharField(blank=True, default="", max_length=128, verbose_name="why reversed"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="attributionentry",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, null=True, verbose_name="sequence"),
        ),
        migrations.AddField(
            model_name="attributionentry",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="previous entry's hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="attributionentry",
            name="entry_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="entry hash"),
            preserve_default=False,
        ),
    ]
