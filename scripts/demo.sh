#!/usr/bin/env bash
# Install everything and run the portal with demo data on SQLite at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements.txt
scripts/system-deps.sh
export DEBUG=1
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
echo "Portail : http://127.0.0.1:8000  (comptes de démonstration : voir README.md, mot de passe demo-dons-2026)"
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
