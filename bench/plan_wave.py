"""Benchmark: plan and confirm (assign units to) a national wave.

Usage (its own throwaway SQLite database, deleted at the end):

    DEBUG=1 .venv/bin/python bench/plan_wave.py
    DEBUG=1 .venv/bin/python bench/plan_wave.py --quick          # skip the 100,000-unit case
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_plan DEBUG=1 .venv/bin/python bench/plan_wave.py

For each case it builds the stock (ready units through the inventory services) and the approved
applications, then measures ``wave_plan`` and ``wave_confirm`` (time and number of queries).
Target (issue 4): 10,000 ready units and 300+ associations planned and assigned in under 5 s,
with a number of queries that does not grow with the number of associations.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.clients import sqlite_django  # noqa: E402


def configure() -> tempfile.TemporaryDirectory:
    """Run on its own: a throwaway SQLite database (or BENCH_DATABASE_URL), then Django."""
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The confirmation emails are rendered and "sent" in memory.
    tmp = sqlite_django("bench-plan-", EMAIL_URL="memorymail://")
    logging.getLogger("kombu").setLevel(logging.ERROR)  # the in-memory broker of eager mode warns once
    return tmp


@contextlib.contextmanager
def no_certificate_renders():
    """Certificates are rendered after commit; bench/certificates.py measures them. Here only planning
    and unit assignment are timed, so the renders are not queued."""
    from certificates.services import handovers

    queue_renders = handovers.queue_renders
    handovers.queue_renders = lambda handover_ids: None
    try:
        yield
    finally:
        handovers.queue_renders = queue_renders


CASES = [
    # (ready units, approved associations, wave capacity: None = everything they were granted)
    (1_000, 60, None),
    # Same number of units assigned, more and more associations: the query count must not move.
    (10_000, 100, 1_500),
    (10_000, 300, 1_500),
    (10_000, 600, 1_500),
    # The national wave: 10,000 ready units, 300 and 600 associations, served in full.
    (10_000, 300, None),
    (10_000, 600, None),
    # Ten times the stock.
    (100_000, 300, None),
    (100_000, 1_000, None),
]
MODELS = [("Dell", "OptiPlex 7070 SFF"), ("HP", "EliteDesk 800 G5"), ("Lenovo", "ThinkCentre M720s")]
CHUNK = 20_000


def reset_database() -> None:
    """Empty every table (the staff roles are re-created by the post-migrate hook)."""
    call_command("flush", interactive=False, verbosity=0)


def build(units: int, associations: int, capacity: int | None = None):
    """The stock (through the inventory services, in bulk) and the approved applications."""
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import User
    from associations.models import Association
    from bench.data import approved_applications, donor_lots, open_campaign
    from campaigns.models import Donor
    from donations.models import Wave
    from inventory import services as inventory
    from inventory.models import Computer
    from inventory.selectors import checklists_for

    operator = User.objects.create(email="stock@bench.test", is_staff=True)
    operator.groups.add(Group.objects.get(name=roles.INVENTORY_OPERATOR))
    operator = User.objects.get(pk=operator.pk)  # fresh permission cache
    manager = User.objects.create(email="manager@bench.test", is_staff=True)
    manager.groups.add(Group.objects.get(name=roles.CAMPAIGN_MANAGER))

    donors = Donor.objects.bulk_create([Donor(name=f"Entreprise {i:02d}") for i in range(20)])
    today = timezone.localdate()
    campaign = open_campaign(
        donors,
        name="Programme national",
        slug="programme-national",
        city="France",
        pledged_units=units,
        pledged_each=max(1, units // len(donors)),
    )
    lots = donor_lots(donors, arrival_date=today, site="Entrepôt", expected_count=units // 20)
    computers = [
        Computer(
            asset_tag=f"PC{i:07d}",
            manufacturer=MODELS[i % 3][0],
            model=MODELS[i % 3][1],
            serial_number=f"SN{i:08d}",
            lot=lots[i % len(lots)],
        )
        for i in range(units)
    ]
    for start in range(0, units, CHUNK):
        Computer.objects.bulk_create(computers[start : start + CHUNK], batch_size=2000)
    ids = list(Computer.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        inventory.computers_start_reconditioning(computer_ids=chunk, by=operator)
        inventory.computers_record_wipe(
            computer_ids=chunk, by=operator, method="nist_clear", result="passed", report_reference="BENCH-0001"
        )
        by_checklist = {}
        for pk, checklist in checklists_for(chunk).items():
            by_checklist.setdefault(checklist, []).append(pk)
        for checklist, tested in by_checklist.items():
            inventory.computers_record_functional_test(
                computer_ids=tested,
                by=operator,
                results=[inventory.ItemResult(label, True) for label in checklist.labels],
            )
        inventory.computers_mark_ready(computer_ids=chunk, by=operator)

    created = Association.objects.bulk_create(
        [
            Association(
                legal_name=f"Association {i:05d}",
                rna=f"W{i:09d}",
                address="1 place de la Mairie",
                postal_code="75001",
                city="Paris",
                beneficiaries_per_year=100,
                contact_name="Camille Martin",
                contact_email=f"contact{i}@asso.bench.test",
            )
            for i in range(associations)
        ],
        batch_size=1000,
    )
    grants = [10 + (i * 7) % 21 for i in range(associations)]
    approved_applications(campaign, created, grants, priority=lambda i: 1 + i % 4, batch_size=1000)
    capacity = min(units, sum(grants), capacity or units)
    wave = Wave.objects.create(
        campaign=campaign,
        number=1,
        name="Vague nationale",
        capacity=capacity,
        handover_starts_on=today + datetime.timedelta(days=14),
        handover_ends_on=today + datetime.timedelta(days=25),
        place="Entrepôt",
        # Enough handover slots for thousands of associations (confirming refuses a wave short of places).
        opening_hours="08:00-20:00",
        slot_minutes=10,
        desk_capacity=50,
    )
    return wave, manager


def measure(function):
    reset_queries()  # the setup filled Django's query log (it keeps the last 9,000)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
    return result, elapsed, len(queries)


def run_case(units: int, associations: int, capacity: int | None) -> dict:
    from django.core import mail

    from donations import services
    from donations.models import Allocation, AllocationUnit
    from inventory.models import Computer

    reset_database()
    started = time.perf_counter()
    wave, manager = build(units, associations, capacity)
    setup = time.perf_counter() - started
    mail.outbox = []
    plan, plan_time, plan_queries = measure(lambda: services.wave_plan(wave=wave, by=manager))
    timings = {}

    def confirm():
        # The emails go out when the transaction commits: time and count the database work and them apart.
        with transaction.atomic():
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as db_queries:
                result = services.wave_confirm(wave=wave, by=manager)
            timings["db"] = time.perf_counter() - started
            timings["db_q"] = len(db_queries)
        return result

    with no_certificate_renders():
        result, confirm_time, confirm_queries = measure(confirm)
    # Check what was written.
    live = AllocationUnit.objects.filter(released_at__isnull=True)
    assert live.count() == result.units == Computer.objects.filter(status="reserved").count()
    assert live.values("computer_id").distinct().count() == result.units
    assert Allocation.objects.filter(status="confirmed").count() == len(result.confirmed)
    return {
        "units": units,
        "associations": associations,
        "lines": len(plan.lines),
        "assigned": result.units,
        "plan_s": plan_time,
        "plan_q": plan_queries,
        "confirm_s": timings["db"],
        "emails_s": confirm_time - timings["db"],
        "confirm_q": timings["db_q"],  # the assignment's own queries; the emails' come after the commit
        "emails_q": confirm_queries - timings["db_q"],
        "total_s": plan_time + timings["db"],
        "emails": len(mail.outbox),
        "setup_s": setup,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-unit cases")
    args = parser.parse_args()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"database: {connection.vendor}, {os.cpu_count()} CPU")
    header = (
        f"{'ready units':>11} {'assoc.':>6} {'lines':>5} {'assigned':>8} | {'plan s':>6} {'queries':>7} | "
        f"{'confirm s':>9} {'queries':>7} | {'total s':>7} | {'emails':>6} {'sent in s':>9} {'queries':>7} | "
        f"{'setup s':>7}"
    )
    print(header)
    print("-" * len(header))
    for units, associations, capacity in CASES:
        if args.quick and units > 10_000:
            continue
        r = run_case(units, associations, capacity)
        print(
            f"{r['units']:>11,} {r['associations']:>6} {r['lines']:>5} {r['assigned']:>8,} | "
            f"{r['plan_s']:>6.2f} {r['plan_q']:>7} | {r['confirm_s']:>9.2f} {r['confirm_q']:>7} | "
            f"{r['total_s']:>7.2f} | {r['emails']:>6} {r['emails_s']:>9.2f} {r['emails_q']:>7} | {r['setup_s']:>7.1f}",
            flush=True,
        )


if __name__ == "__main__":
    _tmp = configure()
    try:
        main()
    finally:
        connection.close()
        _tmp.cleanup()
