#!/usr/bin/env bash
# Install the Debian packages the portal needs, only those that are missing.
#   scripts/system-deps.sh          what the portal needs to run (PDF rendering)
#   scripts/system-deps.sh test     plus what the test suite needs (browser, PDF tools)
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "${1:-}" = "test" ]; then
  packages+=(chromium poppler-utils faketime)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installation des paquets Debian manquants : ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "Installez ces paquets (droits administrateur requis) : apt-get install ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
