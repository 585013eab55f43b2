#!/usr/bin/env bash
# Make PostgreSQL and Redis answer on 127.0.0.1: start them if installed but stopped, install them if missing.
# Prints the DATABASE_URL to use on its last line.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq >&2; apt_updated=1; }
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >&2
}

# PostgreSQL
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "PostgreSQL absent : installation" >&2
    apt_install postgresql postgresql-client
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  echo "Démarrage de PostgreSQL $version" >&2
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 >&2
fi

# Redis
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null || { echo "Redis absent : installation" >&2; apt_install redis-server; }
  mkdir -p /tmp/portal-redis
  echo "Démarrage de Redis" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --pidfile /tmp/portal-redis/redis.pid --logfile /tmp/portal-redis/redis.log --dir /tmp/portal-redis >&2
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h 127.0.0.1 -p 6379 ping >&2
fi

# A role that may create the test database. Trust auth (as on these machines): use postgres.
if psql -w "postgres://postgres@127.0.0.1:5432/postgres" -tAc "select 1" >/dev/null 2>&1; then
  echo "postgres://postgres@127.0.0.1:5432/portal"
else
  (cd / && $SUDO runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='app'" | grep -q 1) ||
    (cd / && $SUDO runuser -u postgres -- psql -qc "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB" >&2)
  echo "postgres://app:app@127.0.0.1:5432/portal"
fi
