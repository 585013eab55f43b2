"""Faults (issue 12, points 8 and 9): Redis down, a failing on-commit hook, lost tasks, dropped database connections.

The settings under test are the real ones: ``production_settings`` evaluates config/settings/base.py with the
environment a deployment would have (REDIS_URL, CONN_MAX_AGE), and the test installs what it computed.
"""

from __future__ import annotations

import ast
import datetime
import os
import runpy
import socket
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from certificates.models import Handover
from tests.conftest import require
from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import approved_application, member_of
from tests.factories.certificates import confirmed_wave
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_computers

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "motdepasse-solide-42"


def production_settings(**environ: str) -> dict:
    """The settings config/settings/base.py computes for this environment (nothing else is changed)."""
    env = {"SECRET_KEY": "faults-test", "DEBUG": "0", **environ}
    with mock.patch.dict(os.environ, env):
        return runpy.run_path(str(ROOT / "config" / "settings" / "base.py"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis_cache(settings):
    """The production cache configuration, on a Redis that does not answer (nothing listens on the port)."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = production_settings(REDIS_URL=url)["CACHES"]
    from django.core.cache import cache

    yield cache
    # Later tests must not start in the degraded state of this one.
    from core.cache import _state

    _state["down_since"] = None


def planned_wave(associations: int, units: int = 10):
    from donations import services as donation_services

    manager = staff_with_role(roles.CAMPAIGN_MANAGER, email="manager@ville.example.org")
    wave = WaveFactory(capacity=associations * units)
    members = []
    for i in range(associations):
        application = approved_application(wave.campaign, units)
        members.append(member_of(application.association, email=f"membre{i}@asso{i}.example.org"))
    ready_computers(associations * units)
    donation_services.wave_plan(wave=wave, by=manager)
    return wave, manager, members


# Redis down: the cache is a miss -----------------------------------------------------------------


@pytest.mark.django_db
def test_with_redis_down_public_pages_verify_and_login_still_answer(client, dead_redis_cache):
    wave = confirmed_wave(1, 10)
    handover = Handover.objects.get(wave=wave)
    campaign = wave.campaign
    with pytest.raises(Exception):  # noqa: B017  (really down: the raw client raises)
        import redis

        redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).ping()

    for url in (
        reverse("home"),
        reverse("donations:campaign", args=[campaign.slug]),
        reverse("impact:stats_json", args=[campaign.slug]),
        reverse("impact:progress", args=[campaign.slug]),
        handover.get_verify_url(),
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("impact:stats_json", args=[campaign.slug])).json()  # figures, from the database

    user = UserFactory(email="benevole@asso.example.org")
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    # The limits still count (in this process): five wrong passwords still lock the account.
    client.logout()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "Trop de tentatives de connexion échouées" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_wave_confirmation_answers_and_sends_its_emails(client, dead_redis_cache):
    """The confirmation used to answer 500 after committing, its emails lost (``_bump`` raised first)."""
    from donations.models import Wave

    wave, manager, members = planned_wave(5)
    client.force_login(manager)
    response = client.post(reverse("admin:donations_wave_plan_confirm", args=[wave.pk]), follow=True)
    assert response.status_code == 200
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.CONFIRMED
    confirmed = [m for m in mail.outbox if "Attribution confirmée" in m.subject]
    assert sorted(m.to[0] for m in confirmed) == sorted(member.email for member in members)


def test_the_cache_falls_back_and_comes_back(settings):
    """Down: a miss, and values kept locally; up again: Redis, and the local copies are dropped."""
    from django.core.cache import caches

    from core.cache import DegradingRedisCache, _state

    url = f"redis://127.0.0.1:{free_port()}/0"
    cache = DegradingRedisCache(url, {"OPTIONS": {"retry_seconds": 0}})
    try:
        assert cache.get("clé") is None
        assert _state["down_since"] is not None  # degraded
        assert cache.add("clé", 1) is True and cache.incr("clé") == 2 and cache.get("clé") == 2
        with pytest.raises(ValueError):
            cache.incr("absente")
        # Redis "comes back": the next call reaches it, and the local copy is forgotten.
        with mock.patch("django.core.cache.backends.redis.RedisCache.get", return_value="de Redis"):
            assert cache.get("clé") == "de Redis"
        assert _state["down_since"] is None  # no longer degraded
        assert cache._fallback.get("clé") is None
    finally:
        _state["down_since"] = None
    assert caches  # the project's cache is untouched


# One failing on-commit hook never stops the others ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_failing_stats_hook_does_not_stop_the_emails_after_it(client):
    from donations.models import Wave

    wave, manager, members = planned_wave(3)
    client.force_login(manager)

    def bump_with_redis_down() -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with mock.patch("impact.selectors._bump", new=bump_with_redis_down):
        response = client.post(reverse("admin:donations_wave_plan_confirm", args=[wave.pk]), follow=True)
    assert response.status_code == 200
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.CONFIRMED
    assert len([m for m in mail.outbox if "Attribution confirmée" in m.subject]) == 3
    assert {h.state for h in Handover.objects.filter(wave=wave)} == {Handover.State.READY}  # rendered too


def test_every_on_commit_hook_of_the_project_is_robust():
    """A hook that raises (Redis, storage, broker) must not stop the hooks registered after it."""
    fragile = []
    for path in ROOT.glob("*/**/*.py"):
        if any(part in {".venv", "tests", "migrations", "bench", "var"} for part in path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "on_commit":
                robust = [k for k in node.keywords if k.arg == "robust"]
                if not robust or not (isinstance(robust[0].value, ast.Constant) and robust[0].value.value is True):
                    fragile.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert fragile == []


# The outbox -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_is_written_with_the_change_and_nothing_is_sent_if_it_rolls_back(
    django_capture_on_commit_callbacks,
):
    from core.emails import notify
    from core.models import OutboxEmail

    context = {"association": "A", "campaign": "C", "application_path": "/space/applications/1/"}
    with pytest.raises(RuntimeError), transaction.atomic():
        notify({"a@asso.example.org": "fr"}, "application_submitted", context)
        raise RuntimeError("the change fails")
    assert not OutboxEmail.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        notify({"a@asso.example.org": "fr"}, "application_submitted", context)
    row = OutboxEmail.objects.get()
    assert row.sent_at is not None and row.attempts == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_sweep_stops_at_the_first_email_when_the_mail_server_is_unreachable():
    """An unreachable server would cost a timeout per email (up to the task's time limit): one try is enough."""
    from celery.exceptions import SoftTimeLimitExceeded

    from core import outbox
    from core.models import OutboxEmail

    now = timezone.now()
    context = {"association": "A", "campaign": "C", "application_path": "/space/applications/1/"}
    rows = [
        OutboxEmail.objects.create(
            template="application_submitted", to=[f"{n}@asso.example.org"], context=context, next_attempt_at=now
        )
        for n in range(3)
    ]
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError) as send:
        assert outbox.outbox_sweep(now=now) == 0
    assert send.call_count == 1
    assert sorted(OutboxEmail.objects.values_list("attempts", flat=True)) == [0, 0, 1]
    # A refusal of one message (not of the server) does not stop the others.
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=[ValueError("bad"), 1, 1]) as send:
        assert outbox.outbox_sweep(now=now + datetime.timedelta(days=1)) == 2
    assert send.call_count == 3
    # The task's soft time limit is not an email's failure: it stops the task and the row stays as it was.
    row = rows[0]
    OutboxEmail.objects.filter(pk=row.pk).update(sent_at=None, attempts=0, last_error="", next_attempt_at=now)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=SoftTimeLimitExceeded):
        with pytest.raises(SoftTimeLimitExceeded):
            outbox.outbox_send(pk=row.pk)
    row.refresh_from_db()
    assert row.attempts == 0 and row.last_error == "" and row.sent_at is None


@pytest.mark.django_db
def test_a_refused_email_is_retried_with_back_off_until_sent(django_capture_on_commit_callbacks):
    from core import outbox
    from core.emails import notify
    from core.models import OutboxEmail

    context = {"association": "A", "campaign": "C", "application_path": "/space/applications/1/"}
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP down")):
        with django_capture_on_commit_callbacks(execute=True):
            notify({"a@asso.example.org": "fr"}, "application_submitted", context)
        row = OutboxEmail.objects.get()
        assert row.sent_at is None and row.attempts == 1 and "SMTP down" in row.last_error
        first_wait = row.next_attempt_at - row.last_attempt_at
        assert outbox.outbox_sweep(now=row.next_attempt_at) == 0
        row.refresh_from_db()
        assert row.attempts == 2 and row.next_attempt_at - row.last_attempt_at == 2 * first_wait
        assert outbox.outbox_sweep(now=row.next_attempt_at - datetime.timedelta(seconds=1)) == 0  # not due
        row.refresh_from_db()
        assert row.attempts == 2
    assert outbox.outbox_sweep(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.sent_at and row.attempts == 3 and len(mail.outbox) == 1
    assert outbox.outbox_sweep(now=row.next_attempt_at or timezone.now() + datetime.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_and_the_sweep_never_both_send_an_email():
    """While one process holds the row (sending), the other skips it; once sent, nobody sends it again."""
    from core import outbox
    from core.models import OutboxEmail

    require(connection.vendor == "postgresql", "row locks need PostgreSQL")
    row = OutboxEmail.objects.create(
        template="application_submitted",
        to=["a@asso.example.org"],
        context={"association": "A", "campaign": "C", "application_path": "/x/"},
        next_attempt_at=timezone.now(),
    )
    locked, release = threading.Event(), threading.Event()

    def sending_elsewhere():
        from django.db import connections

        try:
            with transaction.atomic():
                OutboxEmail.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    other = threading.Thread(target=sending_elsewhere)
    other.start()
    assert locked.wait(10)
    try:
        assert outbox.outbox_send(pk=row.pk) is False
        assert outbox.outbox_sweep(now=timezone.now() + datetime.timedelta(hours=1)) == 0
        assert mail.outbox == []
    finally:
        release.set()
        other.join()
    assert outbox.outbox_send(pk=row.pk) is True
    assert outbox.outbox_send(pk=row.pk) is False
    assert len(mail.outbox) == 1


# Dropped database connections (point 9) ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_after_the_database_dropped_the_connection_answers_200():
    """With persistent connections (CONN_MAX_AGE=60), PostgreSQL closing them (restart, failover, idle
    timeout) must cost a reconnection, not a 500. Runs the real WSGI handler, whose request signals
    close or check connections (Django's test client switches them off)."""
    import psycopg2
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    require(connection.vendor == "postgresql", "pg_terminate_backend needs PostgreSQL")
    computed = production_settings(CONN_MAX_AGE="60", DATABASE_URL=os.environ.get("DATABASE_URL", ""))
    computed_db = computed["DATABASES"]["default"]
    assert computed_db["CONN_MAX_AGE"] == 60
    saved = {key: connection.settings_dict.get(key) for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.settings_dict["CONN_MAX_AGE"] = computed_db["CONN_MAX_AGE"]
    connection.settings_dict["CONN_HEALTH_CHECKS"] = computed_db.get("CONN_HEALTH_CHECKS", False)
    handler = WSGIHandler()

    def get(path: str) -> str:
        status = []
        environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
        body = handler(environ, lambda s, headers, exc_info=None: status.append(s))
        b"".join(body)
        body.close()  # request_finished: the connection is kept (CONN_MAX_AGE)
        return status[0]

    try:
        connection.close()
        assert get("/").startswith("200")
        assert connection.connection is not None  # kept for the next request
        s = connection.settings_dict
        other = psycopg2.connect(
            dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None, host=s["HOST"], port=s["PORT"] or 5432
        )
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchall()
        other.close()
        assert get("/").startswith("200")
        assert get("/").startswith("200")
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def test_health_checks_follow_persistent_connections():
    assert production_settings(CONN_MAX_AGE="60")["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
    assert production_settings(CONN_MAX_AGE="0")["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is False
    forced = production_settings(CONN_MAX_AGE="60", CONN_HEALTH_CHECKS="0")
    assert forced["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is False
