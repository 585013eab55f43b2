"""Benchmark: the traceability report of a 1,000-unit lot (issue 16), rendered in-process as the worker does.

Usage (a PostgreSQL database of its own; a lot « BENCH-TRACE-1000 » is added to it, replaced at each run):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracebench \\
    DEBUG=1 .venv/bin/python bench/traceability.py [--units 1000] [--runs 3]

It measures, after a warm-up: the report's data (``impact.traceability.traceability_data``, and its SQL queries),
the template, and WeasyPrint; and prints the PDF's page count. ``bench/run_all.py`` runs it in its scratch database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REFERENCE = "BENCH-TRACE-1000"


def build_lot(units: int):
    """A lot of ``units`` units of one donor, with a wipe each: a third handed over (as far as the data go: status
    and wipe), a tenth scrapped with its recycler, the rest in stock. Replaces the previous bench lot."""
    import datetime

    from campaigns.models import Donor, Organiser
    from inventory.models import Computer, ComputerEvent, Lot, WipeRecord

    organiser, _ = Organiser.objects.get_or_create(
        slug="bench-trace", defaults={"name": "Organisateur du banc", "city": "Marseille"}
    )
    donor, _ = Donor.objects.get_or_create(name="Donateur du banc (traçabilité)")
    old = Lot.objects.filter(reference=REFERENCE).first()
    if old is not None:
        from impact.models import DonorDocument, DonorDocumentEvent

        DonorDocumentEvent.objects.filter(document__lot=old)._raw_delete(DonorDocumentEvent.objects.db)
        DonorDocument.objects.filter(lot=old).delete()
        Computer.objects.filter(lot=old).update(wipe_record=None)
        WipeRecord.objects.filter(computer__lot=old)._raw_delete(WipeRecord.objects.db)
        ComputerEvent.objects.filter(computer__lot=old)._raw_delete(ComputerEvent.objects.db)
        Computer.objects.filter(lot=old).delete()
        old.delete()
    lot = Lot.objects.create(
        organiser=organiser,
        donor=donor,
        reference=REFERENCE,
        arrival_date=datetime.date(2026, 3, 2),
        site="Atelier du banc, Marseille 14e",
        expected_count=units,
    )
    computers = Computer.objects.bulk_create(
        [
            Computer(
                lot=lot,
                asset_tag=f"BT-{n:05d}",
                serial_number=f"BTSN{n:07d}",
                manufacturer="HP",
                model="EliteDesk 800 G4 SFF",
                status="scrapped" if n % 10 == 0 else "received",
                scrap_cause="faulty" if n % 10 == 0 else "",
                scrap_reason="Carte mère hors service" if n % 10 == 0 else "",
                recycler="Ecosystem" if n % 10 == 0 else "",
                recycler_reference=f"BSD-{n:05d}" if n % 10 == 0 else "",
                storage_outcome="destroyed" if n % 10 == 0 else "",
                storage_certificate=f"CD-{n:05d}" if n % 10 == 0 else "",
            )
            for n in range(units)
        ],
        batch_size=2000,
    )
    WipeRecord.objects.bulk_create(
        [
            WipeRecord(
                computer=c,
                method="nist_purge",
                tool="Blancco Drive Eraser",
                tool_version="7.9",
                performed_on=datetime.date(2026, 3, 9),
                result="passed",
                report_reference=f"BDE-{c.asset_tag}",
            )
            for c in computers
            if c.status != "scrapped"
        ],
        batch_size=2000,
    )
    return lot


def render_report(lot, runs: int) -> dict:
    """The report of ``lot`` rendered ``runs`` times after a warm-up: (data, template, WeasyPrint) seconds each."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from certificates.pdf import html_to_pdf, page_count
    from impact import traceability
    from impact.donor_documents import document_html
    from impact.models import DonorDocument

    document = DonorDocument.objects.create(
        donor=lot.donor, kind="traceability", lot=lot, organiser_id=lot.organiser_id
    )
    html_to_pdf(document_html(document), base_url=str(settings.BASE_DIR))  # warm-up (fonts, Pango)
    times, pdf, queries = [], b"", 0
    for _run in range(runs):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            traceability.traceability_data(donor=lot.donor, lot=lot)
        data_s = time.perf_counter() - started
        queries = len(captured)
        started = time.perf_counter()
        html = document_html(document)  # reads the data again: its time is counted in the template's
        template_s = time.perf_counter() - started - data_s
        started = time.perf_counter()
        pdf = html_to_pdf(html, base_url=str(settings.BASE_DIR))
        times.append((data_s, max(template_s, 0.0), time.perf_counter() - started))
    return {"times": times, "pdf": pdf, "pages": page_count(pdf), "queries": queries, "units": lot.computers.count()}


def configure() -> tempfile.TemporaryDirectory:
    database_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("bench/traceability.py needs a PostgreSQL BENCH_DATABASE_URL, e.g. postgres://postgres@127.0.0.1/tb")
    os.environ.pop("REDIS_URL", None)
    from bench.certificates import setup_django

    return setup_django(database_url, prefix="bench-traceability-")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    media = configure()
    from django.core.management import call_command

    from bench.certificates import render_times

    call_command("migrate", interactive=False, verbosity=0)
    result = render_report(build_lot(args.units), args.runs)
    median, best = render_times(result["times"])
    print(
        f"Rapport de traçabilité, {result['units']} ordinateurs, {result['pages']} pages : "
        f"médiane {median:.2f} s (meilleure : {best}) ; données en {result['queries']} requêtes"
    )
    media.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
