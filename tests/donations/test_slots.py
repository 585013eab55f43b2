"""Handover slots: a wave's schedule with places, bookings that never exceed them (concurrent ones included,
on PostgreSQL), the association's own choice of slot, the .ics file and the reminder two days before."""

from __future__ import annotations

import datetime
import os
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from core.errors import DomainError, TransitionError
from donations import services
from donations.calendar import escape_text, fold
from donations.models import Allocation, AppointmentReminder, HandoverSlot, Wave
from tests.conftest import require
from tests.factories.accounts import staff_with_role
from tests.factories.associations import approved_application, member_of
from tests.factories.campaigns import CampaignFactory
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_units
from tests.threads import run_together

AP = Allocation.Appointment
PARIS = ZoneInfo("Europe/Paris")


def monday_in(weeks: int, today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=7 * weeks - today.weekday())


def planned_wave(n: int, *, hours="09:00-10:30", minutes=45, desk=2, days=1, start=None, final_lot=False):
    """A wave of ``n`` associations (10 units each), planned; its handover days start on a Monday two weeks ahead.

    With the defaults: one day, two slots (09:00 and 09:45), two associations at once: four places."""
    manager = staff_with_role(roles.CAMPAIGN_MANAGER, email="responsable@example.org")
    campaign = CampaignFactory()
    first = start or monday_in(2, timezone.localdate())
    wave = WaveFactory(
        campaign=campaign,
        number=1,
        capacity=10 * n,
        handover_starts_on=first,
        handover_ends_on=first + datetime.timedelta(days=days - 1),
        opening_hours=hours,
        slot_minutes=minutes,
        desk_capacity=desk,
        is_final_lot=final_lot,
    )
    ready_units(10 * n)
    for _i in range(n):
        approved_application(campaign, 10)
    services.wave_plan(wave=wave, by=manager)
    return wave, manager


def booked_per_slot(wave) -> dict[tuple, int]:
    rows = (
        Allocation.objects.filter(wave=wave, status__in=Allocation.HOLDING_UNITS_STATUSES, slot__isnull=False)
        .values_list("slot__date", "slot__start")
        .annotate(n=Count("pk"))
    )
    return {(day, start): n for day, start, n in rows}


# Confirming a wave -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_confirming_a_wave_fills_each_slot_up_to_its_places_never_beyond():
    wave, manager = planned_wave(4)
    services.wave_confirm(wave=wave, by=manager, notify=False)
    day = wave.handover_starts_on
    assert booked_per_slot(wave) == {(day, datetime.time(9, 0)): 2, (day, datetime.time(9, 45)): 2}
    for allocation in wave.allocations.select_related("slot"):
        assert allocation.appointment_status == AP.PROPOSED
        assert (allocation.appointment_date, allocation.appointment_start, allocation.appointment_end) == (
            allocation.slot.date,
            allocation.slot.start,
            allocation.slot.end,
        )
    # The slots were made from the wave's schedule: its days, opening hours, length and places.
    assert list(wave.slots.values_list("start", "end", "capacity")) == [
        (datetime.time(9, 0), datetime.time(9, 45), 2),
        (datetime.time(9, 45), datetime.time(10, 30), 2),
    ]


@pytest.mark.django_db
def test_a_wave_needing_more_days_is_refused_in_french_and_nothing_is_written():
    wave, manager = planned_wave(5)  # 5 associations, 4 places
    with pytest.raises(DomainError, match="Pas assez de créneaux de remise : 5 associations à recevoir, 4 places"):
        services.wave_confirm(wave=wave, by=manager, notify=False)
    wave.refresh_from_db()
    assert wave.status == Wave.Status.PLANNING
    assert not wave.allocations.exclude(status=Allocation.Status.PROPOSED).exists()
    assert not wave.allocations.filter(slot__isnull=False).exists()
    assert not HandoverSlot.objects.filter(wave=wave).exists()
    # One more day: it fits.
    wave.handover_ends_on = wave.handover_starts_on + datetime.timedelta(days=1)
    services.wave_save(wave=wave, by=manager, changed=["handover_ends_on"])
    services.wave_confirm(wave=wave, by=manager, notify=False)
    assert max(booked_per_slot(wave).values()) <= 2
    assert wave.allocations.filter(slot__isnull=False).count() == 5


@pytest.mark.django_db
def test_the_plan_page_warns_before_confirming_when_places_are_short(client):
    from django.urls import reverse

    from tests.factories.accounts import UserFactory

    wave, _manager = planned_wave(5)
    admin = UserFactory(is_staff=True, is_superuser=True, email="root@example.org")
    client.force_login(admin)
    page = client.get(reverse("admin:donations_wave_plan", args=[wave.pk])).content.decode()
    assert "n'a que 4 places sur 1 jour pour 5 associations" in page
    assert "Planning des remises : 4 places (2 créneaux sur 1 jour)." in page
    # Confirming from the admin anyway: the reason on the plan page, nothing written.
    response = client.post(reverse("admin:donations_wave_plan_confirm", args=[wave.pk]), follow=True)
    assert "Pas assez de créneaux de remise : 5 associations à recevoir, 4 places" in response.content.decode()
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.PLANNING
    assert not HandoverSlot.objects.filter(wave=wave).exists()
    assert not Allocation.objects.filter(wave=wave).exclude(status=Allocation.Status.PROPOSED).exists()


@pytest.mark.django_db
def test_a_late_confirmation_takes_a_free_place_or_is_refused(client):
    wave, manager = planned_wave(4, hours="09:00-09:45", desk=3)  # one slot of 3 places
    # Leave one line out, then confirm the wave: 3 places, 3 associations.
    last = wave.allocations.order_by("-position").first()
    services.wave_edit_plan(wave=wave, by=manager, quantities={}, remove=[last.pk])
    services.wave_confirm(wave=wave, by=manager, notify=False)
    application = last.application
    late = services.wave_add_application  # the wave is confirmed: add a proposed line by hand instead
    with pytest.raises(DomainError):
        late(wave=wave, application=application, quantity=10, by=manager)
    proposed = Allocation.objects.create(wave=wave, application=application, quantity=10, position=9)
    with pytest.raises(DomainError, match="Pas assez de créneaux"):
        services.allocation_confirm(allocation=proposed, by=manager)
    proposed.refresh_from_db()
    assert proposed.status == Allocation.Status.PROPOSED and proposed.slot_id is None
    # The manager widens the slot: now it fits.
    slot = wave.slots.get()
    slot.capacity = 4
    services.slot_save(slot=slot, by=manager)
    services.allocation_confirm(allocation=proposed, by=manager)
    proposed.refresh_from_db()
    assert proposed.slot_id == slot.pk
    # A slot never gets fewer places than its bookings: refused in the admin, with the reason, nothing written.
    slot.capacity = 3
    with pytest.raises(DomainError, match="ne peut pas avoir moins de places"):
        services.slot_save(slot=slot, by=manager)
    client.force_login(manager)
    url = reverse("admin:donations_handoverslot_change", args=[slot.pk])
    data = {"date": slot.date.isoformat(), "start": "09:00", "end": "09:45", "capacity": "2"}
    response = client.post(url, data, follow=True)
    assert "Ce créneau a déjà 4 associations" in response.content.decode()
    assert HandoverSlot.objects.get(pk=slot.pk).capacity == 4


@pytest.mark.django_db
def test_slots_made_before_confirming_can_be_adjusted_and_follow_the_schedule(client):
    wave, manager = planned_wave(3, hours="09:00-10:30", desk=1)  # 2 slots of 1 place: short by one
    client.force_login(manager)
    changelist = reverse("admin:donations_wave_changelist")
    response = client.post(changelist, {"action": "generate_slots", "_selected_action": [wave.pk]}, follow=True)
    assert "2 créneaux créés" in response.content.decode()
    assert wave.slots.count() == 2
    # The manager adds an afternoon slot by hand, in the slots' admin: now the wave fits.
    add = reverse("admin:donations_handoverslot_add")
    day = wave.handover_starts_on.isoformat()
    response = client.post(add, {"wave": wave.pk, "date": day, "start": "14:00", "end": "15:00", "capacity": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    services.wave_confirm(wave=wave, by=manager, notify=False)
    assert sorted(wave.allocations.values_list("appointment_start", flat=True)) == [
        datetime.time(9),
        datetime.time(9, 45),
        datetime.time(14),
    ]


@pytest.mark.django_db
def test_changing_the_schedule_of_a_wave_being_planned_remakes_its_slots():
    wave, manager = planned_wave(2, hours="09:00-10:30", desk=1)
    services.wave_slots_generate(wave=wave, by=manager)
    wave.opening_hours = "14:00-16:00"
    wave.slot_minutes = 60
    services.wave_save(wave=wave, by=manager, changed=["opening_hours", "slot_minutes"])
    assert not wave.slots.exists()
    services.wave_confirm(wave=wave, by=manager, notify=False)
    assert list(wave.slots.values_list("start", flat=True)) == [datetime.time(14), datetime.time(15)]


# The association picks its slot ----------------------------------------------------------------------


def confirmed(n=4, **kwargs):
    wave, manager = planned_wave(n, **kwargs)
    services.wave_confirm(wave=wave, by=manager, notify=False)
    allocations = list(wave.allocations.select_related("application__association").order_by("position"))
    members = [
        member_of(a.application.association, email=f"membre{i}@asso.example.org") for i, a in enumerate(allocations)
    ]
    return wave, manager, allocations, members


@pytest.mark.django_db
def test_an_association_picks_a_free_slot_and_gets_it_by_email_with_the_ics(django_capture_on_commit_callbacks):
    wave, _manager, allocations, members = confirmed(3, hours="09:00-11:15", desk=1)  # 3 slots, all taken
    extra = HandoverSlot.objects.create(
        wave=wave, date=wave.handover_starts_on, start=datetime.time(14), end=datetime.time(14, 45), capacity=1
    )
    first = allocations[0]
    freed = first.slot_id
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.allocation_book_slot(allocation=first, slot_id=extra.pk, by=members[0])
    first.refresh_from_db()
    assert (first.slot_id, first.appointment_status, first.appointment_start) == (extra.pk, AP.ACCEPTED, extra.start)
    (message,) = mail.outbox
    assert message.to == [members[0].email]
    assert "à 14 h" in " ".join(message.subject.split())  # the time in words (French typography)
    ((name, content, mimetype),) = message.attachments
    assert name.endswith(".ics") and mimetype.startswith("text/calendar")
    content = content.decode() if isinstance(content, bytes) else content
    assert "BEGIN:VEVENT" in content and "DTSTART:" in content
    # Its old slot is free again; a full slot is refused, nothing changes.
    second = allocations[1]
    with pytest.raises(DomainError, match="vient d'être pris"):
        services.allocation_book_slot(allocation=second, slot_id=extra.pk, by=members[1])
    second_slot = Allocation.objects.get(pk=second.pk).slot_id
    services.allocation_book_slot(allocation=second, slot_id=freed, by=members[1])
    assert second_slot != freed
    assert Allocation.objects.get(pk=second.pk).slot_id == freed


@pytest.mark.django_db
def test_slots_of_another_wave_or_in_the_past_are_refused():
    wave, _manager, allocations, members = confirmed(1)
    other_wave, _m = planned_wave(1)
    services.wave_confirm(wave=other_wave, by=_m, notify=False)
    foreign = other_wave.slots.first()
    with pytest.raises(DomainError, match="n'existe pas pour cette vague"):
        services.allocation_book_slot(allocation=allocations[0], slot_id=foreign.pk, by=members[0])
    past = HandoverSlot.objects.create(
        wave=wave,
        date=wave.handover_starts_on - datetime.timedelta(days=30),
        start=datetime.time(9),
        end=datetime.time(10),
    )
    with pytest.raises(DomainError, match="passé"):
        services.allocation_book_slot(allocation=allocations[0], slot_id=past.pk, by=members[0])


@pytest.mark.django_db
def test_after_asking_for_another_slot_the_association_picks_one_itself():
    _wave, _manager, allocations, members = confirmed(2)
    allocation = allocations[0]
    services.allocation_appointment_request_change(allocation=allocation, by=members[0], message="Le mardi.")
    with pytest.raises(TransitionError):
        services.allocation_appointment_accept(allocation=allocation, by=members[0])
    free = HandoverSlot.objects.filter(wave=allocation.wave).exclude(pk=allocation.slot_id).first()
    services.allocation_book_slot(allocation=allocation, slot_id=free.pk, by=members[0])
    allocation.refresh_from_db()
    assert allocation.appointment_status == AP.ACCEPTED and allocation.appointment_request == ""


@pytest.mark.postgres
@pytest.mark.skipif(
    "FAKETIME" in os.environ,
    reason="threads' timed waits fail with EINVAL under libfaketime; the race does not depend on the date and runs "
    "in the main suite",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_never_exceed_a_slots_places(monkeypatch):
    """Six associations try the same slot (2 places) at the same moment, each in its own connection: two get it.

    Each booking waits 0.3 s after its check, inside its transaction: without the row lock on the slot, all six
    would see the slot free and all six would get it."""
    require(connection.vendor == "postgresql", "needs PostgreSQL")
    wave, _manager, allocations, members = confirmed(6, hours="09:00-12:00", minutes=30, desk=2)  # 6 slots x 2
    target = HandoverSlot.objects.create(
        wave=wave, date=wave.handover_starts_on, start=datetime.time(16), end=datetime.time(16, 30), capacity=2
    )
    from donations.services import allocations as allocation_services

    original = allocation_services.lock_free_slot

    def slow(*args, **kwargs):
        slot = original(*args, **kwargs)
        time.sleep(0.3)
        return slot

    monkeypatch.setattr(allocation_services, "lock_free_slot", slow)
    outcomes = run_together(
        [
            lambda i=i: services.allocation_book_slot(allocation=allocations[i], slot_id=target.pk, by=members[i])
            for i in range(len(allocations))
        ],
        timeout=60,
    )
    assert [kind for kind, _ in outcomes].count("ok") == 2, outcomes
    assert all(kind == "ok" or (kind == "refused" and "vient d'être pris" in m) for kind, m in outcomes), outcomes
    assert Allocation.objects.filter(slot=target).count() == 2
    # And no slot of the wave holds more than its places.
    for slot in HandoverSlot.objects.filter(wave=wave).with_booked():
        assert slot.booked <= slot.capacity


# The .ics file ---------------------------------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def event_fields(text: str) -> dict[str, str]:
    """The properties of the VEVENT (its VALARM left out)."""
    lines = unfold(text)
    event = lines[lines.index("BEGIN:VEVENT") + 1 : lines.index("BEGIN:VALARM")]
    return dict(line.split(":", 1) for line in event)


@pytest.mark.django_db
def test_ics_file_follows_rfc_5545():
    _wave, manager, allocations, _members = confirmed(1)
    allocation = allocations[0]
    services.allocation_set_appointment(
        allocation=allocation,
        by=manager,
        date=monday_in(3, timezone.localdate()),
        start=datetime.time(10),
        end=datetime.time(10, 45),
        place="Cité des associations, 93 La Canebière; 13001 Marseille",
    )
    allocation.refresh_from_db()
    name, content, mimetype = services.appointment_ics(allocation)
    assert mimetype == "text/calendar; charset=utf-8"
    assert name == f"rendez-vous-remise-{allocation.appointment_date:%Y-%m-%d}.ics"
    text = content.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n")), "a line is not folded"
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    fields = {**dict(line.split(":", 1) for line in lines if ":" in line), **event_fields(text)}
    local = datetime.datetime.combine(allocation.appointment_date, datetime.time(10), tzinfo=PARIS)
    assert fields["DTSTART"] == local.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert fields["DTEND"] == (local + datetime.timedelta(minutes=45)).astimezone(datetime.UTC).strftime(
        "%Y%m%dT%H%M%SZ"
    )
    assert fields["LOCATION"] == "Cité des associations\\, 93 La Canebière\\; 13001 Marseille"
    assert fields["UID"] == f"remise-{allocation.pk}@127.0.0.1" or fields["UID"].startswith(f"remise-{allocation.pk}@")
    assert fields["VERSION"] == "2.0" and "PRODID" in fields and "DTSTAMP" in fields
    assert allocation.application.association.legal_name.replace(",", "\\,") in fields["DESCRIPTION"]
    # Moving the appointment keeps the UID and raises SEQUENCE: calendars replace the event.
    before = int(fields["SEQUENCE"])
    services.allocation_set_appointment(
        allocation=allocation,
        by=manager,
        date=allocation.appointment_date,
        start=datetime.time(14),
        end=datetime.time(14, 45),
    )
    allocation.refresh_from_db()
    moved = event_fields(services.appointment_ics(allocation)[1].decode())
    assert moved["UID"] == fields["UID"] and int(moved["SEQUENCE"]) == before + 1


def test_ics_text_escaping_and_folding_keep_characters_whole():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "é" * 80
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert folded.replace("\r\n ", "") == line


# Reminders two days before ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminder_is_sent_two_days_before_exactly_once(django_capture_on_commit_callbacks):
    moment = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=PARIS)  # a Monday
    with time_machine.travel(moment, tick=False):
        _wave, manager, allocations, members = confirmed(1)
        allocation = allocations[0]

    def appoint(now: datetime.datetime, day: datetime.date, hour: int) -> None:
        """At ``now``, the appointment is set on ``day`` from ``hour`` for 45 minutes."""
        with time_machine.travel(now, tick=False):
            services.allocation_set_appointment(
                allocation=allocation,
                by=manager,
                date=day,
                start=datetime.time(hour),
                end=datetime.time(hour, 45),
            )

    appoint(moment, datetime.date(2027, 3, 19), 10)

    def run(day: datetime.date, hour: int = 7) -> int:
        now = datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)
        mail.outbox.clear()
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            return services.appointment_reminders_send()

    assert run(datetime.date(2027, 3, 16)) == 0  # three days before: not yet
    assert mail.outbox == []
    assert run(datetime.date(2027, 3, 17)) == 1  # two days before
    (message,) = mail.outbox
    assert message.to == [members[0].email]
    assert "Rappel" in message.subject and "vendredi 19 mars 2027 à 10 h" in " ".join(message.subject.split())
    assert message.attachments and message.attachments[0][0].endswith(".ics")
    assert run(datetime.date(2027, 3, 17), hour=15) == 0  # the next run the same day
    assert run(datetime.date(2027, 3, 18)) == 0  # the day before
    assert mail.outbox == []
    assert AppointmentReminder.objects.filter(allocation=allocation).count() == 1
    # The appointment moves later: it gets its own reminder, once.
    appoint(datetime.datetime(2027, 3, 18, 12, tzinfo=PARIS), datetime.date(2027, 3, 26), 9)
    assert run(datetime.date(2027, 3, 23)) == 0
    assert run(datetime.date(2027, 3, 24)) == 1
    assert run(datetime.date(2027, 3, 25)) == 0
    assert AppointmentReminder.objects.filter(allocation=allocation).count() == 2


@pytest.mark.django_db
def test_reminder_task_runs_the_service(django_capture_on_commit_callbacks):
    from donations.tasks import send_appointment_reminders

    moment = datetime.datetime(2027, 6, 7, 8, 0, tzinfo=PARIS)
    with time_machine.travel(moment, tick=False):
        _wave, manager, allocations, _members = confirmed(1)
        services.allocation_set_appointment(
            allocation=allocations[0],
            by=manager,
            date=datetime.date(2027, 6, 9),
            start=datetime.time(9),
            end=datetime.time(10),
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert send_appointment_reminders.delay().get() == 1
            assert send_appointment_reminders.delay().get() == 0
