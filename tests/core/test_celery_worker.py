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
