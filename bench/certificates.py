"""Benchmark: handover certificates rendered by real Celery workers.

Usage (needs Redis and a PostgreSQL database of its own, emptied at the start):

    REDIS_URL=redis://127.0.0.1:6379/0 \\
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/certbench \\
    DEBUG=1 .venv/bin/python bench/certificates.py [--workers 2] [--runs 5]

It measures:

1. one certificate of 30 units rendered in-process (template, WeasyPrint, checksum), after a warm-up;
2. a wave of 27 certificates (486 units, 10 to 30 per association, like Marseille's wave 1): two real
   Celery workers are started as subprocesses on a private queue; the wave is confirmed through the
   donations service, which queues one render per certificate after commit; the clock stops when the
   27 certificates are « ready ». Target (issue 5): under 30 s on this machine;
3. « print all »: the 27 PDFs merged into one, in appointment order;
4. for comparison, the same 27 rendered in-process on every core (what seed_demo does with no worker).

Exit status 1 if the wave takes more than 30 s.
"""

from __future__ import annotations

import argparse
import datetime
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.clients import ensure_database  # noqa: E402
from bench.data import approved_applications, open_campaign  # noqa: E402
from config.celery_worker import worker_command  # noqa: E402
from demo.stock import ready_computers  # noqa: E402

TARGET_SECONDS = 30.0
# 27 associations, 486 units: 6 × 30, 12 × 18, 9 × 10 (the Marseille wave 1 totals).
GRANTS = [30] * 6 + [18] * 12 + [10] * 9
REDIS_URL = os.environ.get("REDIS_URL", "")


def configure() -> tempfile.TemporaryDirectory:
    """Run on its own: PostgreSQL and Redis required, a throwaway media folder, then Django."""
    database_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres") or not REDIS_URL:
        sys.exit(
            "bench/certificates.py needs REDIS_URL and a PostgreSQL BENCH_DATABASE_URL (or DATABASE_URL), "
            "for example postgres://postgres@127.0.0.1:5432/certbench"
        )
    return setup_django(database_url, prefix="bench-certificates-")


def setup_django(database_url: str, *, prefix: str) -> tempfile.TemporaryDirectory:
    """Django on ``database_url`` (created if missing), with a throwaway media folder and mail kept in memory."""
    media = tempfile.TemporaryDirectory(prefix=prefix)
    os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = media.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    ensure_database(database_url)
    import django

    django.setup()
    return media


def render_single(handover_id: int, runs: int) -> dict:
    """One certificate rendered in-process ``runs`` times after a warm-up: data, template + QR, WeasyPrint."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certificates import selectors, services
    from certificates.pdf import html_to_pdf

    services.build_certificate_pdf(handover_id=handover_id, signed=False)  # warm-up: fonts, Pango, templates
    times = []
    pdf = b""
    queries = 0
    for _run in range(runs):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            data = selectors.certificate_data(handover_id)
            t1 = time.perf_counter()
        queries = len(captured.captured_queries)
        html = services.render_certificate_html(data, signed=False)
        t2 = time.perf_counter()
        pdf = html_to_pdf(html, base_url=str(settings.BASE_DIR))
        t3 = time.perf_counter()
        times.append((t1 - t0, t2 - t1, t3 - t2))
    return {"times": times, "pdf": pdf, "queries": queries, "units": len(data.units)}


def render_times(times) -> tuple[float, str]:
    """The median of renders timed as (data, template, WeasyPrint) seconds each, and the fastest one's split."""
    best = min(times, key=sum)
    split = f"données {best[0] * 1000:.0f} ms, gabarit {best[1] * 1000:.0f} ms, WeasyPrint {best[2]:.2f} s"
    return statistics.median([sum(t) for t in times]), split


def build():
    """A confirmed-ready wave: 486 wiped, ready units and 27 approved applications (bulk inserts)."""
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import User
    from associations.models import Association
    from campaigns.models import Donor
    from demo.organisers import organiser as demo_organiser
    from donations.models import Wave
    from inventory.models import Lot

    manager = User.objects.create(email="manager@bench.test", is_staff=True, first_name="Marc", last_name="Bench")
    manager.groups.add(Group.objects.get(name=roles.CAMPAIGN_MANAGER))
    donor = Donor.objects.create(name="Orange")
    today = timezone.localdate()
    campaign = open_campaign(
        [donor],
        name="1000 ordinateurs pour les associations marseillaises",
        slug="marseille-bench",
        city="Marseille",
        pledged_units=1000,
        pledged_each=1000,
    )
    lot = Lot.objects.create(
        organiser=demo_organiser("Marseille"),
        donor=donor,
        reference="ORANGE-BENCH",
        arrival_date=today,
        site="Atelier",
        expected_count=486,
    )
    ready_computers(sum(GRANTS), lot=lot)
    associations = Association.objects.bulk_create(
        [
            Association(
                legal_name=f"Association numérique {i + 1:02d}",
                rna=f"W13{i:07d}",
                address=f"{i + 1} rue de la République",
                postal_code="13001",
                city="Marseille",
                beneficiaries_per_year=200,
                contact_name="Camille Martin",
                contact_email=f"contact{i}@asso.bench.test",
            )
            for i in range(len(GRANTS))
        ]
    )
    approved_applications(campaign, associations, GRANTS)
    wave = Wave.objects.create(
        campaign=campaign,
        number=1,
        name="Première distribution",
        capacity=sum(GRANTS),
        handover_starts_on=today + datetime.timedelta(days=7),
        handover_ends_on=today + datetime.timedelta(days=11),
        place="Cité des associations, 93 La Canebière, 13001 Marseille",
        desk_capacity=2,  # at least 3 working days x 8 slots x 2: enough places whatever today is
    )
    return wave, manager


def start_workers(count: int, queue: str, logs: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    workers = []
    for index in range(count):
        log = logs / f"worker-{index}.log"
        workers.append(
            subprocess.Popen(
                worker_command(
                    queue,
                    concurrency=1,
                    pidfile=logs / f"worker-{index}.pid",
                    node_name=f"bench{index}-{queue}@%h",
                ),
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 90
    for index, _worker in enumerate(workers):
        log = logs / f"worker-{index}.log"
        while "ready." not in log.read_text():
            if time.monotonic() > deadline:
                raise SystemExit(f"worker {index} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5, help="renders of the single 30-unit certificate")
    args = parser.parse_args()

    from certificates import selectors, services
    from certificates.models import Handover
    from certificates.pdf import merge_pdfs, page_count
    from donations import services as donation_services

    print(f"Database {settings.DATABASES['default']['NAME']} (PostgreSQL), Redis {REDIS_URL}, {os.cpu_count()} CPU")
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    wave, manager = build()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    settings.CERTIFICATES_QUEUE = queue  # renders queued after commit go to the benchmark's workers
    logs = Path(settings.MEDIA_ROOT) / "logs"
    logs.mkdir()
    workers = start_workers(args.workers, queue, logs)
    try:
        donation_services.wave_plan(wave=wave, by=manager)
        started = time.perf_counter()
        result = donation_services.wave_confirm(wave=wave, by=manager, notify=False)  # commits, then queues
        queued = time.perf_counter() - started
        total = len(result.confirmed)
        last_report = 0.0
        while True:
            ready = Handover.objects.filter(wave=wave, state=Handover.State.READY).count()
            failed = Handover.objects.filter(wave=wave, state=Handover.State.FAILED).count()
            elapsed = time.perf_counter() - started
            if ready + failed >= total or elapsed > 180:
                break
            if elapsed - last_report >= 2:
                print(f"  {elapsed:5.1f} s: {ready} / {total} prêtes")
                last_report = elapsed
            time.sleep(0.1)
        wave_seconds = time.perf_counter() - started
    finally:
        stop_workers(workers)

    handovers = list(Handover.objects.filter(wave=wave).select_related("allocation").order_by("sequence"))
    ready = [h for h in handovers if h.state == Handover.State.READY]
    pages = sum(h.page_count for h in ready)
    units = sum(h.allocation.quantity for h in handovers)
    durations = sorted((h.rendered_at - h.render_started_at).total_seconds() for h in ready)

    # One 30-unit certificate, in-process, after a warm-up.
    thirty = next(h for h in handovers if h.allocation.quantity == 30)
    single = render_single(thirty.pk, args.runs)
    times, pdf = single["times"], single["pdf"]
    best = min(times, key=sum)
    mean = sum(sum(t) for t in times) / len(times)

    # « Print all »: merge the 27 PDFs in appointment order.
    t0 = time.perf_counter()
    documents = []
    for h in selectors.handovers_to_print(wave):
        with h.document.open("rb") as handle:
            documents.append(handle.read())
    merged = merge_pdfs(documents)
    merge_seconds = time.perf_counter() - t0

    # The same wave rendered in-process on every core (seed_demo's path, no worker).
    Handover.objects.filter(wave=wave).update(revision=2, state=Handover.State.PENDING)
    t0 = time.perf_counter()
    rendered, failed_now = services.handovers_render_now([h.pk for h in handovers])
    in_process = time.perf_counter() - t0

    print()
    print(f"One certificate of 30 units (in-process, {args.runs} runs after a warm-up)")
    print(
        f"  {page_count(pdf)} pages, {len(pdf) / 1024:.0f} Ko; mean {mean:.2f} s, best {sum(best):.2f} s "
        f"(data {best[0] * 1000:.0f} ms, template + QR {best[1] * 1000:.0f} ms, WeasyPrint {best[2]:.2f} s)"
    )
    print(f"Wave of {total} certificates, {units} units, {args.workers} Celery workers on Redis")
    print(
        f"  confirmation (plan → reserved units → certificates queued): {queued:.2f} s; "
        f"all ready {wave_seconds:.1f} s after confirming ({len(ready)} ready, {total - len(ready)} failed)"
    )
    if durations:
        print(
            f"  render per certificate in the workers: median {durations[len(durations) // 2]:.2f} s, "
            f"max {durations[-1]:.2f} s; {pages} pages in all ({pages / wave_seconds:.1f} pages/s)"
        )
    print(f"« Print all »: {len(documents)} PDFs merged into {page_count(merged)} pages in {merge_seconds:.2f} s")
    print(
        f"In-process on {min(os.cpu_count() or 1, 4)} processes (seed_demo, no worker): "
        f"{rendered} rendered, {failed_now} failed, {in_process:.1f} s"
    )
    ok = len(ready) == total and wave_seconds < TARGET_SECONDS
    print(f"Target: the wave ready in under {TARGET_SECONDS:.0f} s: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    _media = configure()
    sys.exit(main())
