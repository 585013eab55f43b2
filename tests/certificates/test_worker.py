"""A real Celery worker on Redis renders certificates end to end, retries a failure, emails the signed one.

Needs Redis (REDIS_URL) and PostgreSQL (the worker is another process: it must share the test database).
"""

import io

import pytest
from django.db import connection
from pypdf import PdfReader

from certificates.models import Handover
from tests.certificates.conftest import record_handover
from tests.conftest import require, wait_for
from tests.factories.associations import member_of
from tests.factories.certificates import confirmed_wave, desk_operator

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
S = Handover.State


@pytest.fixture
def shared_database(db):
    require(connection.vendor == "postgresql", "a worker process needs the test database on PostgreSQL")


@pytest.fixture
def worker(shared_database, celery_worker_process, settings):
    settings.CERTIFICATES_QUEUE = celery_worker_process.queue  # tasks queued after commit go to this worker
    return celery_worker_process


def test_a_real_worker_renders_signs_and_emails_the_certificate(worker, settings):
    wave = confirmed_wave(1, 12)  # confirming queues the render after commit, to the worker
    allocation = wave.allocations.select_related("application__association").get()
    member = member_of(allocation.application.association, email="presidente@asso.example.org")

    def ready():
        handover = Handover.objects.get(allocation=allocation)
        return handover if handover.state == S.READY else None

    handover = wait_for(ready, worker, what="the certificate")
    path = settings.MEDIA_ROOT / handover.pdf.name
    assert path.exists()
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = "".join(page.extract_text() for page in reader.pages)
    assert handover.number in text
    for link in allocation.units.select_related("computer"):
        assert link.computer.serial_number in text
    assert handover.page_count == len(reader.pages) and handover.attempts == 1

    record_handover(handover, desk_operator(email="guichet@example.org"))

    def signed():
        current = Handover.objects.get(pk=handover.pk)
        return current if current.state == S.READY and current.signed_pdf and current.emailed_at else None

    handover = wait_for(signed, worker, what="the signed certificate and its email")
    mails = wait_for(lambda: list(worker.mail_dir.glob("*.log")), worker, what="the email file")
    content = mails[0].read_text()
    assert member.email in content and handover.number in content
    assert f"attestation-{handover.number}.pdf" in content  # attached


def test_the_worker_retries_a_failed_render_then_succeeds(worker, settings):
    # The storage refuses to write (a file stands where the certificates' folder goes): the first
    # attempt fails; once the folder can be created again, the automatic retry succeeds.
    media = settings.MEDIA_ROOT
    media.mkdir(parents=True, exist_ok=True)
    blocker = media / "certificates"
    blocker.write_text("pas un dossier")
    wave = confirmed_wave(1, 10)
    allocation = wave.allocations.get()

    def failed():
        handover = Handover.objects.get(allocation=allocation)
        return handover if handover.state == S.FAILED else None

    handover = wait_for(failed, worker, what="the first failure")
    assert handover.error and handover.attempts == 1
    blocker.unlink()

    def ready():
        current = Handover.objects.get(pk=handover.pk)
        return current if current.state == S.READY else None

    handover = wait_for(ready, worker, timeout=60, what="the retry")
    assert handover.attempts == 2 and handover.error == ""
    states = list(handover.events.filter(kind="state").values_list("to_status", flat=True))
    assert states == [S.RENDERING, S.FAILED, S.RENDERING, S.READY]
    assert (media / handover.pdf.name).exists()
