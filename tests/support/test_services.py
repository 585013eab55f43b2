"""The after-sales services: reporting under warranty, questions and answers, repair, replacement."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import DomainError, TransitionError
from core.models import OutboxEmail
from donations.models import AllocationEvent, AllocationUnit
from inventory.models import Computer, ComputerEvent
from support import services
from support.models import Ticket, TicketEvent, TicketMessage, TicketPhoto
from tests.factories.accounts import UserFactory
from tests.factories.inventory import ready_computers, stock_operator
from tests.factories.support import handed_over, jpeg_bytes, photo_upload
from tests.support.conftest import PARIS

pytestmark = pytest.mark.django_db
S = Ticket.Status


def report(given, computer=None, **kwargs) -> Ticket:
    arguments = {
        "by": given.member,
        "computer_id": (computer or given.computers[0]).pk,
        "description": "L'écran reste noir au démarrage.",
        **kwargs,
    }
    return services.ticket_report(**arguments)


def test_a_member_reports_a_unit_under_warranty_with_photos(given):
    ticket = report(given, photos=[photo_upload(), photo_upload("vue.jpg", jpeg_bytes(), "image/jpeg")])
    assert ticket.status == S.NEW
    assert ticket.association == given.association and ticket.allocation == given.allocation
    assert ticket.warranty_ends_on == datetime.date(2027, 9, 2)
    assert sorted(TicketPhoto.objects.filter(ticket=ticket).values_list("image_type", flat=True)) == ["jpg", "png"]
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.CREATED, actor=given.member).count() == 1


def test_the_warranty_ends_with_its_last_day(given, clock):
    clock.move_to(datetime.datetime(2027, 9, 2, 23, 0, tzinfo=PARIS))
    assert report(given).warranty_ends_on == datetime.date(2027, 9, 2)
    clock.move_to(datetime.datetime(2027, 9, 3, 9, 0, tzinfo=PARIS))
    with pytest.raises(ValidationError) as refused:
        report(given, computer=given.computers[1])
    message = refused.value.message_dict["computer"][0]
    assert "n'est plus sous garantie" in message and given.campaign.contact_email in message
    assert Ticket.objects.count() == 1


def test_a_campaign_without_warranty_takes_no_report(given):
    given.campaign.warranty_months = 0
    given.campaign.save(update_fields=["warranty_months"])
    with pytest.raises(ValidationError, match="plus sous garantie"):
        report(given)
    assert not Ticket.objects.exists()


def test_nobody_reports_another_associations_unit(given):
    other = handed_over(10, handed_over_on=given.handover.handed_over_on)
    for person in (other.member, UserFactory(), stock_operator()):
        with pytest.raises(ValidationError) as refused:
            report(given, by=person)
        assert "computer" in refused.value.message_dict
    assert not Ticket.objects.exists()


def test_a_unit_has_one_open_ticket_at_a_time(given):
    report(given)
    with pytest.raises(ValidationError, match="déjà un signalement en cours"):
        report(given)
    # The database refuses it too, whatever the code does.
    ticket = Ticket.objects.get()
    duplicate = Ticket(
        association=ticket.association,
        allocation=ticket.allocation,
        handover=ticket.handover,
        computer=ticket.computer,
        description="bis",
        warranty_ends_on=ticket.warranty_ends_on,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.parametrize(
    ("description", "photos", "field"),
    [
        ("", [], "description"),
        ("   ", [], "description"),
        ("a\x00b", [], "description"),
        ("x" * 2001, [], "description"),
        ("Écran noir", [photo_upload("faux.png", b"<html><script>alert(1)</script></html>")], "photos"),
        ("Écran noir", [photo_upload("vide.png", b"")], "photos"),
        ("Écran noir", [photo_upload("coupee.png", photo_upload().read()[:60])], "photos"),
        ("Écran noir", [photo_upload() for _i in range(4)], "photos"),
    ],
    ids=["empty", "blank", "nul", "too-long", "html-as-png", "empty-file", "truncated", "four-photos"],
)
def test_hostile_reports_are_refused_per_field_and_change_nothing(given, description, photos, field):
    with pytest.raises(ValidationError) as refused:
        report(given, description=description, photos=photos)
    assert field in refused.value.message_dict
    assert not Ticket.objects.exists() and not TicketPhoto.objects.exists()


def test_a_huge_picture_is_refused_before_it_is_decoded(given):
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    # A few bytes declaring 20000 x 20000 pixels.
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
    bomb += chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    with pytest.raises(ValidationError, match="trop grande"):
        report(given, photos=[photo_upload("bombe.png", bomb)])


def test_question_and_answer(given, django_capture_on_commit_callbacks):
    ticket = report(given)
    operator = stock_operator()
    ticket = services.ticket_ask(ticket=ticket, by=operator, question="Le voyant s'allume-t-il ?")
    assert ticket.status == S.QUESTION
    email = OutboxEmail.objects.get(template="support_question")
    assert email.to == [given.member.email]
    assert "Le voyant s'allume-t-il ?" in email.context["message"]
    ticket = services.ticket_answer(ticket=ticket, by=given.member, body="Oui, en orange.")
    assert ticket.status == S.NEW
    assert list(TicketMessage.objects.filter(ticket=ticket).values_list("from_staff", flat=True)) == [True, False]
    moves = list(TicketEvent.objects.filter(ticket=ticket, kind="status").values_list("from_status", "to_status"))
    assert moves == [(S.NEW, S.QUESTION), (S.QUESTION, S.NEW)]


def test_the_repair_path(given):
    ticket = report(given)
    operator = stock_operator()
    ticket = services.ticket_request_return(ticket=ticket, by=operator, instructions="Atelier, mardi 9 h – 12 h.")
    ticket = services.ticket_receive(ticket=ticket, by=operator)
    ticket = services.ticket_give_back(ticket=ticket, by=operator, note="Alimentation changée.")
    assert ticket.status == S.RETURNED and ticket.closed_at is not None
    assert OutboxEmail.objects.filter(template="support_update").count() == 3
    # Each decision's words are in the thread the association reads.
    thread = list(TicketMessage.objects.filter(ticket=ticket, from_staff=True).values_list("body", flat=True))
    assert thread == ["Atelier, mardi 9 h – 12 h.", "L'ordinateur est arrivé à l'atelier.", "Alimentation changée."]
    # The unit stays the association's, handed over, in its allocation.
    unit = Computer.objects.get(pk=ticket.computer_id)
    assert unit.status == Computer.Status.HANDED_OVER
    assert AllocationUnit.objects.filter(computer=unit, allocation=given.allocation, released_at=None).exists()
    # A closed ticket takes no more answers; a new report of the same unit is possible.
    with pytest.raises(DomainError):
        services.ticket_answer(ticket=ticket, by=given.member, body="Merci")
    assert report(given).status == S.NEW


def test_every_forbidden_move_is_refused(given):
    """Each (from, to) the table refuses raises and writes nothing, through the service that performs ``to``."""
    operator = stock_operator()
    table = Ticket.TRANSITIONS
    performs = {
        S.QUESTION: lambda t: services.ticket_ask(ticket=t, by=operator, question="?"),
        S.TO_RETURN: lambda t: services.ticket_request_return(ticket=t, by=operator, instructions="Atelier"),
        S.IN_REPAIR: lambda t: services.ticket_receive(ticket=t, by=operator),
        S.RETURNED: lambda t: services.ticket_give_back(ticket=t, by=operator, note="ok"),
        S.CLOSED: lambda t: services.ticket_close(ticket=t, by=operator, reason="Rien trouvé"),
    }
    ticket = report(given)
    for source, target in sorted(table.forbidden()):
        if target not in performs:
            continue
        replacement = given.computers[-1] if source == S.REPLACED else None  # the database wants it named
        Ticket.objects.filter(pk=ticket.pk).update(status=source, replacement=replacement)
        ticket.refresh_from_db()
        events = TicketEvent.objects.count()
        with pytest.raises(TransitionError):
            performs[target](ticket)
        assert Ticket.objects.get(pk=ticket.pk).status == source
        assert TicketEvent.objects.count() == events
    assert table.final() == (S.RETURNED, S.REPLACED, S.CLOSED)


def test_a_replacement_swaps_the_unit_in_the_same_allocation(given):
    ticket = report(given)
    operator = stock_operator()
    (spare,) = ready_computers(1)
    faulty = ticket.computer
    ticket = services.ticket_replace(ticket=ticket, by=operator, replacement_id=spare.pk, note="Carte mère HS")
    assert ticket.status == S.REPLACED and ticket.replacement == spare
    live = AllocationUnit.objects.filter(allocation=given.allocation, released_at=None)
    assert live.count() == 10
    assert live.filter(computer=spare).exists() and not live.filter(computer=faulty).exists()
    spare.refresh_from_db()
    faulty.refresh_from_db()
    assert spare.status == Computer.Status.HANDED_OVER
    # The faulty unit goes back to the workshop, to be wiped again, the ticket in its history.
    assert faulty.status == Computer.Status.RECONDITIONING and faulty.wipe_record_id is None
    note = ComputerEvent.objects.get(computer=faulty, to_status=Computer.Status.RECONDITIONING).note
    assert "Remplacement sous garantie" in note and spare.asset_tag in note
    assert AllocationEvent.objects.filter(allocation=given.allocation, kind="units").count() == 1
    # The replacement is under warranty in its turn.
    assert report(given, computer=spare).status == S.NEW


def test_a_replacement_must_be_a_ready_unit(given):
    ticket = report(given)
    operator = stock_operator()
    other = given.computers[1]  # handed over to the same association: not ready
    with pytest.raises(TransitionError):
        services.ticket_replace(ticket=ticket, by=operator, replacement_id=other.pk)
    with pytest.raises(ValidationError):
        services.ticket_replace(ticket=ticket, by=operator, replacement_id="12,5")
    ticket.refresh_from_db()
    assert ticket.status == S.NEW
    assert AllocationUnit.objects.filter(allocation=given.allocation, released_at=None).count() == 10


def test_one_ready_unit_replaces_one_faulty_unit_only(given):
    operator = stock_operator()
    first = report(given)
    second = report(given, computer=given.computers[1])
    (spare,) = ready_computers(1)
    services.ticket_replace(ticket=first, by=operator, replacement_id=spare.pk)
    with pytest.raises(TransitionError):
        services.ticket_replace(ticket=second, by=operator, replacement_id=spare.pk)
    assert AllocationUnit.objects.filter(computer=spare, released_at=None).count() == 1
    second.refresh_from_db()
    assert second.status == S.NEW


def test_the_database_refuses_a_unit_in_two_live_allocations(given):
    other = handed_over(10, handed_over_on=given.handover.handed_over_on)
    with pytest.raises(IntegrityError), transaction.atomic():
        AllocationUnit.objects.create(allocation=other.allocation, computer=given.computers[0])
