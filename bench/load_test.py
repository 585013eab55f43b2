"""Load test: locust, headless, against gunicorn + PostgreSQL on loopback (issue 7).

Usage (from the repository root; about two minutes with the defaults):

    .venv/bin/python bench/load_test.py
    .venv/bin/python bench/load_test.py --think-time 0 --workers 5   # saturation, gunicorn's default workers
    .venv/bin/python bench/load_test.py --users 30 --run-time 60 --max-requests 50000
    .venv/bin/python bench/load_test.py --reuse       # keep the database built by the previous run

From a clean state it installs locust (`bench/requirements.txt`) into the current virtualenv, drops and re-creates
the PostgreSQL database `loadbench`, migrates, loads the national dataset (`manage.py seed_national`, or the
Marseille demo with `--dataset demo` or when that command does not exist), runs `collectstatic`, dumps the campaign
slugs, verification codes and member accounts the locustfile needs to `bench/out/load_data.json`, then starts
gunicorn (`config/gunicorn.py`, `bench.settings`, Redis cache) on 127.0.0.1:8200 and runs locust twice, each
run bounded in time and in requests: the realistic mix (`bench/locustfile.py`), then the minimal view alone.
It prints one markdown table (and the mix page by page), and stops gunicorn. Only loopback hosts are accepted.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
LOOPBACK = {"127.0.0.1", "localhost"}
DATABASE = "loadbench"  # dropped and re-created at each run: a fixed name, never one from the command line
MIX_CLASSES = ["Visitor", "Verifier", "Member"]
MINIMAL_CLASSES = ["MinimalViewUser"]

# Run inside `manage.py shell`: what the locustfile needs from the database, as JSON on stdout.
DUMP_DATA = r"""
import json
from allauth.account.models import EmailAddress
from associations.models import Membership
from certificates.models import Handover
from campaigns.models import Campaign

PASSWORD = "demo-dons-2026"
slugs = list(Campaign.objects.public().order_by("pk").values_list("slug", flat=True))
codes = list(Handover.objects.order_by("?").values_list("code", flat=True)[:2000])
verified = EmailAddress.objects.filter(verified=True, primary=True).values("user_id")
members = (
    Membership.objects.filter(user__is_active=True, user__is_staff=False, user__in=verified)
    .order_by("user__email")
    .values_list("user__email", "user__password")
    .distinct()
)
# Seeded accounts share the demo password; bulk-created ones often share one hash: check each hash once.
checked, emails = {}, []
from django.contrib.auth.hashers import check_password
for email, encoded in members:
    if encoded not in checked:
        checked[encoded] = len(checked) < 50 and check_password(PASSWORD, encoded)
    if checked[encoded] and email not in emails:
        emails.append(email)
print(json.dumps({"campaigns": slugs, "codes": codes, "members": emails[:500], "password": PASSWORD}))
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback only: 127.0.0.1 or localhost")
    parser.add_argument("--port", type=int, default=8200)
    parser.add_argument("--users", type=int, default=20, help="concurrent locust users (default 20)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second (default 10)")
    parser.add_argument("--run-time", type=int, default=30, help="seconds per scenario (default 30)")
    parser.add_argument("--max-requests", type=int, default=20000, help="stop a scenario after N requests")
    parser.add_argument("--think-time", type=float, default=1.0, help="pause between requests: 0 to this, s")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3, for 2 cores)")
    parser.add_argument("--dataset", choices=["auto", "national", "demo"], default="auto")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the previous run")
    parser.add_argument("--scenario", choices=["both", "mix", "minimal"], default="both")
    args = parser.parse_args()
    if args.host not in LOOPBACK:
        parser.error(f"refused host {args.host!r}: the load test only targets 127.0.0.1 or localhost")
    if not (1 <= args.users <= 500 and args.run_time >= 1 and args.max_requests >= 1 and args.workers >= 1):
        parser.error("--users 1..500, --run-time >= 1, --max-requests >= 1, --workers >= 1")
    return args


def step(message: str) -> None:
    print(f"[load_test {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kwargs)


def manage(env: dict, *arguments: str, **kwargs) -> subprocess.CompletedProcess:
    return run([PYTHON, "manage.py", *arguments], env, **kwargs)


def recreate_database(name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def clear_cache(redis_url: str, prefix: str) -> int:
    """Delete this run's cache keys only (never FLUSHDB: the Redis database is shared)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}: see bench/out/load_gunicorn.log")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")
        time.sleep(0.3)


def warm_up(base: str, data: dict) -> None:
    """Each worker imports the project on its first request: let that happen before measuring."""
    paths = ["/bench/minimal/", "/", "/privacy/"]
    for slug in data["campaigns"]:
        paths += [f"/campaigns/{slug}/", f"/campaigns/{slug}/stats.json"]
    for _ in range(3):
        for path in paths:
            try:
                urllib.request.urlopen(base + path, timeout=30).read()
            except urllib.error.HTTPError as error:
                raise RuntimeError(f"warm-up: {path} answered {error.code}") from error


def start_gunicorn(env: dict, pidfile: Path, log: Path) -> subprocess.Popen:
    pidfile.unlink(missing_ok=True)
    handle = log.open("w")
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--config",
            "config/gunicorn.py",
            "--pid",
            str(pidfile),
            "--no-control-socket",
        ],
        env=env,
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def stop_gunicorn(process: subprocess.Popen, pidfile: Path) -> None:
    pid = process.pid
    if pidfile.exists():
        pid = int(pidfile.read_text().strip() or pid)
    if process.poll() is None:
        os.kill(pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            process.wait()


def run_locust(args, env: dict, base: str, classes: list[str], prefix: Path) -> None:
    """One headless run; its console output goes to `<prefix>.log`, its final figures to `<prefix>.json`."""
    cmd = [
        str(BIN / "locust"),
        "-f",
        "bench/locustfile.py",
        "--headless",
        "--host",
        base,
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.run_time}s",
        "--max-requests",
        str(args.max_requests),
        "--think-time",
        str(args.think_time),
        "--summary-json",
        f"{prefix}.json",
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    # locust exits 1 when a request failed: the failures are in the table, not a reason to stop here.
    with open(f"{prefix}.log", "w") as log:
        subprocess.run(cmd, env=env, cwd=ROOT, check=False, stdout=log, stderr=subprocess.STDOUT)


def read_summary(prefix: Path) -> dict:
    path = Path(f"{prefix}.json")
    if not path.exists():
        raise RuntimeError(f"locust wrote no figures: see {prefix}.log")
    return json.loads(path.read_text())


def figures(entry: dict) -> str:
    """requests | failures | req/s | p50 | p95 | p99, as table cells."""
    cells = [str(entry["requests"]), str(entry["failures"]), f"{entry['rps']:.1f}"]
    cells += ["n/a" if entry[p] is None else f"{entry[p]:.0f}" for p in ("p50", "p95", "p99")]
    return " | ".join(cells)


def main() -> int:
    args = parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    base = f"http://{args.host}:{args.port}"

    step("installing locust (bench/requirements.txt)")
    run([PYTHON, "-m", "pip", "install", "--quiet", "-r", "bench/requirements.txt"], dict(os.environ))

    redis_url = "redis://127.0.0.1:6379/0"
    cache_prefix = DATABASE  # CACHE_KEY_PREFIX: keys "loadbench:1:..." in the shared Redis
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "WARNING",
    }
    # Setup runs with eager Celery and the local cache: nothing goes to the shared Redis broker.
    setup_env = {key: value for key, value in env.items() if key not in ("REDIS_URL", "CACHE_KEY_PREFIX")}

    dataset = args.dataset
    if dataset == "auto":
        national = ROOT / "demo" / "management" / "commands" / "seed_national.py"
        dataset = "national" if national.exists() else "demo"
    # collectstatic (about 10 s of CPU: every file hashed and compressed) needs no database: run it alongside.
    static = subprocess.Popen([PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"], env=setup_env, cwd=ROOT)
    if not args.reuse:
        step(f"re-creating the PostgreSQL database {DATABASE!r}")
        recreate_database(DATABASE)
        manage(setup_env, "migrate", "--no-input", "-v", "0")
        step("migrated")
        step(f"loading the {dataset} dataset")
        started = time.monotonic()
        command = "seed_national" if dataset == "national" else "seed_demo"
        with open(OUT / "load_seed.log", "w") as log:
            manage(setup_env, command, "--force", stdout=log)
        (OUT / "load_dataset.txt").write_text(dataset)
        step(f"dataset loaded in {time.monotonic() - started:.0f} s (summary in bench/out/load_seed.log)")
    else:
        marker = OUT / "load_dataset.txt"
        dataset = marker.read_text().strip() if marker.exists() else "unknown"
    if static.wait() != 0:
        raise SystemExit("collectstatic failed")
    dump = manage(setup_env, "shell", "-c", DUMP_DATA, capture_output=True, text=True)
    data = json.loads(dump.stdout.strip().splitlines()[-1])
    data_file = OUT / "load_data.json"
    data_file.write_text(json.dumps(data))
    step(
        f"{len(data['campaigns'])} public campaigns, {len(data['codes'])} verification codes, "
        f"{len(data['members'])} member accounts -> {data_file.relative_to(ROOT)}"
    )
    if not (data["campaigns"] and data["codes"] and data["members"]):
        raise SystemExit("the dataset lacks campaigns, verification codes or member accounts")

    serve_env = {
        **env,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": cache_prefix,
        "GUNICORN_BIND": f"{args.host}:{args.port}",
        "WEB_CONCURRENCY": str(args.workers),
        # The load comes from one address: lift the per-IP limits for this run only (read by bench/settings.py).
        "BENCH_VERIFY_RATE": "1000000/m",
        "BENCH_LOGIN_RATE": "1000000/m/ip",
    }
    removed = clear_cache(redis_url, cache_prefix)
    step(f"cleared {removed} cache keys of a previous run; starting gunicorn on {base} ({args.workers} workers)")
    pidfile = OUT / f"gunicorn-{args.port}.pid"
    log = OUT / "load_gunicorn.log"
    gunicorn = start_gunicorn(serve_env, pidfile, log)
    results = []
    try:
        wait_for(f"{base}/healthz", gunicorn)
        warm_up(base, data)
        locust_env = {**os.environ, "LOAD_DATA": str(data_file)}
        scenarios = []
        if args.scenario in ("both", "mix"):
            scenarios.append(("realistic mix", MIX_CLASSES, OUT / "load_mix"))
        if args.scenario in ("both", "minimal"):
            scenarios.append(("minimal view", MINIMAL_CLASSES, OUT / "load_minimal"))
        for name, classes, prefix in scenarios:
            load = os.getloadavg()
            step(f"locust: {name}, {args.users} users, {args.run_time} s or {args.max_requests} requests")
            run_locust(args, locust_env, base, classes, prefix)
            results.append((name, read_summary(prefix), load))
    finally:
        step("stopping gunicorn")
        stop_gunicorn(gunicorn, pidfile)
        clear_cache(redis_url, cache_prefix)

    settings_line = (
        f"gunicorn {args.workers} workers (bench.settings, PostgreSQL, Redis cache), dataset {dataset}, "
        f"locust {args.users} users, think time 0-{args.think_time:g} s, "
        f"{args.run_time} s or {args.max_requests} requests per scenario"
    )
    print()
    print(settings_line)
    print()
    print("| scenario | requests | failures | req/s | p50 (ms) | p95 (ms) | p99 (ms) | load before (1 min) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, summary, load in results:
        print(f"| {name} | {figures(summary['total'])} | {load[0]:.2f} |")
    for name, summary, _load in results:
        if name != "realistic mix":
            continue
        print()
        print("| request (realistic mix) | requests | failures | req/s | p50 (ms) | p95 (ms) | p99 (ms) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for entry in sorted(summary["entries"], key=lambda e: -e["requests"]):
            print(f"| {entry['method']} {entry['name']} | {figures(entry)} |")
    for name, summary, _load in results:
        for error in summary["errors"]:
            print(f"{name}: {error['occurrences']} x {error['method']} {error['name']}: {error['error']}")
    print()
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
