"""Redis dies in the middle of a wave confirmation (issue 12, point 8): nothing is lost, nothing is sent twice.

The test runs its own ``redis-server`` on a free port (stopping it hurts no other process) and a real Celery
worker on it. Emails of the worker and of this process (the sweep) go to the same folder, so that each
one can be counted by recipient and subject.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from certificates import services as certificate_services
from certificates.models import Handover, HandoverEvent
from certificates.services import handovers as certificate_handovers
from tests.conftest import fresh_broker_connections, require, start_celery_worker, wait_for
from tests.core.test_faults import free_port, planned_wave, production_settings

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class OwnRedis:
    """A throw-away redis-server: started, killed and started again on the same port."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.pidfile = folder / "redis.pid"
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except redis.exceptions.ConnectionError:
            return False

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pidfile),
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            check=True,
        )
        self._wait(True)

    def kill(self) -> None:
        if self.pidfile.exists():
            os.kill(int(self.pidfile.read_text().strip()), signal.SIGKILL)
            self.pidfile.unlink()
        self._wait(False)

    def _wait(self, up: bool) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping() == up:
                return
            time.sleep(0.05)
        raise AssertionError(f"redis-server on {self.port} did not {'start' if up else 'stop'}")


def sent_emails(folder: Path) -> list[tuple[str, str]]:
    """(recipient, subject) of every email written to ``folder`` by Django's file backend, any process."""
    found = []
    for path in folder.glob("*.log"):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk.lstrip(), policy=email.policy.default)
                for recipient in str(message["To"]).split(","):
                    found.append((recipient.strip(), str(message["Subject"])))
    return found


@pytest.fixture
def own_redis(tmp_path):
    require(connection.vendor == "postgresql", "the worker process shares the test database: PostgreSQL")
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    folder = tmp_path / "redis"
    folder.mkdir()
    server = OwnRedis(folder)
    server.start()
    yield server
    server.kill()


def test_redis_killed_during_a_wave_confirmation_loses_nothing_and_sends_each_email_once(
    own_redis, tmp_path, settings, client
):
    from config.celery import app
    from core import outbox
    from core.cache import _state
    from core.emails import notify
    from core.models import OutboxEmail
    from donations.models import Wave

    settings.CACHES = production_settings(REDIS_URL=own_redis.url)["CACHES"]
    worker_process = start_celery_worker(tmp_path, settings, own_redis.url)
    worker = next(worker_process)
    fresh_broker_connections(app)  # publish to this test's Redis, not through a pool opened on another one
    try:
        settings.CERTIFICATES_QUEUE = settings.OUTBOX_QUEUE = worker.queue
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = str(worker.mail_dir)
        wave, manager, members = planned_wave(5)

        # Before the outage: one email per member, sent by the worker.
        for member in members:
            with transaction.atomic():
                notify(
                    {member.email: "fr"},
                    "application_submitted",
                    {"association": "A", "campaign": wave.campaign.name, "application_path": "/space/"},
                )
        wait_for(
            lambda: OutboxEmail.objects.filter(sent_at__isnull=False).count() == 5, worker, what="the first emails"
        )

        # Redis dies; the manager confirms the wave.
        own_redis.kill()
        client.force_login(manager)
        response = client.post(reverse("admin:donations_wave_plan_confirm", args=[wave.pk]))
        assert response.status_code == 302, response.status_code
        page = client.get(response["Location"])
        assert page.status_code == 200 and "Vague confirmée" in page.content.decode()
        assert client.get(reverse("impact:stats_json", args=[wave.campaign.slug])).status_code == 200
        assert Wave.objects.get(pk=wave.pk).status == Wave.Status.CONFIRMED
        handovers = Handover.objects.filter(wave=wave)
        assert handovers.count() == 5 and {h.state for h in handovers} == {Handover.State.PENDING}
        waiting = OutboxEmail.objects.filter(template="allocation_confirmed", sent_at__isnull=True)
        assert sorted(address for row in waiting for address in row.to) == sorted(m.email for m in members)

        # Redis comes back; beat's sweeps run. The worker also gets every email and render again (a
        # redelivered message, a duplicate in the queue): the claim and the render's state keep each one single.
        time.sleep(2)
        own_redis.start()
        fresh_broker_connections(app)  # drop the producer connections that died with Redis
        later = timezone.now() + max(certificate_services.pending_stuck_after(), outbox.retry_base())
        later += datetime.timedelta(seconds=1)
        assert certificate_services.handovers_requeue_stuck(now=later) == 5
        certificate_handovers.queue_renders(handovers.values_list("pk", flat=True))  # no transaction: sent now
        outbox.dispatch(list(OutboxEmail.objects.values_list("pk", flat=True)))
        outbox.outbox_sweep(now=later)

        wait_for(
            lambda: set(Handover.objects.filter(wave=wave).values_list("state", flat=True)) == {Handover.State.READY},
            worker,
            what="the certificates",
        )
        wait_for(lambda: not OutboxEmail.objects.filter(sent_at__isnull=True).exists(), worker, what="the emails")
        time.sleep(3)  # a duplicate would arrive now
        counted = Counter(sent_emails(worker.mail_dir))
        confirmed = {to for (to, subject) in counted if "Attribution confirmée" in subject}
        assert confirmed == {m.email for m in members}
        assert len(counted) == 10 and set(counted.values()) == {1}, counted
        for handover in Handover.objects.filter(wave=wave):
            assert handover.attempts == 1 and handover.pdf
            started = HandoverEvent.objects.filter(handover=handover, to_status=Handover.State.RENDERING)
            assert started.count() == 1
        assert all(row.attempts == 1 for row in OutboxEmail.objects.all())
    finally:
        _state["down_since"] = None
        next(worker_process, None)
        fresh_broker_connections(app)  # later tests publish to their own broker again
