"""The wipe records name their operator as every journal does (``actor``, ``actor_label``; data kept).

On SQLite, renaming a foreign key column rebuilds the table, which its triggers (0002) do not survive:
they are dropped before and created again after, unchanged. PostgreSQL renames the columns in place.
"""

import importlib

from django.db import migrations

wipe_triggers = importlib.import_module("inventory.migrations.0002_wipe_triggers")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_donor_moved")]

    operations = [
        migrations.RunPython(_sqlite(wipe_triggers.SQLITE_REVERSE), _sqlite(wipe_triggers.SQLITE)),
        migrations.RenameField("wiperecord", "operator", "actor"),
        migrations.RenameField("wiperecord", "operator_label", "actor_label"),
        migrations.RunPython(_sqlite(wipe_triggers.SQLITE), _sqlite(wipe_triggers.SQLITE_REVERSE)),
    ]
