"""The demo's second organiser: the Métropole de Lyon, its campaign, a few associations, its stock and one wave.

Its team (reviewer-lyon@, stock-lyon@, manager-lyon@, desk-lyon@demo.test) sees only this; Marseille's team sees
none of it. One Marseille association also applies here: associations are national, each organiser sees only the
applications made to its own campaigns. Idempotent: what exists is left as it is.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from associations.models import Application, Association, Mission
from campaigns.models import Campaign, CampaignDonor, Donor
from core.models import actor_label
from demo.builders import associations as associations_demo
from demo.builders.inventory import computer_event, functional_tests
from demo.organisers import organiser
from donations import services as donation_services
from donations.models import Wave
from inventory.models import Computer, ComputerEvent, Lot, WipeRecord

CAMPAIGN_SLUG = "lyon-2026"
LOT_REFERENCE = "ORANGE-LYON-2026-01"
UNITS = 60
M = Mission.Code
# legal name, postal code, missions, beneficiaries per year, requested, outcome (granted quantity or a status)
ASSOCIATIONS = [
    ("Connexions Solidaires de la Guillotière", "69007", [M.MEDIATION, M.ILLECTRONISM], 420, 15, 15),
    ("Atelier Numérique de la Croix-Rousse", "69004", [M.ILLECTRONISM, M.EMPLOYMENT], 310, 12, 12),
    ("Insertion et Avenir Vaise", "69009", [M.EMPLOYMENT], 260, 10, 10),
    ("Lire Écrire Compter Lyon 8", "69008", [M.ILLITERACY, M.ANALPHABETISM], 180, 10, "submitted"),
]
NATIONAL_ASSOCIATION_INDEX = 1  # a Marseille association that also applies to Lyon's campaign


def seed(context: dict) -> None:
    stdout = context.get("stdout")
    users = context["users"]
    lyon = organiser("Lyon")
    campaign = _campaign(lyon)
    applications = _applications(campaign, users["reviewer-lyon@demo.test"])
    _stock(lyon, users["stock-lyon@demo.test"])
    wave = _wave(campaign, users["manager-lyon@demo.test"])
    if stdout:
        stdout.write(
            f"  Lyon : campagne {campaign.slug}, {len(applications)} candidatures, lot {LOT_REFERENCE} "
            f"({UNITS} ordinateurs), {wave}"
        )


def _campaign(lyon) -> Campaign:
    today = timezone.localdate()
    donor, _created = Donor.objects.get_or_create(name="Orange", defaults={"contact_email": "dons@orange-demo.test"})
    campaign, _created = Campaign.objects.get_or_create(
        slug=CAMPAIGN_SLUG,
        defaults={
            "organiser": lyon,
            "name": "Des ordinateurs pour les associations lyonnaises",
            "city": "Lyon",
            "description": (
                "Orange donne 200 ordinateurs de bureau reconditionnés, avec clavier et souris, aux associations "
                "de la Métropole de Lyon qui luttent contre la fracture numérique."
            ),
            "eligibility": "Associations de la Métropole de Lyon engagées pour l'inclusion numérique.",
            "pledged_units": 200,
            "min_per_association": 5,
            "max_per_association": 20,
            "applications_open_on": datetime.date(2026, 3, 1),
            "applications_close_on": max(today + datetime.timedelta(days=90), datetime.date(2026, 12, 31)),
            "status": Campaign.Status.OPEN,
            "contact_email": "numerique@lyon-demo.test",
        },
    )
    CampaignDonor.objects.get_or_create(campaign=campaign, donor=donor, defaults={"pledged_units": 200})
    return campaign


def _applications(campaign, reviewer) -> list[Application]:
    missions = {m.code: m for m in Mission.objects.all()}
    base_day = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    applications = []
    for index, (name, postal_code, codes, beneficiaries, requested, outcome) in enumerate(ASSOCIATIONS):
        association, created = Association.objects.get_or_create(
            rna=f"W69{index + 1:07d}",
            defaults={
                "legal_name": name,
                "address": f"{5 + index} rue {['Paul Bert', 'Dumenge', 'Marietton', 'Saint-Maurice'][index]}",
                "postal_code": postal_code,
                "city": "Lyon",
                "description": "Ateliers numériques, accompagnement aux démarches en ligne et à la recherche d'emploi.",
                "beneficiaries_per_year": beneficiaries,
                "staff_count": 2,
                "volunteer_count": 6 + index,
                "contact_name": ["Léa Morel", "Yanis Perrin", "Claire Dubois", "Malik Girard"][index],
                "contact_role": "Président·e",
                "contact_email": f"contact{index + 1}@asso-lyon-demo.test",
                "contact_phone": f"04 78 {index:02d} 00 00",
            },
        )
        if created:
            association.missions.set([missions[c] for c in codes])
        applications.append(_apply(association, campaign, requested, outcome, reviewer, base_day, index))
    # Associations are national: a Marseille one applies to Lyon's campaign too (waiting for review).
    marseille = Association.objects.filter(rna=f"W13{NATIONAL_ASSOCIATION_INDEX + 1:07d}").first()
    if marseille is not None:
        applications.append(_apply(marseille, campaign, 10, "submitted", reviewer, base_day, len(ASSOCIATIONS)))
    return applications


def _apply(association, campaign, requested, outcome, reviewer, base_day, index) -> Application:
    existing = Application.objects.filter(association=association, campaign=campaign).first()
    if existing is not None:
        return existing
    when = base_day + datetime.timedelta(hours=index)
    return associations_demo._demo_application(association, campaign, requested, outcome, reviewer, when)


def _stock(lyon, operator) -> None:
    """Orange's lot received in Lyon: every unit wiped (a passed record) and ready, with its history."""
    if Lot.objects.filter(reference=LOT_REFERENCE).exists():
        return
    rng = random.Random(69)
    now = timezone.now()
    label = actor_label(operator)
    donor, _created = Donor.objects.get_or_create(name="Orange", defaults={"contact_email": "dons@orange-demo.test"})
    lot = Lot.objects.create(
        organiser=lyon,
        donor=donor,
        reference=LOT_REFERENCE,
        arrival_date=(now - datetime.timedelta(days=40)).date(),
        site="Atelier de reconditionnement, 30 rue de Gerland, 69007 Lyon",
        expected_count=UNITS,
        notes="Ordinateurs de bureau des salariés d'Orange à Lyon, livrés avec clavier et souris.",
    )
    arrived = now - datetime.timedelta(days=40)
    computers = Computer.objects.bulk_create(
        [
            Computer(
                asset_tag=f"{LOT_REFERENCE}-{number:04d}",
                manufacturer="Dell",
                model="OptiPlex 7070 SFF",
                serial_number="LY" + "".join(rng.choice("BCDFGHJKLMNPQRSTVWXZ0123456789") for _ in range(7)),
                cpu="Intel Core i5-9500",
                ram_gb=8,
                storage_gb=256,
                storage_type="nvme",
                os="Windows 10 Pro",
                grade=rng.choice(["A", "A", "B"]),
                lot=lot,
                status=Computer.Status.RECONDITIONING,
                status_changed_at=now - datetime.timedelta(days=rng.randint(3, 30)),
            )
            for number in range(1, UNITS + 1)
        ]
    )
    computers = list(Computer.objects.filter(lot=lot).order_by("pk"))
    records = [
        WipeRecord(
            computer=computer,
            kind=WipeRecord.Kind.WIPE,
            method=WipeRecord.Method.NIST_PURGE,
            tool="Blancco Drive Eraser",
            tool_version="7.9.1",
            performed_on=(computer.status_changed_at - datetime.timedelta(days=1)).date(),
            result=WipeRecord.Result.PASSED,
            report_reference=f"BDE-LYON-{number:06d}",
            actor=operator,
            actor_label=label,
        )
        for number, computer in enumerate(computers, start=1)
    ]
    WipeRecord.objects.bulk_create(records)
    events = []
    for computer in computers:
        since = computer.status_changed_at
        for kind, at, from_status, to_status, note in (
            (ComputerEvent.Kind.CREATED, arrived, "", "received", f"Lot {LOT_REFERENCE}"),
            (ComputerEvent.Kind.STATUS, arrived + datetime.timedelta(days=2), "received", "reconditioning", ""),
            (ComputerEvent.Kind.STATUS, since, "reconditioning", "ready", ""),
        ):
            events.append(computer_event(computer, kind, at, from_status, to_status, note, operator=operator))
    ComputerEvent.objects.bulk_create(events)
    record_of = dict(WipeRecord.objects.filter(computer__lot=lot).values_list("computer_id", "pk"))
    for computer in computers:
        computer.wipe_record_id = record_of[computer.pk]
    Computer.objects.bulk_update(computers, ["wipe_record"])
    # A unit is ready only once its functional test has passed (database constraint of the checklists).
    from inventory.models import FunctionalTest

    test_events: list = []

    def test_event(computer, kind, at, from_status, to_status, note):
        test_events.append(computer_event(computer, kind, at, from_status, to_status, note, operator=operator))

    functional_tests(computers, operator, test_event)
    ComputerEvent.objects.bulk_create(test_events)
    test_of = dict(FunctionalTest.objects.filter(computer__lot=lot, passed=True).values_list("computer_id", "pk"))
    for computer in computers:
        computer.functional_test_id = test_of[computer.pk]
    Computer.objects.bulk_update(computers, ["functional_test"])
    Computer.objects.filter(lot=lot).update(status=Computer.Status.READY)


def _wave(campaign, manager) -> Wave:
    """Wave 1 of Lyon, planned and confirmed by Lyon's manager: its units come from Lyon's lot only."""
    wave = Wave.objects.filter(campaign=campaign, number=1).first()
    if wave is not None:
        return wave
    start = timezone.localdate() + datetime.timedelta(days=21)
    wave = donation_services.wave_save(
        wave=Wave(
            campaign=campaign,
            number=1,
            name="Première distribution lyonnaise",
            capacity=40,
            is_final_lot=False,
            handover_starts_on=start,
            handover_ends_on=start + datetime.timedelta(days=1),
            place="Maison de la Métropole, 20 rue du Lac, 69003 Lyon",
        ),
        by=manager,
    )
    donation_services.wave_plan(wave=wave, by=manager)
    donation_services.wave_confirm(wave=wave, by=manager, notify=False)
    wave.refresh_from_db()
    return wave
