"""Staging of people (for repeated person numbers), beside the households.

The people's table, like the households' (0004), skips the write-ahead log.
"""

from django.db import migrations, models


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("catalog", "ImportStagingPerson")
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_unlogged_staging"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportStagingPerson",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("batch_id", models.PositiveIntegerField()),
                ("row_number", models.PositiveIntegerField()),
                ("registry_number", models.CharField(max_length=32)),
                ("person_number", models.CharField(max_length=40)),
            ],
        ),
        migrations.AddField(
            model_name="importstagingrow",
            name="is_person_row",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop),
    ]
