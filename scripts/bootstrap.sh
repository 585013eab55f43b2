#!/usr/bin/env bash
# Make sure Python 3 can create a virtual environment (Debian's python3-venv), then create .venv
# and install the given requirements file when it changed. Usage: scripts/bootstrap.sh requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."
req=${1:-requirements.txt}

if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  echo "Installation de python3-venv (nécessaire pour l'environnement virtuel)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv
fi
[ -x .venv/bin/python ] || { python3 -m venv .venv && .venv/bin/pip install -q --upgrade pip; }

# Reinstall only when the requirements changed since the last install.
stamp=".venv/.installed-$(basename "$req")"
sum=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  .venv/bin/pip install -q -r "$req"
  echo "$sum" > "$stamp"
fi
