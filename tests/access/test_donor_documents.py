"""Who asks for and downloads a donor's documents (/donor/documents/): the donor's own people only (404 for another
donor's lot, pledge or document); the stock team of the lot's organiser from the lot's admin page, and no other
organiser's team."""

import pytest
from django.urls import reverse

from accounts import roles
from campaigns.models import CampaignDonor
from impact import donor_documents
from impact.models import DonorDocument
from tests.factories.accounts import staff_with_role
from tests.factories.campaigns import lyon
from tests.factories.donors import donor_member, donor_world
from tests.roles import ROLES, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return donor_world()


@pytest.fixture
def other_person(world):
    return donor_member(world.other_donor, email="x@autre.example.com")


def _ready(world, lot=None, by=None) -> DonorDocument:
    document = donor_documents.traceability_report_request(
        donor=(lot or world.lot).donor, lot=lot or world.lot, by=by or world.person
    )
    return donor_documents.donor_document_render(document_id=document.pk)


def test_a_donors_person_asks_for_the_report_of_its_lot_and_downloads_it(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.person)
    page = client.get(reverse("donors:documents")).content.decode()
    assert "Demander le rapport du lot ORANGE-ATELIER" in page and "AUTRE-LOT-1" not in page
    assert "Attestation de réemploi" not in page  # not a public body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("donors:document_request"), {"kind": "traceability", "lot": world.lot.pk})
    assert response.status_code == 302
    document = DonorDocument.objects.get()
    assert (document.donor, document.lot, document.requested_by) == (world.donor, world.lot, world.person)
    assert document.status == DonorDocument.Status.READY  # eager tasks: rendered right after the commit
    page = client.get(reverse("donors:documents")).content.decode()
    url = reverse("donors:document_download", args=[document.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_campaign_report_is_asked_for_from_a_pledge(client, world):
    pledge = CampaignDonor.objects.get_or_create(campaign=world.wave.campaign, donor=world.donor)[0]
    client.force_login(world.person)
    response = client.post(reverse("donors:document_request"), {"kind": "traceability", "pledge": pledge.pk})
    assert response.status_code == 302
    assert DonorDocument.objects.get().campaign == world.wave.campaign


def test_another_donors_lot_pledge_and_document_are_404(client, world, other_person):
    mine = _ready(world)
    client.force_login(other_person)
    assert client.get(reverse("donors:document_download", args=[mine.pk])).status_code == 404
    listed = client.get(reverse("donors:documents")).content.decode()
    assert reverse("donors:document_download", args=[mine.pk]) not in listed
    pledge = CampaignDonor.objects.get_or_create(campaign=world.wave.campaign, donor=world.donor)[0]
    for data in (
        {"kind": "traceability", "lot": world.lot.pk},
        {"kind": "traceability", "pledge": pledge.pk},
        {"kind": "reuse_attestation", "donor": world.donor.pk, "year": "2026"},
        {"kind": "traceability", "lot": "<b>1</b>"},
        {"kind": "autre"},
    ):
        assert client.post(reverse("donors:document_request"), data).status_code == 404, data
    assert DonorDocument.objects.count() == 1


def test_a_document_not_ready_is_not_downloadable(client, world, django_capture_on_commit_callbacks):
    document = donor_documents.traceability_report_request(donor=world.donor, lot=world.lot, by=world.person)
    client.force_login(world.person)
    assert client.get(reverse("donors:document_download", args=[document.pk])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_no_other_role_reaches_the_documents(client, world, role):
    document = _ready(world)
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    for url in (reverse("donors:documents"), reverse("donors:document_download", args=[document.pk])):
        response = client.get(url)
        assert response.status_code == (302 if user is None else 404), (role, url)


def test_the_reuse_attestation_is_offered_to_public_bodies_only(client, world):
    client.force_login(world.person)
    data = {"kind": "reuse_attestation", "donor": world.donor.pk, "year": "2026"}
    assert client.post(reverse("donors:document_request"), data).status_code == 404
    world.donor.is_public_body = True
    world.donor.save(update_fields=["is_public_body"])
    page = client.get(reverse("donors:documents")).content.decode()
    assert "Demander l&#x27;attestation de réemploi" in page or "Demander l'attestation de réemploi" in page
    for bad in ("12,5", "<script>", "1999", "99999999999999999999999"):
        response = client.post(reverse("donors:document_request"), {**data, "year": bad})
        assert response.status_code == 400 and "année" in response.content.decode().lower(), bad
    assert DonorDocument.objects.count() == 0
    assert client.post(reverse("donors:document_request"), data).status_code == 302
    assert DonorDocument.objects.get().kind == DonorDocument.Kind.REUSE_ATTESTATION


# From the lot's admin page --------------------------------------------------------------------------------------


def test_the_lots_stock_team_generates_the_report_and_another_organisers_team_cannot(
    client, world, django_capture_on_commit_callbacks
):
    url = reverse("admin:impact_donordocument_lot", args=[world.lot.pk])
    lyon_stock = staff_with_role(roles.INVENTORY_OPERATOR, organiser=lyon(), email="stock@lyon.example.org")
    client.force_login(lyon_stock)
    assert client.post(url).status_code == 404
    assert client.get(reverse("admin:inventory_lot_change", args=[world.lot.pk])).status_code == 404
    assert DonorDocument.objects.count() == 0
    stock = staff_with_role(roles.INVENTORY_OPERATOR, email="stock@marseille.example.org")
    client.force_login(stock)
    page = client.get(reverse("admin:inventory_lot_change", args=[world.lot.pk])).content.decode()
    assert "Générer le rapport de traçabilité" in page and "Pannes signalées après la remise" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    document = DonorDocument.objects.get()
    assert document.lot == world.lot and document.requested_by == stock and document.is_ready
    page = client.get(reverse("admin:inventory_lot_change", args=[world.lot.pk])).content.decode()
    assert reverse("admin:impact_donordocument_pdf", args=[document.pk]) in page
    assert client.get(reverse("admin:impact_donordocument_pdf", args=[document.pk])).status_code == 200
    client.force_login(lyon_stock)
    assert client.get(reverse("admin:impact_donordocument_pdf", args=[document.pk])).status_code == 404
    assert client.get(reverse("admin:impact_donordocument_change", args=[document.pk])).status_code == 404
