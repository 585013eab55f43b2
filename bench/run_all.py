"""Every benchmark in one run, one table: key pages, planner and assignment, certificate, import.

Usage:

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_all .venv/bin/python bench/run_all.py
    BENCH_DATABASE_URL=... .venv/bin/python bench/run_all.py --reuse    # keep the national dataset already built
    .venv/bin/python bench/run_all.py --quick                          # throwaway SQLite files, no 100k case
    BENCH_DATABASE_URL=... .venv/bin/python bench/run_all.py --smoke    # every step at a tiny size (CI): no figures

Settings are production's on plain HTTP (``bench.settings``): DEBUG off, the same middleware,
templates and database options; the cache is the local-memory one and Celery runs eagerly (no
REDIS_URL), emails stay in memory.

1. The national dataset (``demo.national``, what ``manage.py seed_national`` builds: 3 organisers and their campaigns,
   10,500 units, 330 associations, 9 waves, handovers, impact reports) in BENCH_DATABASE_URL, built
   unless ``--reuse`` finds it there. The database is created if missing.
2. Pages through Django's test client (full middleware, view, template): warm-up, then the median
   and 95th percentile of ``--runs`` requests, and their SQL queries. Each median is divided by the
   median of a minimal view (``/bench/minimal/``: middleware only) measured in the same run, so
   that figures compare across machines and loads.
   Then the national programme's pages: a donor's space, the API's lists with a donor's and a
   refurbisher's token (issued for the run), and the admin lists of Lyon's stock operator and
   Marseille's reviewer (each scoped to its organiser). ``--pages-only`` stops there.
3. One certificate of 30 units rendered in-process (data, template and QR code, WeasyPrint); then, in the
   scratch database below, the donor's traceability report of a 1,000-unit lot (``bench/traceability.py``).
4. Planner (``wave_plan``) and assignment (``wave_confirm``) at 1,000, 10,000 and 100,000 ready
   units, then the import of 10,000 rows through the admin (preview, confirmation), in a second,
   scratch database (emptied at each case): ``<name>_scratch`` next to BENCH_DATABASE_URL, or
   BENCH_SCRATCH_DATABASE_URL.

The table is printed in markdown (in French, for the README).
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PLANNER_CASES = [
    # ready units, approved associations (every grant served in full)
    (1_000, 60),
    (10_000, 300),
    (100_000, 1_000),
]
IMPORT_ROWS = 10_000
TRACEABILITY_UNITS = 1_000
# --smoke (CI): every step runs, at sizes that say nothing of speed, so that a change that breaks a bench is seen.
SMOKE = {"scale": 0.05, "runs": 2, "warmup": 1, "pdf_runs": 1, "rows": 50, "planner": [(200, 12)], "units": 20}


def configure(args) -> tuple[str, str, tempfile.TemporaryDirectory]:
    """Environment, databases (created if missing), then Django. Returns (main, scratch) database names."""
    tmp = tempfile.TemporaryDirectory(prefix="bench-all-")
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        if not url.startswith("postgres"):
            sys.exit("BENCH_DATABASE_URL must be a PostgreSQL URL (leave it unset for throwaway SQLite files)")
        parsed = urlparse(url)
        scratch = os.environ.get("BENCH_SCRATCH_DATABASE_URL") or urlunparse(
            parsed._replace(path=parsed.path.rstrip("/") + "_scratch")
        )
        from bench.clients import ensure_database

        ensure_database(url)
        ensure_database(scratch)
        scratch_name = urlparse(scratch).path.lstrip("/")
    else:
        if args.reuse:
            sys.exit("--reuse needs BENCH_DATABASE_URL (the SQLite files are thrown away)")
        url = f"sqlite:///{tmp.name}/national.sqlite3"
        scratch_name = f"{tmp.name}/scratch.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ["MEDIA_ROOT"] = f"{tmp.name}/media"
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ.pop("REDIS_URL", None)  # local-memory cache, eager tasks: no shared service in the figures
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    logging.getLogger("kombu").setLevel(logging.ERROR)
    quiet_request_log()
    from django.conf import settings

    return settings.DATABASES["default"]["NAME"], scratch_name, tmp


def quiet_request_log() -> None:
    """Production writes one JSON line per request; keep that cost, but in bench/out/run_all.log."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    stream = (out / "run_all.log").open("w")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)


def n(value: int) -> str:
    """A count the French way: 10 500."""
    return f"{value:,}".replace(",", "\u202f")


def d(value: float, digits: int = 1) -> str:
    """A decimal the French way: 12,5."""
    return f"{value:.{digits}f}".replace(".", ",")


def use_database(name: str) -> None:
    """Point the default connection at another database (as the test runner does for test_<name>)."""
    from django.conf import settings
    from django.db import connection, connections

    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


# Measuring pages ------------------------------------------------------------------------------


class Table:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []
        self.minimal_ms: float | None = None

    def page(self, name: str, size: str, median_ms: float, p95_ms: float, queries: str) -> None:
        ratio = d(median_ms / self.minimal_ms) if self.minimal_ms else "1,0"
        self.rows.append((name, size, f"{d(median_ms)} ms (p95 {d(p95_ms)})", queries, ratio))

    def once(self, name: str, size: str, seconds: float, queries: int | str) -> None:
        time_label = f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{d(seconds, 2)} s"
        self.rows.append((name, size, time_label, str(queries), "–"))

    def markdown(self) -> str:
        header = ("Mesure", "Taille", "Temps serveur (médiane, p95)", "Requêtes SQL", "× vue minimale")
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * 3) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure_page(client, url: str, *, runs: int, warmup: int, cold: bool = False, vary_ip: bool = False, headers=None):
    """(median ms, p95 ms, queries) of ``runs`` GETs after ``warmup`` ones; every answer must be 200."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for index in range(warmup + runs):
        extra = {"REMOTE_ADDR": f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}"} if vary_ip else {}
        extra.update(headers or {})
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, **extra)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        if index >= warmup:
            times.append(elapsed)
            queries.append(len(captured.captured_queries))
    low, high = min(queries), max(queries)
    return statistics.median(times), percentile(times, 0.95), str(low) if low == high else f"{low}–{high}"


def measure_pages(table: Table, *, runs: int, warmup: int) -> None:
    from django.contrib import admin
    from django.test import Client

    from accounts.models import User
    from associations.models import Application
    from bench.clients import logged_in
    from certificates.models import Handover
    from demo import national
    from donations.models import Allocation
    from inventory.models import Computer

    def login(email: str) -> Client:
        return logged_in(User.objects.get(email=email))

    anonymous = Client()
    member = login(national.member_email(1))
    # Warm the process up (imports, templates, translations) before anything is timed.
    for client, url in ((anonymous, "/"), (anonymous, "/bench/minimal/"), (member, "/space/")):
        client.get(url)

    # The yardstick costs little: measured more often, so that its median is steady.
    median, p95, queries = measure_page(anonymous, "/bench/minimal/", runs=max(runs, 300), warmup=warmup)
    table.minimal_ms = median
    table.page("Vue minimale (`/bench/minimal/`)", "middlewares seuls", median, p95, queries)

    units = Computer.objects.count()
    associations = national.counts()["associations"]
    campaign = national.SLUGS[0]
    handover = Handover.objects.filter(wave__campaign__slug=campaign, signed_at__isnull=False).first()
    pages = [
        ("Accueil (`/`)", "3 campagnes", anonymous, "/", {}),
        (
            "Page de campagne, cache froid",
            f"{n(units)} ordinateurs, {associations} associations",
            anonymous,
            f"/campaigns/{campaign}/",
            {"cold": True},
        ),
        ("Page de campagne, cache chaud", "idem", anonymous, f"/campaigns/{campaign}/", {}),
        (
            "Page de vérification d'une attestation",
            "1 attestation signée",
            anonymous,
            handover.get_verify_url(),
            {
                "vary_ip": True  # one address per request: the page's rate limit (30/min per address) stays out
            },
        ),
        (
            "Formulaire de candidature (membre)",
            "1 association",
            member,
            f"/space/apply/{national.SLUGS[1]}/",
            {},
        ),
        ("Espace association (membre)", "1 association équipée", member, "/space/", {}),
    ]
    admin_lists = [
        ("candidatures", "/admin/associations/application/", Application, "reviewer", "instruction"),
        ("ordinateurs", "/admin/inventory/computer/", Computer, "stock", "opérateur de stock"),
        ("attributions", "/admin/donations/allocation/", Allocation, "manager", "responsable de campagne"),
    ]
    superuser = login(f"admin@{national.DOMAIN}")
    for label, url, model, role, role_label in admin_lists:
        size = f"{n(model.objects.count())} {label}, {admin.site._registry[model].list_per_page} par page"
        pages.append((f"Admin, liste des {label} (superutilisateur)", size, superuser, url, {}))
        pages.append((f"Admin, liste des {label} ({role_label})", size, login(f"{role}@{national.DOMAIN}"), url, {}))
    pages += organiser_pages(login, units)
    try:
        for name, size, client, url, options in pages:
            median, p95, queries = measure_page(client, url, runs=runs, warmup=warmup, **options)
            table.page(name, size, median, p95, queries)
            print(f"  {name}: {median:.1f} ms, {queries} requêtes", flush=True)
    finally:
        remove_bench_tokens()


BENCH_TOKEN_NAMES = ("Banc d'essai (donateur)", "Banc d'essai (atelier)")


def remove_bench_tokens() -> None:
    """The tokens issued for the run, their history and service accounts: ``seed_national --reset`` can then
    remove the dataset's donors and refurbishers (a token protects them)."""
    from accounts.models import User
    from api.models import ApiToken, ApiTokenEvent

    tokens = ApiToken.objects.filter(name__in=BENCH_TOKEN_NAMES)
    actors = list(tokens.exclude(actor=None).values_list("actor_id", flat=True))
    ApiTokenEvent.objects.filter(token__in=tokens).delete()
    tokens.delete()
    User.objects.filter(pk__in=actors).delete()


def organiser_pages(login, units: int) -> list[tuple]:
    """The national programme's pages: a donor's space, the API's lists (public, a donor's token, a refurbisher's
    token) and the admin lists of one organiser's team (scoped to its organiser)."""
    from django.test import Client

    from accounts.models import User
    from api.services import api_token_create
    from associations.models import Application
    from campaigns.models import Campaign, DonorMembership
    from demo import national
    from inventory.models import Computer, Lot, StockPartner

    anonymous = Client()
    person = DonorMembership.objects.select_related("user", "donor").get(user__email=national.donor_email(1))
    donor = person.donor
    lots = Lot.objects.filter(donor=donor)
    lot_count = lots.count()
    lots_label = f"{lot_count} lot" if lot_count == 1 else f"{lot_count} lots"
    donor_units = Computer.objects.filter(lot__donor=donor).count()
    by = User.objects.get(email=f"admin@{national.DOMAIN}")
    remove_bench_tokens()  # those of a run that was stopped
    _token, donor_secret = api_token_create(by=by, name=BENCH_TOKEN_NAMES[0], donor=donor)
    partner = StockPartner.objects.get(name=national.PARTNER_NAMES[1])  # Lyon's refurbisher
    _token, partner_secret = api_token_create(by=by, name=BENCH_TOKEN_NAMES[1], partner=partner)
    donor_headers = {"HTTP_AUTHORIZATION": f"Bearer {donor_secret}"}
    partner_headers = {"HTTP_AUTHORIZATION": f"Bearer {partner_secret}"}
    partner_lot = Lot.objects.filter(partner=partner).order_by("-expected_count", "pk").first()
    partner_lot_units = Computer.objects.filter(lot=partner_lot).count()
    lyon = Campaign.objects.get(slug=national.SLUGS[1]).organiser  # CITIES: Marseille, Lyon, Lille
    lyon_units = Computer.objects.filter(lot__organiser=lyon).count()
    marseille = national.SLUGS[0]
    marseille_applications = Application.objects.filter(campaign__slug=marseille).count()
    every_application = Application.objects.filter(campaign__slug__in=national.SLUGS).count()
    return [
        (
            "Espace donateur (`/donor/`)",
            f"{lots_label}, {n(donor_units)} ordinateurs du donateur",
            login(person.user.email),
            "/donor/",
            {},
        ),
        (
            "API, campagnes publiques (`/api/campaigns/`)",
            "3 campagnes",
            anonymous,
            "/api/campaigns/",
            {"vary_ip": True},
        ),
        (
            "API, engagements d'un donateur (`/api/donor/pledges/`)",
            "jeton du donateur",
            anonymous,
            "/api/donor/pledges/",
            {"headers": donor_headers},
        ),
        (
            "API, lots d'un donateur (`/api/donor/lots/`)",
            f"{lots_label}, {n(donor_units)} ordinateurs",
            anonymous,
            "/api/donor/lots/",
            {"headers": donor_headers},
        ),
        (
            "API, lots d'un atelier (`/api/partner/lots/`)",
            f"{Lot.objects.filter(partner=partner).count()} lots (Lyon)",
            anonymous,
            "/api/partner/lots/",
            {"headers": partner_headers},
        ),
        (
            "API, unités d'un lot (`/api/partner/lots/<id>/units/?page_size=200`)",
            f"{n(partner_lot_units)} ordinateurs, 200 par page",
            anonymous,
            f"/api/partner/lots/{partner_lot.pk}/units/?page_size=200",
            {"headers": partner_headers},
        ),
        (
            "Admin, liste des ordinateurs (opérateur de stock de Lyon)",
            f"{n(lyon_units)} ordinateurs de Lyon sur {n(units)}, 100 par page",
            login(national.team_email("stock", "Lyon")),
            "/admin/inventory/computer/",
            {},
        ),
        (
            "Admin, liste des candidatures (instruction de Marseille)",
            f"{marseille_applications} candidatures de Marseille sur {every_application}, 50 par page",
            login(national.team_email("reviewer", "Marseille")),
            "/admin/associations/application/",
            {},
        ),
    ]


# One certificate ------------------------------------------------------------------------------


def measure_certificate(table: Table, *, runs: int) -> None:
    from bench.certificates import render_single
    from certificates.models import Handover
    from certificates.pdf import page_count
    from demo import national

    handover = (
        Handover.objects.filter(wave__campaign__slug__in=national.SLUGS, allocation__quantity=30)
        .exclude(allocation__status="cancelled")
        .order_by("pk")
        .first()
    )
    if handover is None:
        raise SystemExit("no 30-unit certificate in the national dataset")
    result = render_single(handover.pk, runs)
    record_render(
        table,
        "Attestation PDF (données, gabarit et QR code, WeasyPrint)",
        f"{result['units']} ordinateurs, {page_count(result['pdf'])} pages",
        result,
        "attestation",
    )


# The donor's traceability report of a 1,000-unit lot (scratch database) ------------------------------


def measure_traceability(table: Table, *, runs: int, units: int = TRACEABILITY_UNITS) -> None:
    from bench.traceability import build_lot, render_report

    result = render_report(build_lot(units), runs)
    record_render(
        table,
        "Rapport de traçabilité PDF d'un lot (données, gabarit, WeasyPrint)",
        f"{n(result['units'])} ordinateurs, {result['pages']} pages",
        result,
        "traçabilité",
    )


def record_render(table: Table, measure: str, size: str, result: dict, short: str) -> None:
    """A PDF's renders in the table (median time, the data's queries) and their split, printed as it goes."""
    from bench.certificates import render_times

    median, best = render_times(result["times"])
    table.once(measure, size, median, result["queries"])
    print(f"  {short} : médiane {median:.2f} s (meilleure : {best})", flush=True)


# Planner, assignment, import (scratch database) -----------------------------------------------


def measure_planner(table: Table, *, quick: bool, cases=PLANNER_CASES) -> None:
    from bench import plan_wave

    for units, associations in cases:
        if quick and units > 10_000:
            continue
        r = plan_wave.run_case(units, associations, None)
        size = f"{n(units)} prêts, {n(associations)} associations, {n(r['assigned'])} attribués"
        table.once("Planification d'une vague (`wave_plan`)", size, r["plan_s"], r["plan_q"])
        table.once("Affectation des ordinateurs (`wave_confirm`, hors e-mails)", size, r["confirm_s"], r["confirm_q"])
        print(
            f"  {units} unités : plan {r['plan_s']:.2f} s ({r['plan_q']} requêtes), "
            f"affectation {r['confirm_s']:.2f} s ({r['confirm_q']} requêtes), préparation {r['setup_s']:.0f} s",
            flush=True,
        )


def measure_import(table: Table, *, rows: int) -> None:
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test.utils import setup_test_environment, teardown_test_environment
    from django.utils import timezone

    from accounts import roles
    from accounts.models import User
    from bench import import_units
    from bench.clients import logged_in
    from campaigns.models import Donor, StaffMembership
    from demo.organisers import organiser as demo_organiser
    from inventory.models import Computer, Lot

    call_command("flush", interactive=False, verbosity=0)
    operator = User.objects.create_user("bench-stock@example.org", "bench-password-42", is_staff=True)
    operator.groups.add(Group.objects.get(name=roles.INVENTORY_OPERATOR))
    # The stock team of the organiser the lots are received for: an import knows only its organisers' lots.
    StaffMembership.objects.create(user=operator, organiser=demo_organiser("Marseille"), role="stock")
    donor = Donor.objects.create(name="Donateur (import)")
    lot = Lot.objects.create(
        organiser=demo_organiser("Marseille"),
        donor=donor,
        reference="BENCH-CSV",
        arrival_date=timezone.localdate(),
        site="Bench",
    )
    data = import_units.csv_bytes(import_units.HEADER, import_units.make_rows(rows, lot.reference, "CSVA"))
    client = logged_in(operator)
    setup_test_environment()  # the test client then keeps each response's context (the confirm form)
    try:
        preview, confirm, _totals = import_units.admin_round(client, data, "units.csv", "0")
    finally:
        teardown_test_environment()
    assert Computer.objects.filter(lot=lot).count() == rows
    size = f"{n(rows)} lignes CSV ({d(len(data) / 1e6)} Mo)"
    table.once("Import par l'admin : envoi et aperçu", size, preview.seconds, preview.queries)
    table.once("Import par l'admin : confirmation (écriture)", size, confirm.seconds, confirm.queries)
    print(f"  import : aperçu {preview.seconds:.1f} s, confirmation {confirm.seconds:.1f} s", flush=True)


# Run -----------------------------------------------------------------------------------------


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the national dataset if it is already there")
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-unit planner case")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per page first (default 5)")
    parser.add_argument("--pdf-runs", type=int, default=5, help="renders of the certificate (default 5)")
    parser.add_argument("--rows", type=int, default=IMPORT_ROWS, help="rows of the import (default 10,000)")
    parser.add_argument(
        "--pages-only", action="store_true", help="only the pages (no certificate, planner, assignment or import)"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="every step at a tiny size, to check that the bench runs (no figures)"
    )
    args = parser.parse_args()
    smoke = SMOKE if args.smoke else {}
    if smoke:
        args.runs, args.warmup, args.pdf_runs, args.rows = (
            smoke["runs"],
            smoke["warmup"],
            smoke["pdf_runs"],
            smoke["rows"],
        )
    main_db, scratch_db, tmp = configure(args)

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from demo import national

    started = time.perf_counter()
    load_before = os.getloadavg()
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():  # production settings serve hashed static names: the pages need the manifest
        call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    if args.reuse and national.exists():
        dataset = "réutilisé (--reuse)"
    else:
        if national.exists():
            national.reset()
        summary = national.build(scale=smoke.get("scale", 1.0))
        dataset = f"construit en {summary.seconds:.0f} s"
    print(f"Jeu national ({connection.vendor}, base {main_db}) : {dataset}", flush=True)

    table = Table()
    measure_pages(table, runs=args.runs, warmup=args.warmup)
    if not args.pages_only:
        measure_certificate(table, runs=args.pdf_runs)
        use_database(scratch_db)
        call_command("migrate", interactive=False, verbosity=0)
        measure_traceability(table, runs=args.pdf_runs, units=smoke.get("units", TRACEABILITY_UNITS))
        measure_planner(table, quick=args.quick, cases=smoke.get("planner", PLANNER_CASES))
        measure_import(table, rows=args.rows)
    database = database_label()
    connection.close()

    load_after = os.getloadavg()
    print()
    print(table.markdown())
    print()
    print(
        f"{datetime.datetime.now(datetime.UTC):%d/%m/%Y %H:%M} UTC, commit {git_commit()}, "
        f"{platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPU, {database} ; "
        f"{args.runs} requêtes mesurées par page après {args.warmup} d'échauffement ; "
        f"charge (1 min) {load_before[0]:.2f} au début, {load_after[0]:.2f} à la fin ; "
        f"durée totale {time.perf_counter() - started:.0f} s"
    )
    if smoke:
        print("--smoke : chaque étape a tourné, à une taille qui ne mesure rien ; ne pas reporter ces chiffres.")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
