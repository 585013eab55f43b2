from django.db import migrations

MARSEILLE = {"name": "Ville de Marseille", "kind": "city", "city": "Marseille"}


def campaigns_to_marseille(apps, schema_editor):
    """Every campaign run before organisers existed was Marseille's."""
    Campaign = apps.get_model("campaigns", "Campaign")
    Organiser = apps.get_model("campaigns", "Organiser")
    if not Campaign.objects.filter(organiser__isnull=True).exists():
        return
    marseille, _created = Organiser.objects.get_or_create(slug="ville-de-marseille", defaults=MARSEILLE)
    Campaign.objects.filter(organiser__isnull=True).update(organiser=marseille)


def sync_roles(apps, schema_editor):
    """The national coordinator's group, and the organisers' view permission of every staff role."""
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    # After the donations app gave its campaign models away: the roles sync below would otherwise recreate their
    # content types under « donations » on a database migrated from before the campaigns app.
    dependencies = [("campaigns", "0005_organisers"), ("donations", "0005_campaigns_moved_out")]
    operations = [
        migrations.RunPython(campaigns_to_marseille, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
