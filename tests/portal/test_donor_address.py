"""The donor's head office address (printed on the in-kind gift receipts): its people fill it in their space."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns import services
from campaigns.models import Donor
from tests.factories.accounts import UserFactory
from tests.factories.campaigns import DonorFactory
from tests.factories.donors import donor_member

pytestmark = pytest.mark.django_db

ADDRESS = "111 quai du Président Roosevelt\n92130 Issy-les-Moulineaux"


@pytest.fixture
def donor():
    return DonorFactory(name="Entreprise Adresse", siret="73282932000074")


def test_the_donors_people_fill_the_address_from_their_space(client, donor):
    client.force_login(donor_member(donor, email="rse@entreprise.example.com"))
    url = reverse("donors:address", args=[donor.pk])
    assert url in client.get(reverse("donors:space")).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and "Adresse du siège (imprimée sur les reçus fiscaux)" in page.content.decode()
    done = client.post(url, {"address": "  111 quai du Président Roosevelt  \r\n92130 Issy-les-Moulineaux "})
    assert done.status_code == 302 and done["Location"] == reverse("donors:space")
    donor.refresh_from_db()
    assert donor.address == ADDRESS
    assert "92130 Issy-les-Moulineaux" in client.get(reverse("donors:space")).content.decode()
    assert client.post(url, {"address": ""}).status_code == 302  # it may be cleared
    donor.refresh_from_db()
    assert donor.address == ""


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("<script>alert(1)</script>", "sans balises HTML"),
        ("1 rue\x00 du Port", "caractère"),
        ("x" * 501, "501 caractères, pour 500 au plus"),
    ],
)
def test_html_nul_and_too_long_are_refused_with_a_field_error(client, donor, typed, error):
    donor.address = ADDRESS
    donor.save()
    client.force_login(donor_member(donor, email="rse@entreprise.example.com"))
    page = client.post(reverse("donors:address", args=[donor.pk]), {"address": typed})
    assert page.status_code == 400
    assert any(error in message for message in page.context["form"].errors["address"])
    donor.refresh_from_db()
    assert donor.address == ADDRESS


def test_the_service_checks_the_address_too(donor):
    for typed in ("<b>Siège</b>", "x" * 501, "rue\x00"):
        with pytest.raises(ValidationError):
            services.donor_address_set(donor=donor, address=typed, by=None)
    assert Donor.objects.get(pk=donor.pk).address == ""


def test_another_donors_people_and_others_get_404(client, donor):
    url = reverse("donors:address", args=[donor.pk])
    other = donor_member(DonorFactory(name="Autre entreprise"), email="autre@example.com")
    for user in (other, UserFactory(email="personne@example.com")):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"address": "Piraté"}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    assert Donor.objects.get(pk=donor.pk).address == ""


def test_the_page_reads_a_constant_number_of_queries(client, donor):
    person = donor_member(donor, email="rse@entreprise.example.com")
    client.force_login(person)
    url = reverse("donors:address", args=[donor.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(3):
        services.donor_member_add(donor=DonorFactory(name=f"Filiale {n}"), user=person)
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)
