#!/usr/bin/env bash
# bench/run_all.py on another revision, then on this checkout, one right after the other: same machine, same run,
# so that a refactoring can be judged on figures (each revision gets its own databases).
#   bench/compare.sh 6a6bae3 --quick        (options after the revision go to run_all.py)
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_compare bench/compare.sh REV
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: bench/compare.sh REVISION [run_all.py options]}
shift
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git worktree add --detach "$tmp/base" "$rev" >/dev/null
ln -s "$PWD/.venv" "$tmp/base/.venv"
url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bench_compare}
# Older revisions' benches cannot log staff in with their second factor: both runs go without it (the same
# middleware check is skipped in both), so that the two columns compare the same work.
export MFA_REQUIRED_FOR_STAFF=0
echo "== $(git rev-parse --short "$rev") (référence)"
(cd "$tmp/base" && BENCH_DATABASE_URL="${url}_base" .venv/bin/python bench/run_all.py "$@")
echo "== $(git rev-parse --short HEAD) (cette copie)"
BENCH_DATABASE_URL="${url}_head" .venv/bin/python bench/run_all.py "$@"
