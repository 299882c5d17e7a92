"""Households: no pattern or HMAC indexes, and the import that added each.

unique=True and db_index=True on a CharField also build a varchar_pattern_ops
index on PostgreSQL; nothing searches these columns by pattern, nor looks a
household up by its head's HMAC, and each registry import wrote every
household into those indexes. A household's first import is now a column
of its own instead of a "created" change row. Staging rows no longer need
their person numbers indexed (people are staged apart) and mark the
households that changed.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_staging_people'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='importstagingrow',
            name='catalog_imp_batch_i_92462f_idx',
        ),
        migrations.AddField(
            model_name='household',
            name='added_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='households_added', to='catalog.importbatch', verbose_name='added by import'),
        ),
        migrations.AddField(
            model_name='importstagingrow',
            name='is_changed',
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name='household',
            name='head_id_hmac',
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='household',
            name='registry_number',
            field=models.CharField(max_length=32, verbose_name='registry number'),
        ),
        migrations.AlterField(
            model_name='householdchange',
            name='field',
            field=models.CharField(choices=[('status', 'status'), ('village', 'village'), ('size', 'members'), ('attribute', 'household attribute'), ('main_cause', 'main cause'), ('monitoring_kind', 'monitoring kind'), ('is_risk_eliminated', 'risk eliminated'), ('first_identified_year', 'first identified'), ('head', 'head of household'), ('is_seen', 'in the latest registry export')], max_length=32, verbose_name='field'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.UniqueConstraint(fields=('registry_number',), name='household_registry_number_unique'),
        ),
    ]
