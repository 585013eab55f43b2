#!/usr/bin/env bash
# Run the whole test suite: lint, migrations check, pytest (browser tests included).
# DATABASE_URL / REDIS_URL come from the environment (SQLite and eager tasks when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
scripts/system-deps.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python scripts/audit.py   # pip-audit: fails on a known vulnerability
DEBUG=0 .venv/bin/python manage.py makemigrations --check --dry-run --settings=config.settings.test
exec .venv/bin/pytest -n 2 --create-db "$@"
