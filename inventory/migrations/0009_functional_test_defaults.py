"""Every existing campaign gets the default checklist; units already cleared get a legacy passed test.

Units that are ready, reserved or handed over were cleared before functional tests were recorded: each gets one
``legacy`` test (no items, written by this migration) so that the gate of 0010 holds on existing data without
pretending that a test was recorded (the unit's page shows it as « antérieur au suivi des tests »; no history row is
added, so existing tables keep their rows). A unit in the workshop simply has no test yet: it is tested before ready.
"""

from django.db import migrations

CLEARED = ("ready", "reserved", "handed_over")
BATCH = 2000
# The default checklist as it was written then (inventory.models.DEFAULT_CHECKLIST may change later).
DEFAULT_CHECKLIST = (
    ("Mise sous tension", "L'ordinateur démarre jusqu'au système, sans bip ni message d'erreur."),
    ("Sortie d'affichage", "Image nette sur un écran, par chaque sortie vidéo."),
    ("Ports USB", "Chaque port USB reconnaît une clé ou un périphérique."),
    ("Réseau", "Le port Ethernet (et le Wi-Fi s'il y en a) obtient une connexion."),
    ("Clavier et souris", "Le clavier et la souris fournis fonctionnent."),
    ("État du stockage (SMART)", "Le disque est sain d'après ses indicateurs SMART."),
)


def forwards(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    ChecklistItem = apps.get_model("inventory", "ChecklistItem")
    Computer = apps.get_model("inventory", "Computer")
    FunctionalTest = apps.get_model("inventory", "FunctionalTest")

    with_items = set(ChecklistItem.objects.values_list("campaign_id", flat=True))
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(campaign_id=campaign_id, label=label, help_text=help_text, position=10 * (i + 1))
            for campaign_id in Campaign.objects.exclude(pk__in=with_items).values_list("pk", flat=True)
            for i, (label, help_text) in enumerate(DEFAULT_CHECKLIST)
        ],
        batch_size=BATCH,
    )

    label = "Reprise des données (avant le suivi des tests fonctionnels)"
    pending = list(
        Computer.objects.filter(status__in=CLEARED, functional_test__isnull=True)
        .order_by("pk")
        .values_list("pk", "status")
    )
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        tests = FunctionalTest.objects.bulk_create(
            [FunctionalTest(computer_id=pk, passed=True, legacy=True, actor_label=label) for pk, _status in chunk]
        )
        if tests and tests[0].pk is None:  # a database that does not return the new keys
            by_computer = dict(
                FunctionalTest.objects.filter(computer_id__in=[pk for pk, _s in chunk], legacy=True).values_list(
                    "computer_id", "pk"
                )
            )
        else:
            by_computer = {t.computer_id: t.pk for t in tests}
        computers = [Computer(pk=pk, functional_test_id=by_computer[pk]) for pk, _status in chunk]
        Computer.objects.bulk_update(computers, ["functional_test"])


class Migration(migrations.Migration):
    dependencies = [("inventory", "0008_functional_test")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
