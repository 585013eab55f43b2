import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0006_campaigns_to_marseille")]

    operations = [
        migrations.AlterField(
            model_name="campaign",
            name="organiser",
            field=models.ForeignKey(
                help_text="La ville, la métropole ou l'opérateur qui mène la campagne ; son équipe seule la gère.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="campaigns",
                to="campaigns.organiser",
                verbose_name="organisateur",
            ),
        ),
    ]
