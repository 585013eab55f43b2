#!/usr/bin/env bash
# The real stack (scripts/stack-e2e.sh: two web processes, a worker and beat, S3 storage) with every database
# connection going through PgBouncer in transaction pooling mode, as a deployment past one PostgreSQL would
# run it (README, « Plusieurs hôtes »). Not part of CI (the stack job runs without PgBouncer); run it after
# a change to how the code talks to the database:
#
#   scripts/pgbouncer-stack.sh [pytest arguments]
#
# Environment: the stack's own (STACK_PORT, STACK_REDIS_URL, ...; see scripts/stack-e2e.sh), and
# PGBOUNCER_PORT (6439), STACK_PGBOUNCER_DATABASE (portal_stack_pgbouncer, DROPPED and created again).
# Installs Debian's pgbouncer when missing. Starts exactly one pgbouncer (pid checked) and stops it by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
started_at=$(date +%s)
say() { echo "pgbouncer-stack [$(($(date +%s) - started_at)) s] $*"; }

if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "Installation de pgbouncer (Debian)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends pgbouncer
fi
pgbouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

server_url=$(scripts/ensure-services.sh | tail -1) # postgres://<role>[:<password>]@127.0.0.1:5432/portal
credentials=${server_url#postgres://}
credentials=${credentials%%@*}
role=${credentials%%:*}
password=""
[ "$credentials" = "$role" ] || password=${credentials#*:}
port=${PGBOUNCER_PORT:-6439}
database=${STACK_PGBOUNCER_DATABASE:-portal_stack_pgbouncer}

if psql -w -q "postgres://$credentials@127.0.0.1:$port/postgres" -c "select 1" >/dev/null 2>&1; then
  echo "pgbouncer-stack : le port $port répond déjà : rien n'est lancé." >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/portal-pgbouncer.XXXXXX")
cat >"$work/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $work/userlist.txt
admin_users = $role
pool_mode = transaction
; fewer server connections than clients (3 gunicorn processes, the worker's 2 children, the commands):
; transactions of different clients share them, which is what must work.
default_pool_size = 2
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
EOF
printf '"%s" "%s"\n' "$role" "$password" >"$work/userlist.txt"

# PgBouncer refuses to run as root: as root, run it as the postgres system user (setpriv execs in place,
# so $! is pgbouncer's own pid).
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres: "$work"
  run_as=(setpriv --reuid=postgres --regid=postgres --init-groups)
else
  run_as=()
fi
setsid "${run_as[@]}" "$pgbouncer" "$work/pgbouncer.ini" >"$work/stdout.log" 2>&1 &
pid=$!
status=0
stop() {
  status=${status:-$?}
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    tail -n 30 "$work/pgbouncer.log" "$work/stdout.log" >&2 2>/dev/null || true
    echo "pgbouncer-stack : ÉCHEC ; journaux dans $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap 'status=$?; stop' EXIT
trap 'status=130; exit 130' INT TERM

admin="postgres://$credentials@127.0.0.1:$port/pgbouncer"
for _ in $(seq 1 40); do
  psql -w -q -tA "$admin" -c "SHOW VERSION" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { status=1; echo "pgbouncer s'est arrêté au démarrage" >&2; exit 1; }
  sleep 0.25
done
[ "$(cat "$work/pgbouncer.pid" 2>/dev/null)" = "$pid" ] || { status=1; echo "pgbouncer : pid inattendu" >&2; exit 1; }
say "pgbouncer $(psql -w -tA "$admin" -c 'SHOW VERSION' | head -1) sur 127.0.0.1:$port, mode transaction"

# Every process of the stack (migrate, seed_demo, gunicorn, the worker, beat) connects through PgBouncer,
# without server-side cursors (they do not survive from one transaction to the next under transaction pooling).
set +e
DISABLE_SERVER_SIDE_CURSORS=1 STACK_DATABASE_URL="postgres://$credentials@127.0.0.1:$port/$database" \
  scripts/stack-e2e.sh "$@"
status=$?
set -e
[ "$status" -eq 0 ] || exit "$status"

# The exports read with .iterator() (impact/exports.py): through PgBouncer, outside any transaction.
DJANGO_SETTINGS_MODULE=config.settings.production DEBUG=0 SECRET_KEY=pgbouncer-stack-check-not-secret-0123456789 \
  DATABASE_URL="postgres://$credentials@127.0.0.1:$port/$database" DISABLE_SERVER_SIDE_CURSORS=1 \
  .venv/bin/python - <<'PY' || { status=1; exit 1; }
import django

django.setup()
from django.db import connection

from impact import exports

assert connection.in_atomic_block is False
for dataset in exports.DATASETS.values():
    rows = list(dataset.rows(dataset.prepare(dataset.model.objects.all())))
    print(f"export {dataset.key}: {len(rows)} rows through PgBouncer")
PY

stats=$(psql -w -tA -F ' ' "$admin" -c "SHOW STATS" | awk -v db="$database" '$1 == db {print "transactions=" $2 " requêtes=" $3}')
say "OK à travers PgBouncer (base $database : $stats)"
