"""The donor space (/donor/): a company's people see their lots step by step, the associations equipped, the
people trained and the CO2e avoided; nothing of another donor."""

import re

import pytest
from django.urls import reverse

from impact.carbon import FACTORS
from portal.donors import donor_space
from tests.factories.accounts import UserFactory
from tests.factories.donors import donor_member, donor_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return donor_world()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _page(client, user, language="fr") -> str:
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(reverse("donors:space"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_space_reads_the_donors_lots_step_by_step(world):
    home = donor_space(world.person)
    assert [d.name for d in home.donors] == ["Orange"]
    lots = {lot.reference: lot for lot in home.lots}
    assert "AUTRE-LOT-1" not in lots
    stages = {s.code: s for s in lots["ORANGE-ATELIER"].stages}
    assert stages["announced"].count == 12
    assert stages["received"].count == 3
    assert stages["reconditioning"].count == 1  # the received one, still in the workshop
    assert stages["wiped"].count == 1  # the ready one
    assert stages["ready"].count == 1
    assert stages["scrapped"].count == 1
    assert stages["handed_over"].count == 0
    assert lots["ORANGE-ATELIER"].difference == -9
    # The wave's units came from another Orange lot: 20 handed over, with the day of the handover.
    handed = [lot for lot in home.lots if lot.reference != "ORANGE-ATELIER"]
    assert sum(next(s.count for s in lot.stages if s.code == "handed_over") for lot in handed) == 20
    assert home.totals["handed_over"] == 20


def test_the_space_lists_the_associations_equipped_and_the_people_they_trained(world):
    home = donor_space(world.person)
    assert len(home.equipped) == 2
    assert sorted(row.units for row in home.equipped) == [10, 10]
    trained = {row.association.legal_name: row.people_trained for row in home.equipped}
    assert trained[world.report.association.legal_name] == 70
    assert home.people_trained == 70  # the other association's report is not sent: it does not count
    assert all(row.association.missions.all() for row in home.equipped)


def test_the_co2e_counts_each_handed_over_unit_once_with_its_source(world):
    home = donor_space(world.person)
    desktop = FACTORS["desktop"]
    assert home.carbon.units == 20
    assert home.carbon.kg == 20 * desktop.kg
    assert (home.carbon.low_kg, home.carbon.high_kg) == (20 * desktop.low_kg, 20 * desktop.high_kg)


def test_the_page_shows_the_figures_in_french_and_english(client, world):
    text = _text(_page(client, world.person))
    assert "Orange" in text and "ORANGE-ATELIER" in text
    assert "12 annoncés, 3 reçus : 9 de moins que prévu." in text
    assert world.report.association.legal_name in text
    assert "70 personnes formées (déclarées)" in text
    assert "Environ 3 380 kg CO2e" in text  # (the thousands separator, a no-break space, read as a space)
    assert "ADEME" in text and "Boavizta" in text and "estimation" in text
    assert "AUTRE-LOT-1" not in text and "Autre Entreprise" not in text
    english = _text(_page(client, world.person, "en"))
    assert "Donor space" in english and "estimate" in english


def test_a_person_of_another_donor_sees_only_their_own(client, world):
    person = donor_member(world.other_donor, email="quelquun@autre.example.com")
    text = _text(_page(client, person))
    assert "AUTRE-LOT-1" in text
    assert "ORANGE-ATELIER" not in text and world.report.association.legal_name not in text


def test_someone_who_acts_for_no_donor_is_told_how_a_company_joins(client, world):
    text = _text(_page(client, UserFactory(email="curieux@example.org")))
    assert "aucune entreprise donatrice" in text
    assert "ORANGE-ATELIER" not in text


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("donors:space"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_donor_lands_in_the_donor_space_after_login(client, world):
    from tests.factories.accounts import UserFactory as _U  # noqa: F401

    world.person.set_password("un-mot-de-passe-solide-42")
    world.person.save()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=world.person, email=world.person.email, defaults={"verified": True, "primary": True}
    )
    response = client.post(
        reverse("account_login"), {"login": world.person.email, "password": "un-mot-de-passe-solide-42"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("donors:space")
