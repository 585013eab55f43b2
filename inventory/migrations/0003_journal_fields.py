"""The wipe records name their operator as every journal does (``actor``, ``actor_label``; data kept)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_wipe_triggers")]

    operations = [
        migrations.RenameField("wiperecord", "operator", "actor"),
        migrations.RenameField("wiperecord", "operator_label", "actor_label"),
    ]
