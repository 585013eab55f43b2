"""HandoverEvent inherits core.models.Journal: its state columns get the journals' names (data kept)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("handoverevent", "from_state", "from_status"),
        migrations.RenameField("handoverevent", "to_state", "to_status"),
        migrations.AlterField(
            model_name="handoverevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="par",
            ),
        ),
    ]
