"""The public verification page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


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
