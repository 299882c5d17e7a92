"""Staging rows of registry imports skip PostgreSQL's write-ahead log.

They live only while an import runs; after a crash PostgreSQL empties an
unlogged table, and the import starts its reading over anyway. Writing a
million of them is several times faster without the log.
"""

from django.db import migrations


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("catalog", "ImportStagingRow")
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("catalog", "ImportStagingRow")
        table = schema_editor.quote_name(model._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_registry_imports")]

    operations = [migrations.RunPython(unlogged, logged)]
