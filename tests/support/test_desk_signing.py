"""The addendum of a replacement is signed at the desk on the pads, as a handover certificate: both signatures with
the certificates' checks, a history row, the signed PDF rendered by a Celery task; the paper scan stays possible.
The association's ticket shows the signed addendum; another organiser's desk never sees it."""

import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import DomainError
from support import services
from support.models import Addendum, TicketEvent
from tests.certificates.conftest import data_url, signature_png
from tests.factories.campaigns import lyon
from tests.factories.certificates import desk_operator
from tests.factories.inventory import ready_computers, stock_operator
from tests.factories.support import png_bytes

pytestmark = pytest.mark.django_db


def replaced(given, capture, index: int = 0):
    ticket = services.ticket_report(
        by=given.member, computer_id=given.computers[index].pk, description="Carte mère hors service."
    )
    (spare,) = ready_computers(1)
    with capture(execute=True):  # the addendum's render task, eagerly (no broker in the tests)
        ticket = services.ticket_replace(ticket=ticket, by=stock_operator(), replacement_id=spare.pk)
    return ticket, spare


def pdf_text(field) -> str:
    with field.open("rb") as handle:
        out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=handle.read(), capture_output=True).stdout
    return "".join(out.decode().split())


def pad_form(**overrides) -> dict:
    return {
        "signed_by_name": "Nadia Benali",
        "mode": "screen",
        "association_signature": data_url(signature_png()),
        "operator_signature": data_url(signature_png()),
        **overrides,
    }


# The service ---------------------------------------------------------------------------------------------


def test_the_desk_signs_on_the_pads_and_the_signed_pdf_is_rendered(given, django_capture_on_commit_callbacks):
    ticket, spare = replaced(given, django_capture_on_commit_callbacks)
    desk = desk_operator(first_name="Karim", last_name="Guichet")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        addendum = services.addendum_sign_on_pad(
            addendum=ticket.addendum,
            by=desk,
            signed_by_name="  Nadia   Benali ",
            association_signature=signature_png(),
            operator_signature=signature_png(),
        )
    assert len(callbacks) == 1  # the signed render, after commit
    addendum.refresh_from_db()
    assert addendum.signed_at and addendum.signed_by_name == "Nadia Benali"
    assert addendum.operator == desk and addendum.operator_name == "Karim Guichet"
    assert addendum.association_signature and addendum.operator_signature
    assert addendum.signed_pdf and len(addendum.signed_pdf_sha256) == 64 and addendum.signed_rendered_at
    assert addendum.document == addendum.signed_pdf and addendum.pdf  # the page to sign is kept
    text = pdf_text(addendum.signed_pdf)
    assert addendum.number in text and spare.asset_tag in text and "NadiaBenali" in text and "KarimGuichet" in text
    assert "Signéauguichetle10mars2027" in text
    notes = list(
        TicketEvent.objects.filter(ticket=ticket, kind="addendum").order_by("pk").values_list("note", flat=True)
    )
    assert len(notes) == 2 and "signé au guichet par Nadia Benali et Karim Guichet" in notes[1]
    # Safe to run twice: the signed PDF is not made again; signing again is refused.
    assert services.addendum_render_signed(addendum_id=addendum.pk) is True
    assert Addendum.objects.get(pk=addendum.pk).signed_pdf_sha256 == addendum.signed_pdf_sha256
    with pytest.raises(DomainError):
        services.addendum_sign_on_pad(
            addendum=addendum,
            by=desk,
            signed_by_name="Autre",
            association_signature=signature_png(),
            operator_signature=signature_png(),
        )


@pytest.mark.parametrize(
    ("name", "association", "operator", "fields"),
    [
        ("", signature_png(), signature_png(), {"signed_by_name"}),
        ("Nadia\x00", signature_png(), signature_png(), {"signed_by_name"}),
        ("N" * 151, signature_png(), signature_png(), {"signed_by_name"}),
        ("Nadia Benali", None, signature_png(), {"association_signature"}),
        ("Nadia Benali", signature_png(ink=False), signature_png(), {"association_signature"}),
        ("Nadia Benali", signature_png(), b"<svg>not a png</svg>", {"operator_signature"}),
        ("Nadia Benali", signature_png(), signature_png(5000, 100), {"operator_signature"}),
        ("", None, None, {"signed_by_name", "association_signature", "operator_signature"}),
    ],
    ids=["no-name", "nul", "long-name", "no-signature", "empty-pad", "not-png", "too-large", "nothing"],
)
def test_a_refused_signature_changes_nothing(
    given, django_capture_on_commit_callbacks, name, association, operator, fields
):
    ticket, _spare = replaced(given, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refused:
        services.addendum_sign_on_pad(
            addendum=ticket.addendum,
            by=desk_operator(),
            signed_by_name=name,
            association_signature=association,
            operator_signature=operator,
        )
    assert set(refused.value.message_dict) == fields
    addendum = Addendum.objects.get(pk=ticket.addendum.pk)
    assert addendum.signed_at is None and not addendum.association_signature and not addendum.operator_signature
    assert TicketEvent.objects.filter(ticket=ticket, kind="addendum").count() == 1


def test_an_addendum_signed_on_paper_is_not_signed_again_on_the_pads(given, django_capture_on_commit_callbacks):
    ticket, _spare = replaced(given, django_capture_on_commit_callbacks)
    services.addendum_record_signed(
        addendum=ticket.addendum, by=stock_operator(), signed_by_name="Nadia Benali", scan=png_bytes(800, 1100)
    )
    with pytest.raises(DomainError):
        services.addendum_sign_on_pad(
            addendum=ticket.addendum,
            by=desk_operator(),
            signed_by_name="Nadia Benali",
            association_signature=signature_png(),
            operator_signature=signature_png(),
        )


# The desk's pages ----------------------------------------------------------------------------------------


def test_the_desk_lists_the_addenda_and_signs_one_on_the_pads(client, given, django_capture_on_commit_callbacks):
    ticket, spare = replaced(given, django_capture_on_commit_callbacks)
    desk = desk_operator()
    client.force_login(desk)
    index = client.get(reverse("admin:certificates_handover_desk_index")).content.decode()
    assert reverse("admin:support_ticket_addenda") in index
    listing = client.get(reverse("admin:support_ticket_addenda")).content.decode()
    assert ticket.addendum.number in listing and reverse("admin:support_ticket_sign", args=[ticket.pk]) in listing
    url = reverse("admin:support_ticket_sign", args=[ticket.pk])
    page = client.get(url).content.decode()
    assert spare.asset_tag in page and "data-signature-pad" in page
    # The desk prints the addendum to read it with the association.
    assert client.get(reverse("support:addendum", args=[ticket.pk]))["Content-Type"] == "application/pdf"
    # Bad input: field errors in French, nothing written, never a 500.
    for bad in (
        pad_form(association_signature=""),
        pad_form(operator_signature="data:image/png;base64,%%%"),
        pad_form(signed_by_name="<script>alert(1)</script>" * 10),
        pad_form(mode="paper"),
        pad_form(mode="nimporte"),
    ):
        response = client.post(url, bad)
        assert response.status_code == 400, bad
        assert "rien n'a été enregistré" in response.content.decode()
    assert Addendum.objects.get(pk=ticket.addendum.pk).signed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, pad_form())
    assert response.status_code == 302 and response["Location"] == reverse("admin:support_ticket_addenda")
    addendum = Addendum.objects.get(pk=ticket.addendum.pk)
    assert addendum.signed_pdf and addendum.operator == desk
    assert addendum.number in client.get(reverse("admin:support_ticket_addenda")).content.decode()
    # Signed already: the page sends back to the list.
    assert client.get(url).status_code == 302
    # The association's ticket shows the signed addendum, and downloads it.
    client.force_login(given.member)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "Télécharger l'avenant signé" in page and "signé par Nadia Benali" in page
    response = client.get(reverse("support:addendum", args=[ticket.pk]))
    assert response.status_code == 200 and "-signe.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == addendum.signed_pdf.open("rb").read()


def test_the_desk_keeps_the_paper_scan(client, given, django_capture_on_commit_callbacks):
    ticket, _spare = replaced(given, django_capture_on_commit_callbacks)
    client.force_login(desk_operator())
    url = reverse("admin:support_ticket_sign", args=[ticket.pk])
    lying = SimpleUploadedFile("scan.pdf", b"MZ\x90 not a scan", content_type="application/pdf")
    assert client.post(url, pad_form(mode="paper", signed_scan=lying)).status_code == 400
    scan = SimpleUploadedFile("scan.png", png_bytes(800, 1100), content_type="image/png")
    assert client.post(url, pad_form(mode="paper", signed_scan=scan)).status_code == 302
    addendum = Addendum.objects.get(pk=ticket.addendum.pk)
    assert addendum.signed_scan and not addendum.association_signature and addendum.document == addendum.signed_scan


def test_only_the_desk_signs_and_another_organisers_desk_finds_nothing(
    client, given, django_capture_on_commit_callbacks
):
    ticket, _spare = replaced(given, django_capture_on_commit_callbacks)
    sign = reverse("admin:support_ticket_sign", args=[ticket.pk])
    listing = reverse("admin:support_ticket_addenda")
    pdf = reverse("support:addendum", args=[ticket.pk])
    # The stock team records a scan from the ticket's page, but has no pads.
    client.force_login(stock_operator())
    assert client.get(sign).status_code == 403 and client.get(listing).status_code == 403
    lyon_desk = desk_operator(organiser=lyon())
    client.force_login(lyon_desk)
    assert client.get(listing).status_code == 200
    assert ticket.addendum.number not in client.get(listing).content.decode()
    assert client.get(sign).status_code == 404 and client.get(pdf).status_code == 404
    assert client.post(sign, pad_form()).status_code == 404
    assert Addendum.objects.get(pk=ticket.addendum.pk).signed_at is None
    # Nor does another organiser's stock team see the ticket's photo or addendum.
    client.force_login(stock_operator(organiser=lyon()))
    assert client.get(pdf).status_code == 404


def test_the_addenda_list_costs_the_same_queries_with_more_addenda(
    client, given, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(desk_operator())
    replaced(given, django_capture_on_commit_callbacks, 0)
    url = reverse("admin:support_ticket_addenda")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for index in range(1, 5):
        ticket, _spare = replaced(given, django_capture_on_commit_callbacks, index)
        if index % 2:
            services.addendum_record_signed(
                addendum=ticket.addendum, by=None, signed_by_name="Nadia Benali", scan=png_bytes(800, 1100)
            )
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("-A") >= 5
