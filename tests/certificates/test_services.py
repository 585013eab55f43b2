"""Services of the certificates app: creation, rendering (idempotent, retried), the sweep, the handover."""

import datetime
import hashlib
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from certificates import services, tasks
from certificates.models import Handover, HandoverEvent
from certificates.services import rendering
from core.errors import DomainError, TransitionError
from core.transitions import transition
from donations.models import Allocation, AllocationUnit
from inventory.models import Computer
from tests.certificates.conftest import record_handover as record
from tests.certificates.conftest import signature_png
from tests.conftest import fresh_broker_connections
from tests.factories.certificates import confirmed_wave

pytestmark = pytest.mark.django_db
S = Handover.State


def render(handover) -> Handover:
    services.handover_render(handover_id=handover.pk)
    return Handover.objects.get(pk=handover.pk)


# Creation -------------------------------------------------------------------------------------


def test_one_pending_certificate_per_confirmed_allocation_with_readable_number_and_secret_code():
    wave = confirmed_wave(3, 10)
    handovers = list(Handover.objects.filter(wave=wave).order_by("sequence"))
    assert [h.sequence for h in handovers] == [1, 2, 3]
    slug = wave.campaign.slug.upper()
    assert [h.number for h in handovers] == [f"{slug}-V1-001", f"{slug}-V1-002", f"{slug}-V1-003"]
    assert all(h.state == S.PENDING and h.queued_at for h in handovers)
    codes = {h.code for h in handovers}
    # 60 random bits each, grouped for reading from paper (tests/certificates/test_verify_lookup.py).
    assert len(codes) == 3 and all(len(code) == 14 and code.count("-") == 2 for code in codes)
    assert HandoverEvent.objects.filter(kind=HandoverEvent.Kind.CREATED).count() == 3


def drop_certificate(allocation) -> None:
    """Remove a certificate (tests only): as if it had never been created."""
    HandoverEvent.objects.filter(handover__allocation=allocation).delete()
    Handover.objects.filter(allocation=allocation).delete()


def test_ensure_is_idempotent_and_ignores_allocations_that_are_not_confirmed(desk):
    from donations import services as donation_services
    from tests.factories.associations import approved_application
    from tests.factories.campaigns import CampaignFactory
    from tests.factories.donations import WaveFactory
    from tests.factories.inventory import ready_computers

    wave = confirmed_wave(2, 10)
    ids = list(wave.allocations.values_list("pk", flat=True))
    assert services.handover_ensure_for_allocations(ids, by=desk) == []
    assert Handover.objects.filter(wave=wave).count() == 2
    planning = WaveFactory(campaign=CampaignFactory(), capacity=10)
    approved_application(planning.campaign, 10)
    ready_computers(10)
    donation_services.wave_plan(wave=planning, by=desk)
    proposed = list(planning.allocations.values_list("pk", flat=True))
    assert proposed and services.handover_ensure_for_allocations(proposed, by=desk) == []


def test_sequence_continues_in_the_wave_and_never_reuses_a_number(desk):
    wave = confirmed_wave(2, 10)
    first, second = wave.allocations.order_by("position")
    drop_certificate(first)
    created = services.handover_ensure_for_allocations([first.pk], by=desk)
    assert [h.sequence for h in created] == [3]
    assert created[0].number.endswith("-V1-003")


def test_ensure_queues_a_render_after_commit(desk, django_capture_on_commit_callbacks):
    wave = confirmed_wave(1, 10)
    allocation = wave.allocations.get()
    with mock.patch.object(tasks.render_handover, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            services.queue_renders([allocation.handover.pk])
    send.assert_called_once_with(args=[allocation.handover.pk])


# The transitions table -------------------------------------------------------------------------

ALL = [S.PENDING, S.RENDERING, S.READY, S.FAILED]


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_transition_allowed_or_refused_by_the_table(handover, source, target):
    changes = {"error": "boom"} if target == S.FAILED or source == S.FAILED else {}
    if source == S.READY or target == S.READY:
        changes["pdf"] = "certificates/x.pdf"
    Handover.objects.filter(pk=handover.pk).update(state=source, **changes)
    handover.refresh_from_db()
    if target in services.TRANSITIONS[source]:
        transition(handover, to=target, by=None, note="test", **({"error": "boom"} if target == S.FAILED else {}))
        handover.refresh_from_db()
        assert handover.state == target
        event = handover.events.filter(kind=HandoverEvent.Kind.STATE).last()
        assert (event.from_status, event.to_status) == (source, target)
    else:
        with pytest.raises(TransitionError):
            transition(handover, to=target, by=None)
        handover.refresh_from_db()
        assert handover.state == source


# Rendering ------------------------------------------------------------------------------------


def test_render_stores_the_pdf_with_its_checksum_and_is_idempotent(handover):
    handover = render(handover)
    assert handover.state == S.READY and handover.attempts == 1 and handover.error == ""
    content = handover.pdf.read()
    handover.pdf.close()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == handover.pdf_sha256
    assert handover.page_count >= 1 and handover.rendered_revision == handover.revision == 1
    name = handover.pdf.name
    # A duplicate message: nothing is rendered again.
    with mock.patch.object(rendering, "build_certificate_pdf") as build:
        again = render(handover)
    build.assert_not_called()
    assert (again.pdf.name, again.pdf_sha256, again.attempts) == (name, handover.pdf_sha256, 1)
    states = list(handover.events.filter(kind="state").values_list("from_status", "to_status"))
    assert states == [(S.PENDING, S.RENDERING), (S.RENDERING, S.READY)]


def test_a_render_in_progress_elsewhere_is_left_alone(handover):
    Handover.objects.filter(pk=handover.pk).update(state=S.RENDERING, render_started_at=timezone.now())
    with mock.patch.object(rendering, "build_certificate_pdf") as build:
        assert render(handover).state == S.RENDERING
    build.assert_not_called()


def test_a_render_abandoned_by_a_dead_worker_is_taken_over(handover):
    old = timezone.now() - datetime.timedelta(minutes=10)
    Handover.objects.filter(pk=handover.pk).update(state=S.RENDERING, render_started_at=old)
    assert render(handover).state == S.READY


def test_a_stale_render_is_dropped_when_a_newer_document_became_due(handover, desk):
    real_build = services.build_certificate_pdf

    def build_then_sign(**kwargs):
        pdf = real_build(**kwargs)
        # While this render ran, the handover was signed: a newer revision is due.
        Handover.objects.filter(pk=handover.pk).update(revision=2, state=S.PENDING)
        return pdf

    with mock.patch.object(rendering, "build_certificate_pdf", side_effect=build_then_sign):
        result = render(handover)
    assert result.state == S.PENDING and not result.pdf and result.rendered_revision == 0
    assert render(handover).state == S.READY


def test_rerender_replaces_the_file_and_deletes_the_old_one_after_commit(handover, django_capture_on_commit_callbacks):
    first = render(handover)
    old_name = first.pdf.name
    storage = first.pdf.storage
    Handover.objects.filter(pk=handover.pk).update(revision=2)
    with mock.patch.object(rendering, "html_to_pdf", return_value=rendering.html_to_pdf("<p>v2</p>", "/")):
        with django_capture_on_commit_callbacks(execute=True):
            second = render(handover)
    assert second.state == S.READY and second.pdf.name != old_name
    assert storage.exists(second.pdf.name) and not storage.exists(old_name)


def test_weasyprint_failure_marks_the_certificate_failed_with_the_error(handover):
    with mock.patch.object(rendering, "html_to_pdf", side_effect=RuntimeError("Pango a planté")):
        with pytest.raises(services.RenderError):
            services.handover_render(handover_id=handover.pk)
    handover.refresh_from_db()
    assert handover.state == S.FAILED
    assert "RuntimeError: Pango a planté" in handover.error
    assert not handover.pdf and handover.attempts == 1


@pytest.fixture
def eager_retries():
    """Eager tasks that retry in-process (with propagation on, Celery raises ``Retry`` instead)."""
    from config.celery import app

    old = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = old


def test_the_task_retries_once_then_the_certificate_is_ready(handover, eager_retries):
    real = rendering.html_to_pdf
    calls = []

    def flaky(html, base_url):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disque plein")
        return real(html, base_url)

    with mock.patch.object(rendering, "html_to_pdf", side_effect=flaky):
        tasks.render_handover.apply_async(args=[handover.pk])
    handover.refresh_from_db()
    assert handover.state == S.READY and handover.attempts == 2 and handover.error == ""
    states = list(handover.events.filter(kind="state").values_list("to_status", flat=True))
    assert states == [S.RENDERING, S.FAILED, S.RENDERING, S.READY]


def test_the_task_gives_up_after_its_retries_and_leaves_the_error(handover, eager_retries):
    with mock.patch.object(rendering, "html_to_pdf", side_effect=RuntimeError("toujours en panne")):
        result = tasks.render_handover.apply_async(args=[handover.pk])
    assert result.get() == "failed"
    handover.refresh_from_db()
    assert handover.state == S.FAILED and handover.attempts == tasks.RENDER_MAX_RETRIES + 1
    assert "toujours en panne" in handover.error


def test_retry_service_requeues_only_failed_certificates(handover, desk, django_capture_on_commit_callbacks):
    with pytest.raises(TransitionError):
        services.handover_retry(handover=handover, by=desk)
    Handover.objects.filter(pk=handover.pk).update(state=S.FAILED, error="boom", attempts=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.handover_retry(handover=handover, by=desk)
    handover.refresh_from_db()
    assert handover.state == S.READY and handover.attempts == 1
    event = handover.events.filter(from_status=S.FAILED).get()
    assert event.actor == desk and event.to_status == S.PENDING


def test_retry_countdown_grows():
    delays = [tasks.retry_countdown(n) for n in range(4)]
    assert delays[0] >= tasks.RETRY_BASE_SECONDS and all(a < b for a, b in zip(delays, delays[1:], strict=False))


# The sweep and an unreachable broker -------------------------------------------------------------


def test_sweep_requeues_only_what_is_stuck(django_capture_on_commit_callbacks):
    wave = confirmed_wave(3, 10)
    fresh, lost, dead = Handover.objects.filter(wave=wave).order_by("sequence")
    now = timezone.now()
    Handover.objects.filter(pk=lost.pk).update(queued_at=now - datetime.timedelta(minutes=10))
    Handover.objects.filter(pk=dead.pk).update(
        state=S.RENDERING, render_started_at=now - datetime.timedelta(minutes=10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.handovers_requeue_stuck(now=now) == 2
    states = dict(Handover.objects.filter(wave=wave).values_list("pk", "state"))
    assert states == {fresh.pk: S.PENDING, lost.pk: S.READY, dead.pk: S.READY}
    assert dead.events.filter(from_status=S.RENDERING, to_status=S.PENDING).exists()


def test_failed_and_cancelled_are_not_swept(handover):
    Handover.objects.filter(pk=handover.pk).update(
        state=S.FAILED, error="x", queued_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert services.handovers_requeue_stuck() == 0


@pytest.mark.django_db(transaction=True)
def test_broker_unreachable_at_confirmation_then_the_sweep_renders(client):
    """Redis is down when the manager confirms the wave: the request still succeeds, the certificates
    wait (pending), and the periodic sweep produces them once the broker is back."""
    from django.urls import reverse

    from accounts import roles
    from config.celery import app
    from donations import services as donation_services
    from donations.models import Wave
    from tests.factories.accounts import staff_with_role
    from tests.factories.associations import approved_application
    from tests.factories.donations import WaveFactory
    from tests.factories.inventory import ready_computers

    manager = staff_with_role(roles.CAMPAIGN_MANAGER, email="manager@example.org")
    wave = WaveFactory(capacity=20)
    approved_application(wave.campaign, 10)
    approved_application(wave.campaign, 10)
    ready_computers(20)
    donation_services.wave_plan(wave=wave, by=manager)
    client.force_login(manager)
    old = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    fresh_broker_connections(app)
    try:
        response = client.post(reverse("admin:donations_wave_plan_confirm", args=[wave.pk]), follow=True)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = old
        fresh_broker_connections(app)
    assert response.status_code == 200
    assert "Vague confirmée" in response.content.decode()
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.CONFIRMED
    handovers = Handover.objects.filter(wave=wave)
    assert handovers.count() == 2 and {h.state for h in handovers} == {S.PENDING}
    assert not any(h.pdf for h in handovers)
    # Too early for the sweep: a render queued moments ago may still be on its way.
    assert services.handovers_requeue_stuck() == 0
    later = timezone.now() + services.pending_stuck_after() + datetime.timedelta(seconds=1)
    assert services.handovers_requeue_stuck(now=later) == 2  # eager again: rendered right after commit
    assert {h.state for h in Handover.objects.filter(wave=wave)} == {S.READY}


def test_generate_for_wave_creates_missing_retries_failed_and_requeues_pending(
    desk, django_capture_on_commit_callbacks
):
    wave = confirmed_wave(3, 10)
    missing, failed, _pending = wave.allocations.order_by("position")
    drop_certificate(missing)
    Handover.objects.filter(allocation=failed).update(state=S.FAILED, error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        result = services.handovers_generate_for_wave(wave=wave, by=desk)
    assert (result.created, result.retried, result.requeued) == (1, 1, 1)
    assert Handover.objects.filter(wave=wave).count() == 3
    assert set(Handover.objects.filter(wave=wave).values_list("state", flat=True)) == {S.READY}


# Recording the handover -----------------------------------------------------------------------


def test_record_hands_over_the_units_and_renders_and_sends_the_signed_certificate(
    handover, desk, association_member, django_capture_on_commit_callbacks
):
    render(handover)
    with django_capture_on_commit_callbacks(execute=True):
        record(handover, desk)
    handover.refresh_from_db()
    allocation = handover.allocation
    assert allocation.status == Allocation.Status.HANDED_OVER
    assert Computer.objects.filter(allocation_links__allocation=allocation, status="handed_over").count() == 12
    assert handover.is_signed and handover.handed_over_count == 12 and handover.operator == desk
    assert handover.representative_name == "Nadia Benali" and handover.operator_name == "Denise Guichet"
    assert handover.association_signature and handover.operator_signature and not handover.signed_scan
    assert handover.state == S.READY and handover.revision == 2 and handover.rendered_revision == 2
    signed = handover.signed_pdf.read()
    handover.signed_pdf.close()
    assert hashlib.sha256(signed).hexdigest() == handover.signed_pdf_sha256
    assert handover.pdf and handover.pdf_sha256 != handover.signed_pdf_sha256  # both kept
    assert handover.events.filter(kind=HandoverEvent.Kind.SIGNED, actor=desk).exists()
    # The association's member gets the signed certificate attached, once.
    assert handover.emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["presidente@asso.example.org"]
    assert handover.number in message.subject
    name, content, mimetype = message.attachments[0]
    assert name == f"attestation-{handover.number}.pdf" and content == signed and mimetype == "application/pdf"
    assert handover.get_verify_url() in message.body
    assert services.handover_email_signed(handover_id=handover.pk) is False


def test_record_without_notification_sends_nothing(handover, desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record(handover, desk, notify=False)
    handover.refresh_from_db()
    assert handover.state == S.READY and handover.signed_pdf and handover.emailed_at is None
    assert mail.outbox == []


def test_record_with_a_paper_scan_appends_it_to_the_signed_certificate(
    handover, desk, django_capture_on_commit_callbacks
):
    from tests.factories.associations import make_pdf_bytes

    with django_capture_on_commit_callbacks(execute=True):
        record(handover, desk, association_signature=None, operator_signature=None, scan=make_pdf_bytes("scan"))
    handover.refresh_from_db()
    assert handover.signed_scan.name.endswith(".pdf")
    assert handover.signed_page_count == render_pages(handover) + 1


def render_pages(handover) -> int:
    from certificates.pdf import page_count

    return page_count(services.build_certificate_pdf(handover_id=handover.pk, signed=False))


def test_record_with_a_photo_of_the_paper_certificate(handover, desk, django_capture_on_commit_callbacks):
    from PIL import Image

    buffer = __import__("io").BytesIO()
    Image.new("RGB", (600, 800), "white").save(buffer, "JPEG")
    with django_capture_on_commit_callbacks(execute=True):
        record(handover, desk, association_signature=None, operator_signature=None, scan=buffer.getvalue())
    handover.refresh_from_db()
    assert handover.signed_scan.name.endswith(".jpg") and handover.state == S.READY


def test_partial_handover_sends_refused_units_back_to_reconditioning(
    handover, desk, django_capture_on_commit_callbacks
):
    refused = list(
        AllocationUnit.objects.filter(allocation=handover.allocation)
        .order_by("pk")
        .values_list("computer_id", flat=True)
    )[:2]
    with django_capture_on_commit_callbacks(execute=True):
        record(handover, desk, refused_computer_ids=refused, refusal_note="Écran de démarrage en panne")
    handover.refresh_from_db()
    assert handover.handed_over_count == 10
    assert set(handover.refused_computers.values_list("pk", flat=True)) == set(refused)
    assert set(Computer.objects.filter(pk__in=refused).values_list("status", flat=True)) == {"reconditioning"}
    assert AllocationUnit.objects.filter(computer_id__in=refused, released_at__isnull=False).count() == 2
    assert handover.allocation.status == Allocation.Status.HANDED_OVER
    assert handover.state == S.READY


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"representative_name": "  "}, "representative_name"),
        ({"handed_over_on": None}, "handed_over_on"),
        ({"handed_over_on": timezone.localdate() + datetime.timedelta(days=2)}, "handed_over_on"),
        ({"association_signature": None}, "association_signature"),
        ({"operator_signature": None}, "operator_signature"),
        ({"association_signature": signature_png(ink=False)}, "association_signature"),
        ({"association_signature": b"GIF89a not a png"}, "association_signature"),
        ({"refused_computer_ids": [1]}, "refusal_note"),
        ({"refused_computer_ids": ["x"], "refusal_note": "x"}, "refused_computers"),
        ({"association_signature": None, "operator_signature": None, "scan": b"not a scan"}, "signed_scan"),
        ({"association_signature": None, "operator_signature": None, "scan": b"%PDF-1.4 broken"}, "signed_scan"),
        ({"representative_name": "Nadia\x00"}, "representative_name"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(handover, desk, overrides, field):
    with pytest.raises(ValidationError) as caught:
        record(handover, desk, **overrides)
    assert field in caught.value.message_dict
    handover.refresh_from_db()
    assert not handover.is_signed and handover.allocation.status == Allocation.Status.CONFIRMED
    assert not Computer.objects.filter(status="handed_over").exists()


def test_refusing_units_of_another_allocation_or_all_units_is_refused(handover, desk):
    other = confirmed_wave(1, 10).allocations.get()
    foreign = list(other.units.values_list("computer_id", flat=True))[:1]
    with pytest.raises(ValidationError) as caught:
        record(handover, desk, refused_computer_ids=foreign, refusal_note="x")
    assert "refused_computers" in caught.value.message_dict
    every = list(handover.allocation.units.values_list("computer_id", flat=True))
    with pytest.raises(ValidationError) as caught:
        record(handover, desk, refused_computer_ids=every, refusal_note="x")
    assert "annulez" in caught.value.message_dict["refused_computers"][0]
    assert handover.allocation.units.filter(released_at__isnull=False).count() == 0


def test_recording_twice_or_on_a_cancelled_allocation_is_refused(handover, desk):
    from donations import services as donation_services

    record(handover, desk)
    with pytest.raises(DomainError):
        record(handover, desk)
    other = confirmed_wave(1, 10).allocations.get()
    donation_services.allocation_cancel(allocation=other, by=desk, reason="Association dissoute")
    with pytest.raises(DomainError):
        record(other.handover, desk)


def test_database_refuses_a_signed_handover_without_signatures(handover):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.filter(pk=handover.pk).update(
            signed_at=timezone.now(), handed_over_on=timezone.localdate(), representative_name="X", handed_over_count=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.filter(pk=handover.pk).update(state=S.FAILED, error="")


def test_the_outbox_sweep_sends_a_signed_certificate_whose_task_was_lost(
    handover, desk, association_member, django_capture_on_commit_callbacks
):
    from core import outbox
    from core.models import OutboxEmail

    with mock.patch.object(outbox, "dispatch"):  # the broker is down: the task is lost, not the email
        with django_capture_on_commit_callbacks(execute=True):
            record(handover, desk)
    handover.refresh_from_db()
    assert handover.state == S.READY and mail.outbox == []
    row = OutboxEmail.objects.get(template="handover_signed")
    assert row.sent_at is None and row.to == ["presidente@asso.example.org"]
    assert outbox.outbox_sweep() == 0  # too early: the worker may still have it
    later = timezone.now() + outbox.retry_base() + datetime.timedelta(seconds=1)
    assert outbox.outbox_sweep(now=later) == 1
    assert outbox.outbox_sweep(now=later) == 0  # once
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][0] == f"attestation-{handover.number}.pdf"
    assert handover.events.filter(kind=HandoverEvent.Kind.EMAILED).count() == 1
    assert services.handover_email_signed(handover_id=handover.pk) is False
