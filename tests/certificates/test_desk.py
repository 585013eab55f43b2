"""The handover desk at the counter: next appointment, the day's appointments, two copies, early handovers."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates import services
from certificates.models import Handover
from certificates.pdf import html_to_pdf, merge_pdfs, page_count
from donations.models import Allocation
from tests.certificates.conftest import record_form, record_handover, record_url
from tests.factories.certificates import confirmed_wave

pytestmark = pytest.mark.django_db


def make_pdf_with_pages(n: int) -> bytes:
    body = "".join(f'<p style="{"break-before: page" if i else ""}">page {i + 1} of {n}</p>' for i in range(n))
    return html_to_pdf(f"<html><body>{body}</body></html>", base_url=".", allowed_roots=[])


def schedule(allocation, day, hour, minute=0) -> None:
    start = datetime.time(hour, minute)
    end = (datetime.datetime.combine(day, start) + datetime.timedelta(minutes=30)).time()
    Allocation.objects.filter(pk=allocation.pk).update(
        appointment_date=day, appointment_start=start, appointment_end=end
    )


@pytest.fixture
def day_wave(db):
    """Three associations: today at 11:00, today at 9:00, tomorrow at 9:00 (created in that order)."""
    wave = confirmed_wave(3, 10)
    today = timezone.localdate()
    late, early, tomorrow = wave.allocations.order_by("position", "pk")
    schedule(late, today, 11)
    schedule(early, today, 9)
    schedule(tomorrow, today + datetime.timedelta(days=1), 9)
    return wave, [Handover.objects.get(allocation=a) for a in (early, late, tomorrow)]


def test_the_desk_shows_todays_appointments_in_time_order_with_the_next_one(client, desk, day_wave):
    wave, (first, second, tomorrow) = day_wave
    client.force_login(desk)
    page = client.get(reverse("admin:certificates_handover_desk", args=[wave.pk])).content.decode()
    assert page.index(first.number) < page.index(second.number)
    assert tomorrow.number not in page  # today's appointments only, by default
    assert f'href="{record_url(first)}">Rendez-vous suivant' in page.replace('class="button default cert-next" ', "")
    every_day = client.get(reverse("admin:certificates_handover_desk", args=[wave.pk]), {"day": "all"})
    assert tomorrow.number in every_day.content.decode()
    assert 'id="nav-sidebar"' not in page  # the admin's side menu folds away on the desk


def test_recording_a_handover_goes_on_to_the_next_appointment_then_back_to_the_desk(client, desk, day_wave):
    wave, (first, second, tomorrow) = day_wave
    client.force_login(desk)
    response = client.post(record_url(first), record_form())
    assert response.status_code == 302 and response["Location"] == record_url(second) + "?after=1"
    next_page = client.get(response["Location"]).content.decode()
    assert "Remise enregistrée pour" in next_page and "Rendez-vous suivant" in next_page
    response = client.post(record_url(second), record_form())
    assert response["Location"] == record_url(tomorrow) + "?after=1"
    response = client.post(record_url(tomorrow), record_form())
    assert response["Location"] == reverse("admin:certificates_handover_desk", args=[wave.pk])


def test_a_handover_before_its_appointment_day_asks_for_a_confirmation(client, desk, day_wave):
    wave, (_first, _second, tomorrow) = day_wave
    client.force_login(desk)
    page = client.get(record_url(tomorrow)).content.decode()
    assert 'name="confirm_early"' in page
    data = record_form()
    del data["confirm_early"]
    response = client.post(record_url(tomorrow), data)
    assert response.status_code == 400
    assert "cochez la case pour confirmer" in response.content.decode()
    tomorrow.refresh_from_db()
    assert not tomorrow.is_signed and tomorrow.allocation.status == Allocation.Status.CONFIRMED
    response = client.post(record_url(tomorrow), {**data, "confirm_early": "on"})
    assert response.status_code == 302
    tomorrow.refresh_from_db()
    assert tomorrow.is_signed


def test_the_service_refuses_an_early_handover_without_confirmation(desk, day_wave):
    _wave, (first, _second, tomorrow) = day_wave
    with pytest.raises(ValidationError) as error:
        record_handover(tomorrow, desk, before_appointment_confirmed=False, notify=False)
    assert "confirm_early" in error.value.message_dict
    tomorrow.refresh_from_db()
    assert not tomorrow.is_signed
    # On the day (or after) no confirmation is needed.
    assert record_handover(first, desk, before_appointment_confirmed=False, notify=False).is_signed


def test_merge_repeats_each_document_and_pads_odd_copies_for_duplex():
    three, two = make_pdf_with_pages(3), make_pdf_with_pages(2)
    assert page_count(merge_pdfs([three, two])) == 5
    assert page_count(merge_pdfs([three, two], copies=2)) == 10
    merged = merge_pdfs([three, two], copies=2, pad_to_even=True)
    assert page_count(merged) == 12  # 3 + blank, 3 + blank, 2, 2
    pages = PdfReader(io.BytesIO(merged)).pages
    assert [bool(p.extract_text().strip()) for p in pages[:8]] == [True, True, True, False] * 2


def test_print_all_gives_two_copies_of_each_certificate_in_appointment_order(client, desk, day_wave):
    wave, handovers = day_wave
    for handover in handovers:
        services.handover_render(handover_id=handover.pk)
    handovers = [Handover.objects.get(pk=h.pk) for h in handovers]
    client.force_login(desk)
    url = reverse("admin:certificates_handover_print", args=[wave.pk])
    response = client.get(url)  # the default: two copies, recto verso
    assert response.status_code == 200 and "2-exemplaires" in response["Content-Disposition"]
    padded = [h.page_count + h.page_count % 2 for h in handovers]
    assert page_count(response.content) == 2 * sum(padded)
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert handovers[0].number in pages[0].extract_text()
    assert handovers[0].number in pages[padded[0]].extract_text()  # the second copy follows the first
    assert handovers[1].number in pages[2 * padded[0]].extract_text()
    single = client.get(url, {"copies": "1", "sides": "1"})
    assert page_count(single.content) == sum(h.page_count for h in handovers)
    desk_page = client.get(reverse("admin:certificates_handover_desk", args=[wave.pk])).content.decode()
    assert 'name="copies"' in desk_page and '<option value="2" selected>' in desk_page


def test_the_certificates_list_shows_the_pages_of_the_document_handed_out(
    client, desk, day_wave, django_capture_on_commit_callbacks
):
    """The demo records its handovers before the first render: no unsigned PDF, page_count 0, yet the signed
    certificate has its pages. The list shows those, « en cours » while rendering, never « 0 »."""
    wave, (first, second, _tomorrow) = day_wave
    with django_capture_on_commit_callbacks(execute=True):  # recorded before any render; the signed one renders
        record_handover(first, desk, notify=False)
    first.refresh_from_db()
    assert first.signed_pdf and not first.pdf and first.page_count == 0 and first.signed_page_count > 0
    client.force_login(desk)
    page = client.get(reverse("admin:certificates_handover_changelist")).content.decode()
    row = page[page.index(first.number) :]
    row = row[: row.index("</tr>")]
    assert f'<td class="field-pages">{first.signed_page_count}</td>' in row
    row = page[page.index(second.number) :]
    row = row[: row.index("</tr>")]
    assert '<td class="field-pages">en cours</td>' in row
