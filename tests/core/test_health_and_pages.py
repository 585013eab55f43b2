import os
import subprocess
import sys

import pytest

from tests.conftest import require

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthz_reports_redis_when_configured(client, settings):
    url = os.environ.get("REDIS_URL", "")
    require(bool(url), "REDIS_URL is not set")
    settings.REDIS_URL = url
    assert client.get("/healthz").json()["redis"] == "ok"


def test_healthz_stays_200_but_degraded_when_redis_is_down(client, settings):
    """The pages keep working without Redis: a load balancer must not take every host out of service."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and response.json()["redis"].startswith("error")


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db import connection
    from django.db.utils import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error" and response.json()["database"].startswith("error")


def test_non_staff_users_cannot_reach_the_admin(client, member):
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
        # No subprocess timeout: its wait loop breaks under libfaketime (the clock-moved runs call this from
        # tests/demo); pytest-timeout bounds the test instead.
    )


def test_debug_is_off_by_default_and_a_secret_key_is_required():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.base'; django.setup()",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
