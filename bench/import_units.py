"""Benchmark: import 10,000 units from a CSV and from an XLSX file.

Usage (its own throwaway SQLite database and media folder, deleted at the end; a BENCH_DATABASE_URL database is
created if missing and emptied first):

    DEBUG=1 .venv/bin/python bench/import_units.py
    DEBUG=1 .venv/bin/python bench/import_units.py --rows 20000
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import DEBUG=1 .venv/bin/python bench/import_units.py

For each format it measures, through the Django admin exactly as an operator uses it:
  1. the upload and preview (read the file, check every row against the file and the database,
     render the preview page), nothing written;
  2. the confirmation (read and check again, then write every unit and its history row);
  3. a re-import of the same file (every row matched by serial number: nothing to change);
and the same steps called directly on ``inventory.importing`` / ``inventory.services``, with the
number of SQL queries. Target (issue 3): a 10,000-row import (preview + confirmation) under 20 s.
The files are kept in bench/out/ (ignored by git) for manual tests in the admin.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.clients import logged_in, sqlite_django  # noqa: E402
from demo.import_files import UNIT_COLUMNS, csv_bytes, xlsx_bytes  # noqa: E402


def configure() -> tempfile.TemporaryDirectory:
    """Run on its own: a throwaway SQLite database (or BENCH_DATABASE_URL) and media folder, then Django."""
    return sqlite_django("bench-import-", MEDIA_ROOT="{tmp}/media")


TARGET_SECONDS = 20.0
HEADER = [*UNIT_COLUMNS, "notes"]


def make_rows(count: int, lot: str, prefix: str) -> list[list[str]]:
    from demo.national.data import MODELS

    rng = random.Random(count)
    rows = []
    for i in range(count):
        maker, model, cpu, storage = MODELS[i % 3]
        rows.append(
            [
                "",
                maker,
                model,
                f"{prefix}{i:07d}",
                lot,
                cpu,
                rng.choice(["8", "16"]),
                "256",
                storage,
                rng.choice(["Windows 10 Pro", "Ubuntu 22.04 LTS", ""]),
                rng.choice("AAB"),
                "oui",
                "oui",
                "",
            ]
        )
    return rows


class Timer:
    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __enter__(self):
        self._capture = CaptureQueriesContext(connection)
        self._capture.__enter__()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        self._capture.__exit__(*exc)
        self.queries = len(self._capture.captured_queries)


def admin_round(client: Client, data: bytes, name: str, fmt: str) -> tuple[Timer, Timer, dict]:
    with Timer() as preview:
        response = client.post(
            reverse("admin:inventory_computer_import"),
            {"import_file": _upload(name, data), "format": fmt, "resource": "0"},
        )
    assert response.status_code == 200, response.status_code
    result = response.context["result"]
    assert "confirm_form" in response.context, [e.error for e in result.base_errors][:3]
    totals = dict(result.totals)
    with Timer() as confirm:
        response = client.post(
            reverse("admin:inventory_computer_process_import"), response.context["confirm_form"].initial
        )
    assert response.status_code == 302, response.status_code
    return preview, confirm, totals


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    from accounts import roles
    from accounts.models import User
    from campaigns.models import Donor, StaffMembership
    from demo.organisers import organiser as demo_organiser
    from inventory.importing import plan_import, read_table
    from inventory.models import Computer, ComputerEvent, Lot
    from inventory.services import computers_import

    setup_test_environment()  # so that the test client keeps each response's context (the confirm form)
    print(f"Base : {connection.vendor} ({connection.settings_dict['NAME']})")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    # A BENCH_DATABASE_URL may hold an earlier run: start from empty tables (the role groups come back with them).
    call_command("flush", interactive=False, verbosity=0)
    print(f"Migrations : {time.perf_counter() - started:.1f} s")
    from django.contrib.auth.models import Group

    operator = User.objects.create_user("bench-stock@example.org", "bench-password-42", is_staff=True)
    operator.groups.add(Group.objects.get(name=roles.INVENTORY_OPERATOR))
    # The stock team of the organiser the lots are received for: an import knows only its organisers' lots.
    StaffMembership.objects.create(user=operator, organiser=demo_organiser("Marseille"), role="stock")
    donor = Donor.objects.create(name="Orange (bench)")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    client = logged_in(operator, HTTP_HOST="localhost")

    def bench_lot(reference: str) -> Lot:
        return Lot.objects.create(
            organiser=demo_organiser("Marseille"),
            donor=donor,
            reference=reference,
            arrival_date=timezone.localdate(),
            site="Bench",
        )

    failed = False
    lines = []
    for fmt_index, (name, maker) in enumerate([("csv", csv_bytes), ("xlsx", xlsx_bytes)]):
        # Through the admin, as an operator does it.
        lot = bench_lot(f"BENCH-{name.upper()}")
        rows = make_rows(args.rows, lot.reference, f"{name.upper()}A")
        data = maker(HEADER, rows)
        (out / f"units-{args.rows}.{name}").write_bytes(data)
        preview, confirm, totals = admin_round(client, data, f"units.{name}", str(fmt_index))
        assert Computer.objects.filter(lot=lot).count() == args.rows
        assert ComputerEvent.objects.filter(computer__lot=lot).count() == args.rows
        again_preview, again_confirm, again = admin_round(client, data, f"units.{name}", str(fmt_index))
        assert again["skip"] == args.rows and Computer.objects.filter(lot=lot).count() == args.rows
        total = preview.seconds + confirm.seconds
        failed |= total > TARGET_SECONDS
        lines.append(
            f"{name.upper():5} admin  {args.rows:>6} lignes ({len(data) / 1e6:.1f} Mo) : "
            f"aperçu {preview.seconds:5.1f} s "
            f"({preview.queries} requêtes), confirmation {confirm.seconds:5.1f} s ({confirm.queries} requêtes), "
            f"total {total:5.1f} s ; réimport identique {again_preview.seconds + again_confirm.seconds:5.1f} s "
            f"({again['skip']} inchangés)"
        )

        # The same work without HTTP nor templates: the share of the import itself.
        lot2 = bench_lot(f"BENCH-{name.upper()}-2")
        data2 = maker(HEADER, make_rows(args.rows, lot2.reference, f"{name.upper()}B"))
        with Timer() as reading:
            table = read_table(data2)
        with Timer() as planning:
            plan = plan_import(table)
        assert not plan.has_errors
        with Timer() as writing:
            computers_import(table=table, by=operator, file_name=f"units.{name}")
        lines.append(
            f"{name.upper():5} direct {args.rows:>6} lignes : lecture {reading.seconds:5.2f} s, "
            f"vérification {planning.seconds:5.2f} s ({planning.queries} requêtes), "
            f"écriture (vérification comprise) {writing.seconds:5.2f} s ({writing.queries} requêtes)"
        )

    # Export of a filtered list (one lot) in both formats.
    lot = Lot.objects.get(reference="BENCH-CSV")
    url = reverse("admin:inventory_computer_export") + f"?lot__id__exact={lot.pk}"
    form = client.get(url).context["form"]
    fields = {
        name: "on" for name, field in form.fields.items() if getattr(field.widget, "input_type", "") == "checkbox"
    }
    for fmt_index, name in enumerate(["csv", "xlsx"]):
        with Timer() as export:
            response = client.post(url, {"format": str(fmt_index), "resource": "0", **fields})
        assert response.status_code == 200
        lines.append(
            f"{name.upper():5} export {args.rows:>6} lignes filtrées : {export.seconds:5.1f} s "
            f"({export.queries} requêtes, {len(response.content) / 1e6:.1f} Mo)"
        )

    print()
    for line in lines:
        print(line)
    print()
    print(
        f"Objectif : import de {args.rows} lignes (aperçu + confirmation) en moins de {TARGET_SECONDS:.0f} s : "
        + ("NON ATTEINT" if failed else "atteint")
    )
    print(f"Fichiers gardés dans {out}/ pour un essai à la main dans l'admin.")
    return 1 if failed else 0


if __name__ == "__main__":
    _tmp = configure()
    try:
        sys.exit(main())
    finally:
        connection.close()
        _tmp.cleanup()
