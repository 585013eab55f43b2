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
# Revisions from before the bench logged staff in with their second factor: give them this checkout's login.
.venv/bin/python - "$tmp/base/bench/run_all.py" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
old = "        client = Client()\n        client.force_login(User.objects.get(email=email))\n        return client\n"
new = (
    "        from accounts.middleware import MFA_VERIFIED_SESSION_KEY\n\n"
    "        client = Client()\n        user = User.objects.get(email=email)\n        client.force_login(user)\n"
    "        session = client.session\n        session[MFA_VERIFIED_SESSION_KEY] = user.pk\n        session.save()\n"
    "        return client\n"
)
if "MFA_VERIFIED_SESSION_KEY" not in text and old in text:
    open(path, "w").write(text.replace(old, new))
PY
url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bench_compare}
echo "== $(git rev-parse --short "$rev") (référence)"
(cd "$tmp/base" && BENCH_DATABASE_URL="${url}_base" .venv/bin/python bench/run_all.py "$@")
echo "== $(git rev-parse --short HEAD) (cette copie)"
BENCH_DATABASE_URL="${url}_head" .venv/bin/python bench/run_all.py "$@"
