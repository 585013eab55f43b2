"""The association's slot picker and its .ics download (portal/views/appointments.py)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from donations import services
from donations.models import Allocation, HandoverSlot
from tests.factories.associations import member_of
from tests.factories.inventory import ready_units

pytestmark = pytest.mark.django_db
AP = Allocation.Appointment


@pytest.fixture
def confirmed(wave, applications, manager):
    """Five associations on a one-day schedule of three slots (09:00, 10:00, 11:00), two places each."""
    ready_units(150)
    wave.handover_ends_on = wave.handover_starts_on
    wave.opening_hours = "09:00-12:00"
    wave.slot_minutes = 60
    wave.desk_capacity = 2
    services.wave_save(wave=wave, by=manager)
    services.wave_plan(wave=wave, by=manager)
    services.wave_confirm(wave=wave, by=manager, notify=False)
    return wave


def slots_url(allocation):
    return reverse("donations:appointment_slots", args=[allocation.pk])


def test_the_picker_lists_the_free_slots_and_the_associations_own(client, confirmed, first, member):
    client.force_login(member)
    content = client.get(slots_url(first)).content.decode()
    nine, ten, eleven = HandoverSlot.objects.filter(wave=confirmed).order_by("start")
    # 09:00 and 10:00 are full (2 + 2), 11:00 has one place left; the association's own slot (09:00) is shown.
    assert f'value="{nine.pk}"' in content and "votre créneau" in content
    assert f'value="{ten.pk}"' not in content
    assert f'value="{eleven.pk}"' in content and "1 place libre" in content
    assert "Ajouter à mon agenda (.ics)" in content


def test_picking_a_free_slot_books_it_and_emails_the_ics(
    client, confirmed, first, member, django_capture_on_commit_callbacks
):
    eleven = HandoverSlot.objects.filter(wave=confirmed).order_by("start").last()
    client.force_login(member)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(slots_url(first), {"slot": eleven.pk})
    assert response.status_code == 302 and response["Location"] == first.application.get_absolute_url()
    first.refresh_from_db()
    assert (first.slot_id, first.appointment_status) == (eleven.pk, AP.ACCEPTED)
    assert first.appointment_start == datetime.time(11)
    (message,) = mail.outbox
    assert message.attachments[0][0].endswith(".ics")
    # Now 11:00 is full: a second association asking for it is told, in French, and nothing changes.
    other = confirmed.allocations.exclude(pk=first.pk).order_by("position").first()
    other_member = member_of(other.application.association, email="autre@asso.example.org")
    client.force_login(other_member)
    before = other.slot_id
    response = client.post(slots_url(other), {"slot": eleven.pk})
    assert response.status_code == 400
    assert "Ce créneau vient d&#x27;être pris" in response.content.decode() or "vient d'être pris" in (
        response.content.decode()
    )
    assert Allocation.objects.get(pk=other.pk).slot_id == before


@pytest.mark.parametrize("value", ["", "abc", "999999999"])
def test_bad_slot_values_are_refused_without_a_500(client, first, member, value):
    client.force_login(member)
    before = Allocation.objects.values("slot_id", "appointment_status").get(pk=first.pk)
    response = client.post(slots_url(first), {"slot": value})
    assert response.status_code == 400
    assert Allocation.objects.values("slot_id", "appointment_status").get(pk=first.pk) == before


def test_the_ics_download(client, first, member):
    client.force_login(member)
    response = client.get(reverse("donations:appointment_ics", args=[first.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="rendez-vous-remise-')
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "SUMMARY:Remise des ordinateurs" in body


def test_the_application_page_links_to_the_picker_and_the_ics(client, first, member):
    client.force_login(member)
    content = client.get(first.application.get_absolute_url()).content.decode()
    assert slots_url(first) in content
    assert reverse("donations:appointment_ics", args=[first.pk]) in content
