"""Give the moved models' content types to the campaigns app, so that permissions held by groups and users,
and the admin's log entries, follow the models (same rows, new app label)."""

from django.db import migrations

MOVED = ["donor", "campaign", "campaigndonor", "campaignevent"]


def _move(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in MOVED:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        # Both exist (post_migrate ran in between): keep the new one, carry over the grants of the old one.
        for perm in Permission.objects.filter(content_type=old):
            twin = Permission.objects.filter(content_type=new, codename=perm.codename).first()
            if twin is None:
                perm.content_type = new
                perm.save(update_fields=["content_type"])
            else:
                twin.group_set.add(*perm.group_set.all())
                twin.user_set.add(*perm.user_set.all())
                perm.delete()
        apps.get_model("admin", "LogEntry").objects.filter(content_type=old).update(content_type=new)
        old.delete()


def forwards(apps, schema_editor):
    _move(apps, "donations", "campaigns")


def backwards(apps, schema_editor):
    _move(apps, "campaigns", "donations")


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
