"""Tasks go through Redis to a real worker process, not only eagerly in the test process."""

import time

import pytest

from core.tasks import send_email

pytestmark = pytest.mark.redis


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_queued_email(celery_worker_process):
    send_email.apply_async(
        kwargs={
            "template": "application_approved",
            "context": {
                "association": "Les Amis du Numérique",
                "campaign": "Marseille",
                "granted": 20,
                "application_path": "/space/applications/1/",
                "note": "",
            },
            "to": ["presidente@asso.example.org"],
            "language": "fr",
        },
        queue=celery_worker_process.queue,
    )
    deadline = time.monotonic() + 30
    files = []
    while time.monotonic() < deadline and not files:
        files = list(celery_worker_process.mail_dir.glob("*.log"))
        time.sleep(0.2)
    assert files, f"the worker did not send the email: {celery_worker_process.log.read_text()[-3000:]}"
    content = files[0].read_text()
    assert "presidente@asso.example.org" in content
    assert "Candidature accept" in content


@pytest.mark.django_db(transaction=True)
def test_the_worker_logs_the_id_of_the_request_that_queued_the_task(celery_worker_process):
    import json

    from core import logging as portal_logging

    token = portal_logging._request_id.set("req-from-the-web-0042")
    try:
        send_email.apply_async(
            kwargs={
                "template": "application_submitted",
                "context": {"association": "A", "campaign": "C", "application_path": "/space/applications/1/"},
                "to": ["tresorier@asso.example.org"],
                "language": "fr",
            },
            queue=celery_worker_process.queue,
        )
    finally:
        portal_logging._request_id.reset(token)
    deadline = time.monotonic() + 30
    lines = []
    while time.monotonic() < deadline and not lines:
        lines = [
            json.loads(line)
            for line in celery_worker_process.log.read_text().splitlines()
            if line.startswith("{") and "req-from-the-web-0042" in line
        ]
        time.sleep(0.2)
    assert lines, f"no worker line carries the request id: {celery_worker_process.log.read_text()[-3000:]}"
    assert any("succeeded" in line["message"] for line in lines)
