"""Public verification page and the association's downloads."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from certificates import services
from certificates.models import Handover
from tests.certificates.conftest import signature_png
from tests.factories.accounts import StaffFactory, staff_with_role
from tests.factories.associations import AssociationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(handover, desk, django_capture_on_commit_callbacks):
    services.handover_render(handover_id=handover.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.handover_record(
            handover=handover,
            by=desk,
            handed_over_on=timezone.localdate(),
            representative_name="Nadia Benali",
            association_signature=signature_png(),
            operator_signature=signature_png(),
            notify=False,
        )
    return Handover.objects.get(pk=handover.pk)


# Verification ---------------------------------------------------------------------------------


def test_verify_shows_what_a_printed_copy_needs_and_nothing_personal(client, signed, association_member):
    response = client.get(reverse("certificates:verify", args=[signed.code]))
    assert response.status_code == 200
    page = response.content.decode()
    allocation = signed.allocation
    assert signed.number in page
    assert allocation.application.association.legal_name in page
    assert str(allocation.wave) in page
    assert signed.signed_pdf_sha256 in page and signed.pdf_sha256 in page
    assert "authentique et signée" in page
    assert f"La remise de {signed.handed_over_count} ordinateurs" in page
    for personal in (
        "Nadia Benali",  # the representative
        "Denise",  # the operator
        "presidente@asso.example.org",
        allocation.application.association.contact_email,
        allocation.application.association.contact_name,
    ):
        assert personal not in page
    serial = allocation.units.first().computer.serial_number
    assert serial not in page
    assert response["X-Robots-Tag"] == "noindex"


def test_verify_of_a_certificate_not_yet_signed(client, handover):
    response = client.get(handover.get_verify_url())
    assert response.status_code == 200
    assert "pas encore signée" in response.content.decode()


def test_verify_of_a_cancelled_allocation_says_the_certificate_is_void(client, handover, desk):
    from donations import services as donation_services

    donation_services.allocation_cancel(allocation=handover.allocation, by=desk, reason="Association dissoute")
    response = client.get(handover.get_verify_url())
    assert "sans valeur" in response.content.decode()


@pytest.mark.parametrize("code", ["inconnu", "x" * 80, "A" * 22])
def test_unknown_code_is_404(client, handover, code):
    assert client.get(reverse("certificates:verify", args=[code])).status_code == 404


def test_verify_only_answers_get_and_head(client, handover):
    assert client.head(handover.get_verify_url()).status_code == 200
    assert client.post(handover.get_verify_url()).status_code == 405


def test_verify_is_rate_limited(client, handover, settings):
    settings.CERTIFICATES_VERIFY_RATE = "5/m"
    statuses = [client.get(reverse("certificates:verify", args=[f"code-{i}"])).status_code for i in range(5)]
    assert statuses == [404] * 5
    response = client.get(handover.get_verify_url())
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()


def test_default_rate_allows_a_normal_use(client, handover):
    for _i in range(10):
        assert client.get(handover.get_verify_url()).status_code == 200


# Downloads ------------------------------------------------------------------------------------


def download(client, handover):
    return client.get(reverse("certificates:download", args=[handover.pk]))


def test_members_of_the_association_download_the_signed_certificate(client, signed, association_member):
    client.force_login(association_member)
    response = download(client, signed)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    signed.signed_pdf.open("rb")
    assert body == signed.signed_pdf.read()
    signed.signed_pdf.close()
    assert f"attestation-{signed.number}-signee.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_before_signing_members_download_the_certificate_to_sign(client, handover, association_member):
    client.force_login(association_member)
    assert download(client, handover).status_code == 404  # not rendered yet
    services.handover_render(handover_id=handover.pk)
    response = download(client, handover)
    assert response.status_code == 200
    assert f"attestation-{handover.number}.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize(
    "who, status",
    [
        ("anonymous", 302),
        ("other_member", 404),
        (roles.REVIEWER, 404),
        (roles.INVENTORY_OPERATOR, 404),
        (roles.CAMPAIGN_MANAGER, 200),  # follows the handovers of the campaign
        (roles.HANDOVER_OPERATOR, 200),
        ("superuser", 200),
    ],
)
def test_download_access_for_every_role(client, signed, who, status):
    if who == "other_member":
        client.force_login(member_of(AssociationFactory(), email="autre@asso.example.org"))
    elif who == "superuser":
        client.force_login(StaffFactory(is_superuser=True, email="root@example.org"))
    elif who != "anonymous":
        client.force_login(staff_with_role(who, email=f"{who[:6].lower().replace(' ', '')}@example.org"))
    response = download(client, signed)
    assert response.status_code == status
    if who == "anonymous":
        assert reverse("account_login") in response["Location"]


def test_missing_file_is_404_not_500(client, signed, association_member):
    signed.signed_pdf.storage.delete(signed.signed_pdf.name)
    client.force_login(association_member)
    assert download(client, signed).status_code == 404


def test_space_lists_only_the_members_certificates(client, signed, association_member):
    from tests.factories.certificates import confirmed_wave

    other = confirmed_wave(1, 10).allocations.get().handover
    client.force_login(association_member)
    page = client.get(reverse("certificates:list")).content.decode()
    assert signed.number in page and other.number not in page
    assert reverse("certificates:download", args=[signed.pk]) in page


def test_the_application_page_links_the_certificate(client, signed, association_member):
    client.force_login(association_member)
    page = client.get(signed.allocation.application.get_absolute_url()).content.decode()
    assert signed.number in page
    assert reverse("certificates:download", args=[signed.pk]) in page
    assert "Télécharger l&#x27;attestation signée" in page or "Télécharger l'attestation signée" in page
