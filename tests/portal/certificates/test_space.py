"""The association's certificates in its space: the downloads and the list."""

import pytest
from django.urls import reverse

from accounts import roles
from certificates import services
from tests.factories.accounts import StaffFactory, staff_with_role
from tests.factories.associations import AssociationFactory, member_of

pytestmark = pytest.mark.django_db


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


def test_the_list_names_its_state_column_in_both_languages(client, signed, association_member):
    """The column of the certificate's state: « État » in French, « Status » in English (not the grade of a
    computer, which « État » also means)."""
    client.force_login(association_member)
    french = client.get(reverse("certificates:list")).content.decode()
    assert '<th scope="col">État</th>' in french and 'data-label="État"' in french
    client.cookies["django_language"] = "en"
    english = client.get(reverse("certificates:list")).content.decode()
    assert '<th scope="col">Status</th>' in english and 'data-label="Status"' in english
    assert "Grade" not in english


def test_the_list_dates_the_signature_on_the_day_it_was_signed(client, signed, association_member):
    """A certificate signed after the handover day (a scan brought back later) says the day of its signature."""
    import datetime

    from certificates.models import Handover

    signed_at = datetime.datetime(2027, 3, 14, 23, 30, tzinfo=datetime.UTC)  # 15 March in Paris
    Handover.objects.filter(pk=signed.pk).update(handed_over_on=datetime.date(2027, 3, 10), signed_at=signed_at)
    client.force_login(association_member)
    page = client.get(reverse("certificates:list")).content.decode()
    assert "Signée le 15 mars 2027" in page
    assert "10 mars 2027" not in page


def test_the_application_page_links_the_certificate(client, signed, association_member):
    client.force_login(association_member)
    page = client.get(signed.allocation.application.get_absolute_url()).content.decode()
    assert signed.number in page
    assert reverse("certificates:download", args=[signed.pk]) in page
    assert "Télécharger l&#x27;attestation signée" in page or "Télécharger l'attestation signée" in page
