#!/usr/bin/env bash
# Every benchmark step at a tiny size, so that a change that breaks bench/ is seen in CI (no figures are kept:
# the measures are in the README, taken on a quiet machine with the commands it gives).
#   scripts/bench-smoke.sh        (PostgreSQL from scripts/ensure-services.sh; databases bench_smoke*, created if
#                                 missing, their earlier content replaced)
# bench/run_all.py --smoke runs the pages, the certificate, the traceability report, the planner, the assignment
# and the import through the admin (the helpers of certificates.py, traceability.py, plan_wave.py and
# import_units.py); then import_units.py and traceability.py run on their own at a small size.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
scripts/system-deps.sh   # WeasyPrint's libraries, for the certificate and the traceability report
server_url=$(scripts/ensure-services.sh | tail -1) # postgres://<role>@127.0.0.1:5432/portal
url="${server_url%/*}/bench_smoke"
unset REDIS_URL   # the benches run tasks eagerly with the local-memory cache unless told otherwise
BENCH_DATABASE_URL=$url .venv/bin/python bench/run_all.py --smoke
BENCH_DATABASE_URL=${url}_import DEBUG=1 LOG_LEVEL=WARNING .venv/bin/python bench/import_units.py --rows 50
BENCH_DATABASE_URL=${url}_trace DEBUG=1 .venv/bin/python bench/traceability.py --units 10 --runs 1
echo "bench-smoke : les bancs d'essai tournent"
