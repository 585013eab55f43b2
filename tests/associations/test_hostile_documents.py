"""Supporting documents: only plain PDFs are stored, and they are only ever served as downloads."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from associations.models import Application
from core.models import HeldUpload
from core.pdfcheck import pdf_problem
from tests.factories.associations import ApplicationFactory, make_pdf_bytes
from tests.hostile_files import HOSTILE_PDFS
from tests.portal.test_association_space import application_payload

pytestmark = pytest.mark.django_db


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("kind", sorted(HOSTILE_PDFS))
@pytest.mark.parametrize("field", ["statutes", "activity_report"])
def test_a_hostile_document_is_refused_with_a_clear_message_and_not_stored(
    client, member, campaign, settings, kind, field
):
    make, message = HOSTILE_PDFS[kind]
    client.force_login(member)
    upload = SimpleUploadedFile("document.pdf", make(), content_type="application/pdf")
    response = client.post(
        reverse("associations:application_create", args=[campaign.slug]), application_payload(**{field: upload})
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Application.objects.exists()
    # Only the other, plain PDF is kept for the next try (core.uploads): the hostile one is stored nowhere.
    held = HeldUpload.objects.get()
    assert held.field != field and held.user == member
    assert _stored_files(settings) == [Path(settings.MEDIA_ROOT) / held.file.name]


def test_a_plain_pdf_is_still_accepted():
    assert pdf_problem(make_pdf_bytes()) is None


@pytest.mark.parametrize("kind", sorted(HOSTILE_PDFS))
def test_a_hostile_pdf_scan_is_refused_at_the_desk_too(kind):
    from django.core.exceptions import ValidationError

    from certificates.services import clean_scan

    make, _message = HOSTILE_PDFS[kind]
    with pytest.raises(ValidationError) as error:
        clean_scan(make())
    assert error.value.message_dict["signed_scan"]


@pytest.mark.parametrize("kind", ["statutes", "activity_report"])
def test_documents_are_served_only_as_downloads(client, member, kind):
    application = ApplicationFactory(association=member.memberships.get().association)
    client.force_login(member)
    response = client.get(reverse("associations:application_document", args=[application.pk, kind]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_pdf_larger_than_the_walk_budget_is_refused(monkeypatch):
    from core import pdfcheck

    monkeypatch.setattr(pdfcheck, "MAX_OBJECTS", 3)
    assert pdf_problem(make_pdf_bytes()) == "unreadable"
