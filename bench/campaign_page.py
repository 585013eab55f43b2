"""Benchmark: server time of the public campaign page with national-scale data.

Usage (its own throwaway SQLite database, deleted at the end):

    DEBUG=1 .venv/bin/python bench/campaign_page.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_campaign DEBUG=1 .venv/bin/python bench/campaign_page.py

Builds with bulk_create: 20 donors pledging to one campaign, 10,000 units in their lots (most
handed over, the rest in every other status), 300 approved associations in 16 postal codes, three
waves, the handed-over allocations with their units, and four quarterly impact reports per
association. Then measures, through Django's test client (middleware, view, template), the
campaign page `/campaigns/<slug>/`, the progress page and `stats.json`: with a cold cache (the
aggregates computed) and a warm one (served from the cache). Target (issue 6): under 100 ms.
"""

from __future__ import annotations

import datetime
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_tmp = tempfile.TemporaryDirectory(prefix="bench-campaign-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{_tmp.name}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "1")
os.environ["EMAIL_URL"] = "memorymail://"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()
logging.getLogger("kombu").setLevel(logging.ERROR)

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.data import donor_lots, open_campaign  # noqa: E402
from demo.stock import ready_computers  # noqa: E402

UNITS = 10_000
ASSOCIATIONS = 300
DONORS = 20
PER_ASSOCIATION = 30


def build() -> str:
    from associations.models import Application, Association
    from campaigns.models import Donor
    from donations.models import Allocation, AllocationUnit, Wave
    from impact.models import ImpactReport
    from inventory.models import Computer

    now = timezone.now()
    today = timezone.localdate()
    donors = Donor.objects.bulk_create([Donor(name=f"Entreprise {i:02d}") for i in range(DONORS)])
    campaign = open_campaign(
        donors,
        name="Programme national",
        slug="national",
        city="France",
        pledged_units=UNITS,
        pledged_each=UNITS // DONORS,
        opens_on=datetime.date(2026, 1, 1),
        closes_on=datetime.date(2026, 12, 31),
    )
    lots = donor_lots(donors, arrival_date=today, site="Atelier")
    # Ready units, unit i in donor i % DONORS's lot (the allocations below take them in this order).
    by_lot = [ready_computers(UNITS // DONORS, lot=lot) for lot in lots]
    computers = [c for row in zip(*by_lot, strict=True) for c in row]
    handed_count = ASSOCIATIONS * PER_ASSOCIATION * 9 // 10  # 8,100 units handed over
    statuses = ["ready", "reserved", "reconditioning", "received", "scrapped"]
    for i, c in enumerate(computers):
        if i < handed_count:
            c.status = "handed_over"
        else:
            c.status = statuses[i % len(statuses)]
            if c.status == "scrapped":
                c.scrap_reason, c.scrap_cause, c.storage_outcome, c.recycler = "HS", "faulty", "removed", "ecosystem"
            if c.status in ("received", "reconditioning", "scrapped"):
                c.wipe_record = c.functional_test = None
    Computer.objects.bulk_update(
        computers,
        ["wipe_record", "functional_test", "status", "scrap_reason", "scrap_cause", "storage_outcome", "recycler"],
        batch_size=2000,
    )

    associations = Association.objects.bulk_create(
        [
            Association(
                legal_name=f"Association {i:03d}",
                rna=f"W13{i:07d}",
                address="1 rue de la République",
                postal_code=f"130{i % 16 + 1:02d}",
                city="Marseille",
                beneficiaries_per_year=200,
                contact_name="Contact",
                contact_email=f"contact{i}@asso.example.org",
            )
            for i in range(ASSOCIATIONS)
        ]
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                association=a,
                campaign=campaign,
                status="approved",
                requested_quantity=PER_ASSOCIATION,
                public_use_quantity=PER_ASSOCIATION - 2,
                admin_use_quantity=2,
                granted_quantity=PER_ASSOCIATION,
                submitted_at=now,
                approved_at=now,
                decided_at=now,
            )
            for a in associations
        ]
    )
    waves = Wave.objects.bulk_create(
        [
            Wave(campaign=campaign, number=n, capacity=3000, status=s)
            for n, s in ((1, "closed"), (2, "distributing"), (3, "planning"))
        ]
    )
    served = handed_count // PER_ASSOCIATION  # 270 associations equipped
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(
                wave=waves[0] if i < served // 2 else waves[1],
                application=app,
                quantity=PER_ASSOCIATION,
                status="handed_over",
                handed_over_at=now - datetime.timedelta(days=200),
                confirmed_at=now,
            )
            for i, app in enumerate(applications[:served])
        ]
    )
    AllocationUnit.objects.bulk_create(
        [
            AllocationUnit(allocation=allocations[i // PER_ASSOCIATION], computer=computers[i])
            for i in range(served * PER_ASSOCIATION)
        ],
        batch_size=2000,
    )
    reports = []
    for i, allocation in enumerate(allocations):
        for q in range(4):
            start = datetime.date(2025, 1 + 3 * q, 1)
            end = (datetime.date(2025, 4 + 3 * q, 1) if q < 3 else datetime.date(2026, 1, 1)) - datetime.timedelta(1)
            reports.append(
                ImpactReport(
                    campaign=campaign,
                    association_id=allocation.application.association_id,
                    allocation=allocation,
                    period_start=start,
                    period_end=end,
                    due_on=end + datetime.timedelta(days=15),
                    status="accepted" if (i + q) % 5 else "draft",
                    submitted_at=now if (i + q) % 5 else None,
                    machines_received=PER_ASSOCIATION,
                    workshops_held=10,
                    workshop_hours=15,
                    people_trained=70,
                    age_60_74=20,
                    age_75_plus=5,
                    gender_women=35,
                    gender_men=35,
                    situation_job_seekers=15,
                    machines_in_use=28,
                    machines_out_of_order=2,
                )
            )
    ImpactReport.objects.bulk_create(reports, batch_size=2000)
    return campaign.slug


def measure(client: Client, url: str, *, cold: bool, runs: int = 15) -> tuple[float, float, int]:
    times = []
    queries = 0
    for _ in range(runs):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(times), max(times), queries


def main() -> int:
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    slug = build()
    print(
        f"data: {UNITS:,} units, {ASSOCIATIONS} associations, {DONORS} donors, "
        f"reports: 4 per equipped association; built in {time.perf_counter() - started:.1f} s "
        f"({connection.vendor})"
    )
    client = Client()
    client.get(f"/campaigns/{slug}/")  # warm up templates and connections
    worst = 0.0
    for label, url in (
        ("campaign page", f"/campaigns/{slug}/"),
        ("progress page", f"/campaigns/{slug}/progress/"),
        ("stats.json", f"/campaigns/{slug}/stats.json"),
    ):
        for cold in (True, False):
            median, top, queries = measure(client, url, cold=cold)
            if not cold:
                worst = max(worst, median)
            print(
                f"{label:14} {'cold cache' if cold else 'warm cache':10}: median {median:6.1f} ms, "
                f"max {top:6.1f} ms, {queries} queries"
            )
    print(f"target: warm-cache server time under 100 ms -> {'OK' if worst < 100 else 'MISSED'}")
    return 0 if worst < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
