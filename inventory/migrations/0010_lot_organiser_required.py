import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0009_lots_to_marseille")]

    operations = [
        migrations.AlterField(
            model_name="lot",
            name="organiser",
            field=models.ForeignKey(
                help_text="L'organisateur dont l'équipe de stock reçoit et prépare ce lot.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lots",
                to="campaigns.organiser",
                verbose_name="organisateur",
            ),
        ),
    ]
