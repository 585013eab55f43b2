from django.db import migrations

MARSEILLE = {"name": "Ville de Marseille", "kind": "city", "city": "Marseille"}


def lots_to_marseille(apps, schema_editor):
    """Every lot received before organisers existed was received for Marseille's campaign."""
    Lot = apps.get_model("inventory", "Lot")
    Organiser = apps.get_model("campaigns", "Organiser")
    if not Lot.objects.filter(organiser__isnull=True).exists():
        return
    marseille, _created = Organiser.objects.get_or_create(slug="ville-de-marseille", defaults=MARSEILLE)
    Lot.objects.filter(organiser__isnull=True).update(organiser=marseille)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0008_lot_organiser"), ("campaigns", "0006_campaigns_to_marseille")]
    operations = [migrations.RunPython(lots_to_marseille, migrations.RunPython.noop)]
