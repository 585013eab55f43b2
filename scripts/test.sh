#!/usr/bin/env bash
# Run the whole test suite: lint, migrations check, pytest in random order (browser tests included), then the
# date-sensitive modules again with the clock moved forward (libfaketime), so that a suite green today stays green.
# DATABASE_URL / REDIS_URL come from the environment (SQLite and eager tasks when unset).
#   scripts/test.sh                  everything
#   scripts/test.sh ARGS...          only pytest, with these arguments (e.g. a file, -k, -p no:randomly)
#   DATE_SHIFTS="+30d +1000d" scripts/test.sh    other clock shifts for the dated runs ("" skips them)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
scripts/system-deps.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports   # the apps depend one way (pyproject.toml [tool.importlinter])
.venv/bin/python scripts/audit.py   # pip-audit: fails on a known vulnerability
DEBUG=0 .venv/bin/python manage.py makemigrations --check --dry-run --settings=config.settings.test
if [ $# -gt 0 ]; then
  exec .venv/bin/pytest -n 2 --create-db "$@"
fi
# pytest-randomly shuffles the order on every run and prints its seed: `-p randomly --randomly-seed=N` repeats one.
.venv/bin/pytest -n 2 --create-db

# The modules whose results depend on the day: demo and national datasets, impact calendars and reminders,
# personal-data retention, waves, appointments and certificates' sweeps. Browser tests stay at today's date.
dated=(
  tests/demo tests/core/test_personal_data.py
  tests/impact tests/donations tests/certificates/test_services.py
  tests/inventory/test_services.py
)
for shift in ${DATE_SHIFTS-+200d +400d}; do
  echo "== horloge déplacée de $shift (faketime) : ${dated[*]}"
  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$shift" .venv/bin/pytest -n 2 -q --create-db -m "not e2e" "${dated[@]}"
done
