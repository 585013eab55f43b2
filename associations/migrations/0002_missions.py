from django.db import migrations

CODES = ["precarity", "exclusion", "illiteracy", "analphabetism", "illectronism", "employment", "mediation"]


def load_missions(apps, schema_editor):
    Mission = apps.get_model("associations", "Mission")
    for position, code in enumerate(CODES):
        Mission.objects.update_or_create(code=code, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("associations", "0001_initial")]
    operations = [migrations.RunPython(load_missions, migrations.RunPython.noop)]
