"""A replacement gives the certificate an addendum: a PDF listing the swap (WeasyPrint, by a Celery task), printed,
signed on paper and recorded by upload; the association downloads it from its space."""

import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.errors import DomainError
from support import services
from support.models import Addendum, TicketEvent
from tests.factories.inventory import ready_computers, stock_operator
from tests.factories.support import handed_over, png_bytes
from tests.support.conftest import HANDED_OVER_ON

pytestmark = pytest.mark.django_db


def replaced(given, django_capture_on_commit_callbacks, index: int = 0):
    operator = stock_operator()
    ticket = services.ticket_report(
        by=given.member, computer_id=given.computers[index].pk, description="Carte mère hors service."
    )
    (spare,) = ready_computers(1)
    # The render task runs after commit (eagerly here: no broker in the tests).
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_replace(ticket=ticket, by=operator, replacement_id=spare.pk)
    return ticket, spare, operator


def test_a_replacement_renders_an_addendum_listing_the_swap(given, django_capture_on_commit_callbacks):
    ticket, spare, _operator = replaced(given, django_capture_on_commit_callbacks)
    addendum = Addendum.objects.get(ticket=ticket)
    assert addendum.number == f"{given.handover.number}-A1" and addendum.handover == given.handover
    assert addendum.pdf and len(addendum.pdf_sha256) == 64 and addendum.rendered_at
    with addendum.pdf.open("rb") as handle:
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=handle.read(), capture_output=True).stdout
    text = "".join(text.decode().split())
    assert given.handover.number in text
    assert ticket.computer.asset_tag in text and spare.asset_tag in text
    assert "Cartemèrehorsservice." in text
    # Safe to run twice: the PDF is not made again.
    assert services.addendum_render(addendum_id=addendum.pk) is True
    assert Addendum.objects.get(pk=addendum.pk).pdf_sha256 == addendum.pdf_sha256
    # A second replacement on the same certificate is its second addendum.
    second, _spare, _op = replaced(given, django_capture_on_commit_callbacks, index=1)
    assert Addendum.objects.get(ticket=second).number == f"{given.handover.number}-A2"


def test_the_addendum_is_signed_by_upload(given, django_capture_on_commit_callbacks):
    ticket, _spare, operator = replaced(given, django_capture_on_commit_callbacks)
    addendum = ticket.addendum
    with pytest.raises(ValidationError) as refused:
        services.addendum_record_signed(addendum=addendum, by=operator, signed_by_name="", scan=b"<html>pas un PDF")
    assert set(refused.value.message_dict) == {"signed_by_name", "signed_scan"}
    addendum.refresh_from_db()
    assert addendum.signed_at is None and not addendum.signed_scan
    services.addendum_record_signed(
        addendum=addendum, by=operator, signed_by_name="Nadia Benali", scan=png_bytes(800, 1100)
    )
    addendum.refresh_from_db()
    assert addendum.signed_at and addendum.signed_scan and addendum.signed_by_name == "Nadia Benali"
    assert TicketEvent.objects.filter(ticket=ticket, kind="addendum").count() == 2  # to sign, signed
    with pytest.raises(DomainError):
        services.addendum_record_signed(addendum=addendum, by=operator, signed_by_name="X", scan=png_bytes())


def test_the_association_downloads_its_addendum_and_only_its_own(client, given, django_capture_on_commit_callbacks):
    ticket, spare, _operator = replaced(given, django_capture_on_commit_callbacks)
    client.force_login(given.member)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert spare.asset_tag in page and "Télécharger l'avenant à signer" in page
    response = client.get(reverse("support:addendum", args=[ticket.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    other = handed_over(10, handed_over_on=HANDED_OVER_ON)
    client.force_login(other.member)
    assert client.get(reverse("support:addendum", args=[ticket.pk])).status_code == 404


def test_the_stock_team_records_the_signed_addendum_in_the_admin(client, given, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket, _spare, operator = replaced(given, django_capture_on_commit_callbacks)
    client.force_login(operator)
    url = reverse("admin:support_ticket_decide", args=[ticket.pk])
    page = client.get(url).content.decode()
    assert ticket.addendum.number in page and "Enregistrer l’avenant signé" in page
    lying = SimpleUploadedFile("scan.pdf", b"MZ\x90 not a scan", content_type="application/pdf")
    response = client.post(url, {"sign": "1", "signed_by_name": "Nadia Benali", "signed_scan": lying})
    assert response.status_code == 400
    assert Addendum.objects.get(pk=ticket.addendum.pk).signed_at is None
    scan = SimpleUploadedFile("scan.png", png_bytes(800, 1100), content_type="image/png")
    response = client.post(url, {"sign": "1", "signed_by_name": "Nadia Benali", "signed_scan": scan})
    assert response.status_code == 302
    assert Addendum.objects.get(pk=ticket.addendum.pk).signed_by_name == "Nadia Benali"


def test_concurrent_replacements_with_the_same_ready_unit_keep_it_in_one_allocation(transactional_db):
    """Two stock operators replace two faulty units with the same ready unit at the same moment (PostgreSQL)."""

    from django.db import connection
    from django.utils import timezone

    from donations.models import AllocationUnit
    from support.models import Ticket
    from tests.threads import run_together

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    given = handed_over(10, handed_over_on=timezone.localdate())
    tickets = [
        services.ticket_report(by=given.member, computer_id=unit.pk, description="Panne")
        for unit in given.computers[:2]
    ]
    (spare,) = ready_computers(1)
    operator = stock_operator()
    outcomes = run_together(
        [lambda t=t: services.ticket_replace(ticket=t, by=operator, replacement_id=spare.pk) for t in tickets],
        timeout=60,
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    assert AllocationUnit.objects.filter(computer=spare, released_at=None).count() == 1
    assert Ticket.objects.filter(status=Ticket.Status.REPLACED).count() == 1
