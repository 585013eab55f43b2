"""A database built by the code of 9bc1e2b (before the campaigns app existed) migrates forward with no data change.

The old code is taken from git (``git archive``), builds its demo database in a scratch database of the same
engine as the test run (PostgreSQL in CI), then today's code migrates it. Every table keeps its rows: same
counts, and the first and last rows of each table keep their values (columns renamed since are followed).
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE = "9bc1e2b"

# Columns renamed since BASE, per table: old name -> new name.
RENAMED_COLUMNS: dict[str, dict[str, str]] = {
    # One Journal base model: the same field names in every history table.
    "certificates_handoverevent": {"from_state": "from_status", "to_state": "to_status"},
    "inventory_wiperecord": {"operator_id": "actor_id", "operator_label": "actor_label"},
}

# Tables whose rows may legitimately grow on migrate (post_migrate adds the new apps' types and permissions, and
# the role groups receive the permissions of the models added since BASE: slots, join requests...).
# auth_group: the national coordinator's group (added with the organisers).
MAY_GROW = {"django_migrations", "django_content_type", "auth_permission", "auth_group_permissions", "auth_group"}

SNAPSHOT = """
import json
from django.db import connection
qn = connection.ops.quote_name
out = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names(cursor)):
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
        cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")
        count = cursor.fetchone()[0]
        key = "id" if "id" in columns else columns[0]
        rows = []
        for direction in ("ASC", "DESC"):
            cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {qn(key)} {direction} LIMIT 3")
            rows += [dict(zip(columns, map(str, row))) for row in cursor.fetchall()]
        out[table] = {"count": count, "columns": columns, "rows": rows, "key": key}
print("SNAPSHOT:" + json.dumps(out))
"""

# With the old code: a campaign history row (the demo has none), written by the old service.
OLD_HISTORY = """
import datetime
from accounts.models import User
from donations.models import Campaign
from donations.services import campaign_set_status
campaign = Campaign.objects.create(
    name="Campagne lyonnaise", slug="lyon-migration", city="Lyon", pledged_units=40,
    applications_open_on=datetime.date(2027, 1, 4), applications_close_on=datetime.date(2027, 2, 26),
)
campaign_set_status(campaign=campaign, to="open", by=User.objects.filter(is_superuser=True).first(), note="<b>ok</b>")
"""

BEFORE = """
import json
from django.contrib.contenttypes.models import ContentType
moved = ["campaign", "donor", "campaigndonor", "campaignevent"]
types = ContentType.objects.filter(app_label="donations", model__in=moved)
print("BEFORE:" + json.dumps({f"campaigns.{t.model}": t.pk for t in types}))
"""

AFTER = """
import json
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from campaigns.models import Campaign, CampaignDonor, CampaignEvent, Donor
print("AFTER:" + json.dumps({
    "campaigns": Campaign.objects.count(),
    "donors": Donor.objects.count(),
    "pledges": CampaignDonor.objects.count(),
    "events": CampaignEvent.objects.count(),
    "types": sorted(ContentType.objects.filter(model__in=["campaign", "donor", "campaigndonor", "campaignevent"])
                    .values_list("app_label", "model")),
    "type_ids": {f"{t.app_label}.{t.model}": t.pk for t in ContentType.objects.filter(app_label="campaigns")},
    "manager_perms": sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="Responsables de campagne").permissions.filter(codename__endswith="campaign")
    ),
}))
"""


def _manage(cwd: Path, env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} in {cwd}:\n{result.stdout[-3000:]}\n{result.stderr}"
    return result.stdout


def _read(output: str, prefix: str):
    line = next(line for line in output.splitlines() if line.startswith(prefix))
    return json.loads(line[len(prefix) :])


@contextlib.contextmanager
def _scratch_database(tmp_path: Path):
    """An empty database of the same engine as the test run, dropped afterwards."""
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'before.sqlite3'}"
        return
    import psycopg2

    name = f"migrate_forward_{uuid.uuid4().hex[:12]}"
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"], "dbname": "postgres"}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    try:
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        yield f"postgres://{db['USER']}{password}@{params['host']}:{params['port']}/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.timeout(900)
def test_a_database_built_before_the_campaigns_app_migrates_forward_unchanged(tmp_path):
    root = Path(settings.BASE_DIR)
    if not (root / ".git").exists():
        pytest.skip("needs the git history (a clone of the repository)")
    archive = subprocess.run(["git", "-C", str(root), "archive", BASE], capture_output=True, check=True).stdout
    old = tmp_path / "old"
    old.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(old, filter="data")

    with _scratch_database(tmp_path) as url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "REDIS_URL"))},
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
        _manage(old, env, "migrate", "--noinput", "-v", "0")
        _manage(old, env, "seed_demo", "--force")
        _manage(old, env, "shell", "-c", OLD_HISTORY)
        before = _read(_manage(old, env, "shell", "-c", SNAPSHOT), "SNAPSHOT:")
        old_types = _read(_manage(old, env, "shell", "-c", BEFORE), "BEFORE:")

        _manage(root, env, "migrate", "--noinput", "-v", "0")
        after = _read(_manage(root, env, "shell", "-c", SNAPSHOT), "SNAPSHOT:")
        moved = _read(_manage(root, env, "shell", "-c", AFTER), "AFTER:")

    # The demo really filled the tables being compared.
    assert before["donations_campaign"]["count"] >= 1 and before["donations_donor"]["count"] >= 1
    assert before["donations_campaignevent"]["count"] >= 1 and before["donations_campaigndonor"]["count"] >= 1
    for table, old_table in before.items():
        assert table in after, f"table {table} disappeared"
        new_table = after[table]
        if table in MAY_GROW:
            assert new_table["count"] >= old_table["count"], table
            continue
        assert new_table["count"] == old_table["count"], f"{table}: {old_table['count']} → {new_table['count']}"
        renamed = RENAMED_COLUMNS.get(table, {})
        missing = {renamed.get(c, c) for c in old_table["columns"]} - set(new_table["columns"])
        assert not missing, f"{table} lost columns {missing}"
        for old_row, new_row in zip(old_table["rows"], new_table["rows"], strict=True):
            assert {renamed.get(c, c): v for c, v in old_row.items()}.items() <= new_row.items(), table

    # The same rows, now read through the campaigns app.
    assert moved["campaigns"] == before["donations_campaign"]["count"]
    assert moved["donors"] == before["donations_donor"]["count"]
    assert moved["pledges"] == before["donations_campaigndonor"]["count"]
    assert moved["events"] == before["donations_campaignevent"]["count"]
    # The content types moved with the models (same rows), so that permissions held by groups still apply.
    assert all(app == "campaigns" for app, _model in moved["types"]), moved["types"]
    assert len(old_types) == 4 and old_types.items() <= moved["type_ids"].items()
    assert "campaigns.change_campaign" in moved["manager_perms"], moved["manager_perms"]
