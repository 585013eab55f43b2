"""Demo stock for seed_demo: Orange's lot of 1000 desktops in Marseille.

Written with bulk inserts (a few dozen queries) so that seed_demo stays fast; the history rows are
the ones the services would have written (entry, reconditioning, wipe, ready or scrapped).
"""

import datetime
import random

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from campaigns.models import Donor
from core.models import actor_label
from demo.organisers import organiser
from inventory.models import Computer, ComputerEvent, FunctionalTest, FunctionalTestResult, Lot, WipeRecord
from inventory.selectors import checklists_for

LOT_REFERENCE = "ORANGE-2026-01"
UNITS = 1000
# (manufacturer, model, cpu, storage type, how many, serial maker)
MODELS = [
    ("Dell", "OptiPlex 7070 SFF", "Intel Core i5-9500", "nvme", 420, "dell"),
    ("HP", "EliteDesk 800 G5 SFF", "Intel Core i5-9500", "nvme", 340, "hp"),
    ("Lenovo", "ThinkCentre M720s", "Intel Core i5-8500", "ssd", 240, "lenovo"),
]
IN_RECONDITIONING = 20  # of which: 12 not wiped yet, 5 wiped, 3 failed wipes (2 of those need a part)
SCRAPPED = 8
SCRAP_REASONS = [  # (cause, detailed reason)
    ("faulty", "Carte mère défectueuse : ne démarre pas."),
    ("parts", "Alimentation hors service, pièce introuvable."),
    ("damaged", "Châssis enfoncé pendant le transport."),
    ("faulty", "Carte mère défectueuse : ports USB hors service."),
]
# Where the demo's scrapped units went: an approved WEEE take-back, their disks destroyed with a certificate.
SCRAP_END_OF_LIFE = {
    "storage_outcome": "destroyed",
    "storage_certificate": "CERT-DESTRUCTION-2026-014",
    "recycler": "ecosystem (éco-organisme agréé DEEE)",
    "recycler_reference": "BSD-2026-0142",
}


def scrap_fields(number: int) -> dict:
    cause, reason = SCRAP_REASONS[number % len(SCRAP_REASONS)]
    parts = "8 Go de mémoire" if cause == "damaged" else ""
    return {"scrap_reason": reason, "scrap_cause": cause, "parts_kept": parts, **SCRAP_END_OF_LIFE}


ALNUM = "BCDFGHJKLMNPQRSTVWXYZ0123456789"


def _serial(rng: random.Random, maker: str) -> str:
    if maker == "dell":  # a service tag
        return "".join(rng.choice(ALNUM) for _ in range(7))
    if maker == "hp":  # CZC + year digit + week + unit
        return f"CZC9{rng.randint(36, 52):02d}" + "".join(rng.choice(ALNUM) for _ in range(4))
    return "MJ0" + "".join(rng.choice(ALNUM) for _ in range(5))


def computer_event(computer, kind, at, from_status="", to_status="", note="", *, operator) -> ComputerEvent:
    """One history row of a unit, dated ``at``, by the demo's operator (saved in bulk by the caller)."""
    return ComputerEvent(
        computer=computer,
        kind=kind,
        actor=operator,
        actor_label=actor_label(operator),
        from_status=from_status,
        to_status=to_status,
        note=note,
        created_at=at,
    )


def seed(context: dict) -> None:
    stdout = context.get("stdout")
    if Lot.objects.filter(reference=LOT_REFERENCE).exists():
        if stdout:
            stdout.write(f"  stock : lot {LOT_REFERENCE} déjà là")
        return
    operator = context["users"]["stock@demo.test"]
    label = actor_label(operator)
    rng = random.Random(2026)
    now = timezone.now()
    donor, _created = Donor.objects.get_or_create(
        name="Orange", defaults={"contact_email": "dons@orange-demo.test", "public_name_shown": True}
    )
    lot = Lot.objects.create(
        organiser=organiser("Marseille"),  # received for Marseille's campaign
        donor=donor,
        reference=LOT_REFERENCE,
        arrival_date=(now - datetime.timedelta(days=75)).date(),
        site="Atelier de reconditionnement, 12 boulevard de la Méditerranée, 13015 Marseille",
        expected_count=UNITS,
        notes="Ordinateurs de bureau des salariés d'Orange, achetés fin 2019, remplacés par des portables. "
        "Livrés avec clavier et souris.",
    )

    specs = [m for m in MODELS for _ in range(m[4])]
    rng.shuffle(specs)
    serials: set[str] = set()
    plan = []  # (computer, final status, arrival time)
    for number, (maker, model, cpu, storage_type, _count, serial_kind) in enumerate(specs, start=1):
        serial = _serial(rng, serial_kind)
        while serial in serials:
            serial = _serial(rng, serial_kind)
        serials.add(serial)
        if number <= SCRAPPED:
            final = Computer.Status.SCRAPPED
        elif number <= SCRAPPED + IN_RECONDITIONING:
            final = Computer.Status.RECONDITIONING
        else:
            final = Computer.Status.READY
        # Ready units came out of the workshop over the last eight weeks: oldest first is meaningful.
        since = now - datetime.timedelta(days=rng.randint(3, 56), minutes=rng.randint(0, 600))
        computer = Computer(
            asset_tag=f"{LOT_REFERENCE}-{number:04d}",
            manufacturer=maker,
            model=model,
            serial_number=serial,
            cpu=cpu,
            ram_gb=16 if rng.random() < 0.3 else 8,
            storage_gb=256,
            storage_type=storage_type,
            os=("Ubuntu 22.04 LTS" if rng.random() < 0.2 else "Windows 10 Pro") if final == "ready" else "",
            grade=rng.choices(["A", "B", "C"], weights=[60, 35, 5])[0],
            lot=lot,
            status=Computer.Status.SCRAPPED if final == "scrapped" else Computer.Status.RECONDITIONING,
            status_changed_at=since,
            **(scrap_fields(number) if final == "scrapped" else {}),
        )
        plan.append((computer, final))
    reconditioning = [c for c, final in plan if final == "reconditioning"]
    failed = reconditioning[-3:]
    for computer in failed:
        computer.wipe_failed = True
    for computer in failed[:2]:
        computer.needs_spare_part = True
        computer.notes = "Disque à remplacer (secteurs défectueux)."
    Computer.objects.bulk_create([c for c, _final in plan])

    arrived = datetime.datetime.combine(lot.arrival_date, datetime.time(9, 0), tzinfo=now.tzinfo)
    records, events = [], []

    def event(computer, kind, at, from_status="", to_status="", note=""):
        events.append(computer_event(computer, kind, at, from_status, to_status, note, operator=operator))

    def wipe(computer, at, method, tool, tool_version, ok, reference):
        records.append(
            WipeRecord(
                computer=computer,
                kind=WipeRecord.Kind.WIPE,
                method=method,
                tool=tool,
                tool_version=tool_version,
                performed_on=at.date(),
                result=WipeRecord.Result.PASSED if ok else WipeRecord.Result.FAILED,
                report_reference=reference,
                actor=operator,
                actor_label=label,
            )
        )

    report = 0
    for computer, final in plan:
        since = computer.status_changed_at
        started = min(since - datetime.timedelta(days=2), arrived + datetime.timedelta(days=3))
        event(computer, ComputerEvent.Kind.CREATED, arrived, to_status="received", note=f"Lot {LOT_REFERENCE}")
        event(computer, ComputerEvent.Kind.STATUS, started, "received", "reconditioning")
        wiped = final == "ready" or (final == "reconditioning" and computer in reconditioning[-8:])
        if final == "scrapped":
            report += 1
            wipe(
                computer,
                since,
                WipeRecord.Method.DESTROY,
                "Broyeur de disques (prestataire agréé)",
                "",
                True,
                "CERT-DESTRUCTION-2026-014",
            )
            event(
                computer,
                ComputerEvent.Kind.WIPE,
                since,
                "reconditioning",
                "reconditioning",
                "Destruction physique du disque – Réussi – rapport CERT-DESTRUCTION-2026-014",
            )
            event(computer, ComputerEvent.Kind.STATUS, since, "reconditioning", "scrapped", computer.scrap_reason)
        elif wiped:
            report += 1
            ok = not computer.wipe_failed
            reference = f"BDE-2026-{report:06d}"
            wipe(
                computer,
                since - datetime.timedelta(days=1),
                WipeRecord.Method.NIST_PURGE,
                "Blancco Drive Eraser",
                "7.9.1",
                ok,
                reference,
            )
            outcome = "Réussi" if ok else "Échec"
            event(
                computer,
                ComputerEvent.Kind.WIPE,
                since - datetime.timedelta(days=1),
                "reconditioning",
                "reconditioning",
                f"NIST SP 800-88 Purge – {outcome} – Blancco Drive Eraser 7.9.1 – rapport {reference}",
            )
            if final == "ready":
                event(computer, ComputerEvent.Kind.STATUS, since, "reconditioning", "ready")
    WipeRecord.objects.bulk_create(records)
    ready_units = [c for c, final in plan if final == "ready"]
    functional_tests(ready_units, operator, event)
    ComputerEvent.objects.bulk_create(events)

    # Point each wiped unit at its record, then open the gate: the constraint and triggers check it.
    latest_clearing = (
        WipeRecord.objects.filter(computer=OuterRef("pk"), result=WipeRecord.Result.PASSED)
        .order_by("-pk")
        .values("pk")[:1]
    )
    cleared = Computer.objects.filter(lot=lot, wipe_failed=False, wipe_records__result="passed")
    Computer.objects.filter(pk__in=cleared.values("pk")).update(wipe_record=Subquery(latest_clearing))
    ready_pks = [c.pk for c in ready_units]
    newest_test = FunctionalTest.objects.filter(computer=OuterRef("pk"), passed=True).order_by("-pk").values("pk")[:1]
    Computer.objects.filter(pk__in=ready_pks).update(functional_test=Subquery(newest_test))
    Computer.objects.filter(pk__in=ready_pks).update(status=Computer.Status.READY)
    if stdout:
        counts = {s: sum(1 for _c, f in plan if f == s) for s in ("ready", "reconditioning", "scrapped")}
        stdout.write(
            f"  stock : lot {LOT_REFERENCE}, {UNITS} ordinateurs ({counts['ready']} prêts, "
            f"{counts['reconditioning']} en reconditionnement, {counts['scrapped']} au rebut)"
        )


def functional_tests(computers, operator, event) -> None:
    """A passed functional test for each unit, on its checklist, a few hours before it was marked ready."""
    if not computers:
        return
    checklist = checklists_for([computers[0].pk])[computers[0].pk]  # one lot, one donor: one checklist
    label = actor_label(operator)
    tests = FunctionalTest.objects.bulk_create(
        [
            FunctionalTest(
                computer=c,
                checklist=checklist.name,
                passed=True,
                performed_at=c.status_changed_at - datetime.timedelta(hours=4),
                actor=operator,
                actor_label=label,
            )
            for c in computers
        ]
    )
    FunctionalTestResult.objects.bulk_create(
        [
            FunctionalTestResult(test=test, position=i, label=item, passed=True)
            for test in tests
            for i, item in enumerate(checklist.labels)
        ]
    )
    note = f"Réussi : les {len(checklist.labels)} points vérifiés ({checklist.name})."
    for computer, test in zip(computers, tests, strict=True):
        event(computer, ComputerEvent.Kind.FUNCTIONAL_TEST, test.performed_at, "reconditioning", "reconditioning", note)
