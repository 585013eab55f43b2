"""The print desk in the admin: permissions per role, progress, generate/print all, retry, recording."""

import html
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from certificates import services
from certificates.models import Handover
from certificates.pdf import page_count
from donations.models import Allocation
from inventory.models import Computer
from tests.certificates.conftest import data_url, record_form, record_url, signature_png
from tests.factories.accounts import staff_with_role
from tests.factories.certificates import confirmed_wave
from tests.roles import STAFF_ROLES, make_user

pytestmark = pytest.mark.django_db
S = Handover.State


ROLES = [*STAFF_ROLES, "member", "superuser"]  # anonymous: tests/core/test_access_matrix.py
ALLOWED = {"handover", "superuser"}


def urls(handover):
    wave = handover.wave_id
    return {
        "changelist": ("get", reverse("admin:certificates_handover_changelist")),
        "change": ("get", reverse("admin:certificates_handover_change", args=[handover.pk])),
        "desk_index": ("get", reverse("admin:certificates_handover_desk_index")),
        "desk": ("get", reverse("admin:certificates_handover_desk", args=[wave])),
        "progress": ("get", reverse("admin:certificates_handover_progress", args=[wave])),
        "pdf": ("get", reverse("admin:certificates_handover_pdf", args=[handover.pk])),
        "print": ("get", reverse("admin:certificates_handover_print", args=[wave])),
        "record": ("get", reverse("admin:certificates_handover_record", args=[handover.pk])),
        "generate": ("post", reverse("admin:certificates_handover_generate", args=[wave])),
        "retry": ("post", reverse("admin:certificates_handover_retry", args=[handover.pk])),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_desk_page_checks_the_role(client, handover, role):
    services.handover_render(handover_id=handover.pk)
    client.force_login(make_user(role))
    for name, (method, url) in urls(handover).items():
        response = getattr(client, method)(url)
        if role == "member":
            assert response.status_code == 302 and "/admin/login/" in response["Location"], name
        elif role in ALLOWED:
            expected = {"generate": 302, "retry": 302}.get(name, 200)
            assert response.status_code == expected, name
        elif role == "manager":  # follows the handovers, read only
            expected = 403 if name in ("record", "generate", "retry") else 200
            assert response.status_code == expected, name
        else:
            assert response.status_code == 403, name


def ready_failed_waiting(error: str):
    """A wave of three certificates, in appointment order: rendered, failed with ``error``, still pending."""
    wave = confirmed_wave(3, 10)
    first, failed, waiting = Handover.objects.filter(wave=wave).order_by("sequence")
    services.handover_render(handover_id=first.pk)
    Handover.objects.filter(pk=failed.pk).update(state=S.FAILED, error=error)
    return wave, first, failed, waiting


def test_desk_lists_every_allocation_in_appointment_order_with_its_state(client, desk):
    wave, first, failed, waiting = ready_failed_waiting("WeasyPrint: police introuvable")
    client.force_login(desk)
    page = client.get(reverse("admin:certificates_handover_desk", args=[wave.pk])).content.decode()
    assert page.index(first.number) < page.index(failed.number) < page.index(waiting.number)
    assert "WeasyPrint: police introuvable" in page
    assert reverse("admin:certificates_handover_retry", args=[failed.pk]) in page
    assert "Relancer" in page
    assert reverse("admin:certificates_handover_pdf", args=[first.pk]) in page
    assert reverse("admin:certificates_handover_record", args=[first.pk]) in page
    assert re.search(r'<progress id="cert-progress" max="3" value="1">', page)
    assert 'data-progress-url="' + reverse("admin:certificates_handover_progress", args=[wave.pk]) in page
    assert 'src="/static/js/print_desk.js"' in page


def test_the_desk_names_its_state_column_status_in_english(client, desk, wave):
    """« État » of a certificate is its status in English, not the grade of a computer."""
    client.force_login(desk)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("admin:certificates_handover_desk", args=[wave.pk])).content.decode()
    assert '<th scope="col">Status</th>' in page and 'data-label="Status"' in page
    assert "Grade" not in page


def test_progress_json_counts_states(client, desk):
    wave, _first, failed, _waiting = ready_failed_waiting("boom")
    client.force_login(desk)
    data = client.get(reverse("admin:certificates_handover_progress", args=[wave.pk])).json()
    assert {k: data[k] for k in ("total", "ready", "pending", "rendering", "failed", "done", "percent")} == {
        "total": 3,
        "ready": 1,
        "pending": 1,
        "rendering": 0,
        "failed": 1,
        "done": False,
        "percent": 33,
    }
    rows = {row["id"]: row for row in data["rows"]}
    assert rows[failed.pk]["error"] == "boom" and rows[failed.pk]["label"] == "Échec de la génération"


def test_generate_all_then_print_all_in_appointment_order(client, desk, django_capture_on_commit_callbacks):
    wave = confirmed_wave(3, 10)
    client.force_login(desk)
    print_url = reverse("admin:certificates_handover_print", args=[wave.pk])
    response = client.get(print_url)  # nothing generated yet: refused with a message
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:certificates_handover_generate", args=[wave.pk]), follow=True)
    assert "3 attestations mises en génération" in response.content.decode()
    handovers = list(Handover.objects.filter(wave=wave).order_by("sequence"))
    assert {h.state for h in handovers} == {S.READY}
    data = client.get(reverse("admin:certificates_handover_progress", args=[wave.pk])).json()
    assert data["done"] and data["percent"] == 100
    response = client.get(print_url, {"copies": "1", "sides": "1"})  # one copy, no blank pages
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert page_count(response.content) == sum(h.page_count for h in handovers)
    # Appointment order: move the last association first, the merged PDF follows.
    import io

    from pypdf import PdfReader

    last = handovers[-1]
    Allocation.objects.filter(pk=last.allocation_id).update(
        appointment_date=timezone.localdate() - timezone.timedelta(days=30)
    )
    merged = client.get(print_url).content
    first_page = PdfReader(io.BytesIO(merged)).pages[0].extract_text()
    assert last.number in first_page


def test_retry_button_regenerates_a_failed_certificate(client, desk, handover, django_capture_on_commit_callbacks):
    Handover.objects.filter(pk=handover.pk).update(state=S.FAILED, error="boom")
    client.force_login(desk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:certificates_handover_retry", args=[handover.pk]))
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.state == S.READY and handover.error == ""
    # A second click on a certificate that is no longer failed is refused with a message.
    response = client.post(reverse("admin:certificates_handover_retry", args=[handover.pk]), follow=True)
    assert "seule une génération en échec se relance" in response.content.decode()


def _desk_queries(client, wave) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:certificates_handover_desk", args=[wave.pk]))
    assert response.status_code == 200
    return len(queries)


def test_desk_and_list_query_counts_do_not_grow_with_allocations(client, desk):
    small = confirmed_wave(3, 10)
    large = confirmed_wave(30, 10, wave_number=2)
    for wave in (small, large):
        for handover in Handover.objects.filter(wave=wave)[:2]:
            services.handover_render(handover_id=handover.pk)
    client.force_login(desk)
    _desk_queries(client, small)  # warm the session and permission caches
    assert _desk_queries(client, small) == _desk_queries(client, large)
    changelist = reverse("admin:certificates_handover_changelist")
    with CaptureQueriesContext(connection) as few:
        client.get(changelist + f"?wave__id__exact={small.pk}")
    with CaptureQueriesContext(connection) as many:
        client.get(changelist + f"?wave__id__exact={large.pk}")
    assert len(few) == len(many)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:certificates_handover_progress", args=[small.pk]))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("admin:certificates_handover_progress", args=[large.pk]))
    assert len(few) == len(many) <= 8


# Recording at the counter -------------------------------------------------------------------


def test_record_page_has_two_signature_pads_and_no_inline_script(client, desk, handover):
    client.force_login(desk)
    page = client.get(record_url(handover)).content.decode()
    assert page.count("data-signature-pad") == 2 and page.count("<canvas") == 2
    assert 'src="/static/js/signature.js"' in page
    assert 'enctype="multipart/form-data"' in page
    assert handover.allocation.application.association.contact_name in page  # prefilled representative
    assert page.count('name="refused_computers"') == 12


def test_recording_at_the_counter_hands_over_and_queues_the_signed_certificate(
    client, desk, handover, django_capture_on_commit_callbacks
):
    client.force_login(desk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            record_url(handover),
            record_form(),
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:certificates_handover_desk", args=[handover.wave_id])
    handover.refresh_from_db()
    assert handover.is_signed and handover.signed_pdf and handover.state == S.READY
    assert handover.allocation.status == Allocation.Status.HANDED_OVER
    # Recorded once: the page now sends back to the desk.
    assert client.get(record_url(handover)).status_code == 302


def test_partial_handover_from_the_form(client, desk, handover):
    refused = list(handover.allocation.units.order_by("pk").values_list("computer_id", flat=True))[:1]
    client.force_login(desk)
    response = client.post(
        record_url(handover),
        record_form(refused_computers=[str(refused[0])], refusal_note="Ne démarre pas"),
    )
    assert response.status_code == 302
    assert Computer.objects.get(pk=refused[0]).status == "reconditioning"
    handover.refresh_from_db()
    assert handover.handed_over_count == 11


def test_a_unit_refused_at_the_desk_is_not_given_again_before_the_stock_checks_it(client, desk, handover):
    """Refused at the counter -> back to reconditioning, reason in its history -> never reserved by the next
    wave -> the stock operator checks it and marks it ready again."""
    from core.errors import TransitionError
    from inventory import services as inventory_services
    from inventory.models import ComputerEvent
    from tests.factories.inventory import stock_operator

    faulty = handover.allocation.units.order_by("pk").values_list("computer_id", flat=True).first()
    client.force_login(desk)
    response = client.post(
        record_url(handover),
        record_form(refused_computers=[str(faulty)], refusal_note="disque non détecté"),
    )
    assert response.status_code == 302
    unit = Computer.objects.get(pk=faulty)
    assert unit.status == Computer.Status.RECONDITIONING
    event = ComputerEvent.objects.filter(computer=unit).latest("created_at", "pk")
    assert (event.from_status, event.to_status, event.actor) == ("reserved", "reconditioning", desk)
    assert "disque non détecté" in event.note
    assert not Computer.objects.ready().filter(pk=faulty).exists()

    # The next wave: the planner counts and reserves only ready units; this one cannot be assigned.
    with pytest.raises(TransitionError):
        inventory_services.computers_reserve(computer_ids=[faulty], by=desk)
    later = confirmed_wave(1, 10, campaign=handover.wave.campaign, wave_number=2)
    taken = set(Allocation.objects.filter(wave=later).values_list("units__computer_id", flat=True))
    assert len(taken) == 10 and faulty not in taken
    assert Computer.objects.get(pk=faulty).status == Computer.Status.RECONDITIONING

    # The stock operator checks it (its wipe is still on record) and makes it ready again.
    operator = stock_operator(email="atelier@example.org")
    result = inventory_services.computers_mark_ready(computer_ids=[faulty], by=operator, note="Disque reconnecté")
    assert [c.pk for c in result.done] == [faulty]
    assert Computer.objects.get(pk=faulty).status == Computer.Status.READY


def test_paper_scan_from_the_form(client, desk, handover):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories.associations import make_pdf_bytes

    client.force_login(desk)
    response = client.post(
        record_url(handover),
        {
            "handed_over_on": timezone.localdate().isoformat(),
            "representative_name": "Nadia Benali",
            "mode": "paper",
            "signed_scan": SimpleUploadedFile("scan.pdf", make_pdf_bytes(), content_type="application/pdf"),
            "confirm_early": "on",  # the factory's appointment is days ahead
        },
    )
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.signed_scan and not handover.association_signature


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"representative_name": ""}, "Ce champ est obligatoire"),
        ({"association_signature": ""}, "Faites signer le représentant"),
        ({"association_signature": "data:image/png;base64,@@@"}, "La signature n'a pas pu être lue"),
        ({"association_signature": data_url(signature_png(ink=False))}, "La signature est vide"),
        ({"mode": "paper"}, "Joignez le scan"),
        ({"handed_over_on": "2999-01-01"}, "ne peut pas être dans le futur"),
        ({"handed_over_on": "pas une date"}, "Saisissez une date valide"),
        ({"refused_computers": ["999999"]}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_redisplays_the_form_with_the_error_next_to_the_field(client, desk, handover, data, field_error):
    client.force_login(desk)
    form = record_form(**data)
    response = client.post(record_url(handover), form)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert field_error in page
    assert "rien n'a été enregistré" in page
    handover.refresh_from_db()
    assert not handover.is_signed and handover.allocation.status == Allocation.Status.CONFIRMED


def test_templates_load_static_scripts_only():
    """The Content-Security-Policy forbids inline scripts: every <script> has a src."""
    root = Path(__file__).resolve().parents[2] / "templates"
    for template in [*root.glob("certificates/**/*.html"), *root.glob("admin/certificates/**/*.html")]:
        text = template.read_text()
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag, template
        assert " onclick=" not in text and " onload=" not in text and " style=" not in text, template


def test_desk_index_counts_per_wave(client, desk, django_capture_on_commit_callbacks):
    from donations import services as donation_services

    wave = confirmed_wave(3, 10)
    first, second, third = Handover.objects.filter(wave=wave).order_by("sequence")
    services.handover_render(handover_id=first.pk)
    Handover.objects.filter(pk=second.pk).update(state=S.FAILED, error="boom")
    donation_services.allocation_cancel(allocation=third.allocation, by=desk, reason="Association dissoute")
    client.force_login(desk)
    response = client.get(reverse("admin:certificates_handover_desk_index"))
    (row,) = response.context["waves"]
    assert (row.allocation_n, row.ready_n, row.failed_n, row.signed_n) == (2, 1, 1, 0)


def test_recording_a_cancelled_allocation_sends_back_to_the_desk(client, desk, handover):
    from donations import services as donation_services

    donation_services.allocation_cancel(allocation=handover.allocation, by=desk, reason="Association dissoute")
    client.force_login(desk)
    response = client.get(record_url(handover), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:certificates_handover_desk", args=[handover.wave_id])
    assert "Annulée" in response.content.decode()


@pytest.mark.parametrize("role", ["Guichet de remise", "Responsables de campagne"])
def test_desk_and_managers_see_the_history_of_a_certificate(client, handover, role):
    from accounts.roles import sync_roles

    sync_roles()
    client.force_login(staff_with_role(role, email="voit-historique@example.org"))
    page = client.get(reverse("admin:certificates_handover_change", args=[handover.pk])).content.decode()
    assert "historique" in page.lower() and handover.events.first().get_kind_display() in page


# How long a certificate waits (issue 12, point 11) ---------------------------------------------------


AT = timezone.make_aware(timezone.datetime(2026, 3, 12, 10, 0))


def test_the_desk_and_the_list_show_how_long_each_certificate_waits(client, desk, settings):
    """A worker killed mid-render leaves its certificate « rendering » until the sweep: the wait is shown."""
    from unittest import mock

    from certificates.selectors import waiting_label

    wave = confirmed_wave(3, 10)
    waiting, rendering, done = Handover.objects.filter(wave=wave).order_by("sequence")
    services.handover_render(handover_id=done.pk)
    Handover.objects.filter(pk=waiting.pk).update(queued_at=AT)
    Handover.objects.filter(pk=rendering.pk).update(
        state=S.RENDERING, render_started_at=AT - timezone.timedelta(minutes=1)
    )
    client.force_login(desk)
    with mock.patch("django.utils.timezone.now", return_value=AT + timezone.timedelta(minutes=2, seconds=30)):
        page = client.get(reverse("admin:certificates_handover_desk", args=[wave.pk])).content.decode()
        data = client.get(reverse("admin:certificates_handover_progress", args=[wave.pk])).json()
        listing = client.get(reverse("admin:certificates_handover_changelist")).content.decode()
        client.cookies["django_language"] = "en"
        english = client.get(reverse("admin:certificates_handover_desk", args=[wave.pk])).content.decode()
    for text in (page, listing):
        assert html.unescape(text).count("en attente d'un worker depuis 2 min") == 1
        assert html.unescape(text).count("en cours de production depuis 3 min") == 1
    waits = {row["id"]: row["wait"] for row in data["rows"]}
    assert waits == {
        waiting.pk: "en attente d'un worker depuis 2 min",
        rendering.pk: "en cours de production depuis 3 min",
        done.pk: "",
    }
    assert "waiting for a worker for 2 min" in english and "being produced for 3 min" in english
    translation.activate("fr")
    assert waiting_label(S.PENDING, AT, None, AT + timezone.timedelta(seconds=20)) == (
        "en attente d'un worker depuis moins d'une minute"
    )
    assert waiting_label(S.RENDERING, None, AT, AT + timezone.timedelta(minutes=65)) == (
        "en cours de production depuis 1 h 05 min"
    )
    assert waiting_label(S.READY, AT, AT, AT + timezone.timedelta(minutes=5)) == ""


def test_the_stuck_thresholds_are_settings(settings, django_capture_on_commit_callbacks):
    wave = confirmed_wave(1, 10)
    handover = Handover.objects.get(wave=wave)
    Handover.objects.filter(pk=handover.pk).update(state=S.RENDERING, render_started_at=AT)
    now = AT + timezone.timedelta(minutes=2)
    settings.CERTIFICATES_RENDERING_STUCK_SECONDS = 300
    assert services.handovers_requeue_stuck(now=now) == 0  # the default: 5 minutes
    settings.CERTIFICATES_RENDERING_STUCK_SECONDS = 90
    with django_capture_on_commit_callbacks(execute=True):
        assert services.handovers_requeue_stuck(now=now) == 1
    assert Handover.objects.get(pk=handover.pk).state == S.READY
    Handover.objects.filter(pk=handover.pk).update(state=S.PENDING, queued_at=AT)
    settings.CERTIFICATES_PENDING_STUCK_SECONDS = 180
    assert services.handovers_requeue_stuck(now=now) == 0
    settings.CERTIFICATES_PENDING_STUCK_SECONDS = 60
    assert services.handovers_requeue_stuck(now=now) == 1
