"""Offers of computers (/donate/): received pending, accepted (donor, pledge, account) or declined, with history."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from accounts.models import User
from campaigns import services
from campaigns.models import CampaignDonor, Donor, DonorMembership, DonorOffer, DonorOfferEvent
from core.errors import TransitionError
from core.models import OutboxEmail
from tests.admin_forms import admin_action
from tests.factories.campaigns import CampaignFactory, DonorFactory

pytestmark = pytest.mark.django_db

SIRET = "73282932000074"  # a valid SIRET (check key)


def offer_data(campaign, **overrides) -> dict:
    return {
        "campaign": campaign,
        "company_name": "Banque Solidaire",
        "siret": "732 829 320 00074",
        "units": 120,
        "models_description": "Lenovo ThinkCentre M720q, 2019",
        "site_address": "10 boulevard de Paris, 13002 Marseille",
        "available_from": datetime.date(2026, 3, 2),
        "collection_notes": "En semaine, 9 h – 16 h, quai B",
        "contact_name": "Claire Dupont",
        "contact_email": "Claire.Dupont@banque.example.com",
        **overrides,
    }


@pytest.fixture
def campaign():
    return CampaignFactory(name="Campagne de Marseille")


@pytest.fixture
def manager():
    from accounts import roles
    from tests.factories.accounts import staff_with_role

    return staff_with_role(roles.CAMPAIGN_MANAGER, email="responsable@ville.example.org")


@pytest.fixture
def offer(campaign):
    return services.donor_offer_create(**offer_data(campaign))


def test_an_offer_is_received_pending_with_its_history(offer):
    assert offer.status == DonorOffer.Status.PENDING
    assert offer.siret == SIRET and offer.contact_email == "claire.dupont@banque.example.com"
    assert list(DonorOfferEvent.objects.filter(offer=offer).values_list("from_status", "to_status")) == [
        ("", "pending")
    ]
    assert not Donor.objects.filter(siret=SIRET).exists()  # nothing else until the team accepts it


@pytest.mark.parametrize(
    ("field", "value"),
    [("siret", "12345678901234"), ("units", 0), ("units", 10**6), ("company_name", "A\x00B"), ("contact_email", "x")],
)
def test_a_bad_offer_is_refused_on_its_field_and_saves_nothing(campaign, field, value):
    with pytest.raises(ValidationError) as exc:
        services.donor_offer_create(**offer_data(campaign, **{field: value}))
    assert field in exc.value.message_dict
    assert not DonorOffer.objects.exists()


def test_an_offer_to_a_campaign_in_preparation_is_refused(campaign):
    draft = CampaignFactory(status="draft")
    with pytest.raises(ValidationError) as exc:
        services.donor_offer_create(**offer_data(draft))
    assert "campaign" in exc.value.message_dict


def test_accepting_makes_the_donor_its_pledge_and_an_account_with_a_set_password_link(offer, manager, campaign):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.donor_offer_accept(offer=offer, by=manager)
    offer.refresh_from_db()
    assert offer.status == DonorOffer.Status.ACCEPTED and offer.decided_at is not None
    donor = offer.donor
    assert (donor.name, donor.siret) == ("Banque Solidaire", SIRET)
    assert CampaignDonor.objects.get(campaign=campaign, donor=donor).pledged_units == 120
    user = User.objects.get(email="claire.dupont@banque.example.com")
    assert not user.is_staff and not user.has_usable_password()
    assert DonorMembership.objects.filter(user=user, donor=donor).exists()
    event = DonorOfferEvent.objects.filter(offer=offer).last()
    assert (event.from_status, event.to_status, event.actor) == ("pending", "accepted", manager)
    email = OutboxEmail.objects.get(template="donor_offer_accepted")
    assert email.to == [user.email]
    assert "/accounts/password/reset/key/" in email.context["set_password_path"]
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body
    assert reverse("donors:space") in mail.outbox[0].body


def test_accepting_reuses_the_donor_of_the_same_siret_and_adds_to_its_pledge(campaign, manager):
    existing = DonorFactory(name="Banque Solidaire SA", siret=SIRET)
    CampaignDonor.objects.create(campaign=campaign, donor=existing, pledged_units=30)
    offer = services.donor_offer_create(**offer_data(campaign, company_name="Banque Solidaire (siège)"))
    services.donor_offer_accept(offer=offer, by=manager)
    offer.refresh_from_db()
    assert offer.donor == existing
    assert Donor.objects.filter(siret=SIRET).count() == 1
    assert CampaignDonor.objects.get(campaign=campaign, donor=existing).pledged_units == 150


def test_a_company_named_like_another_donor_gets_its_own_donor(campaign, manager):
    DonorFactory(name="Banque Solidaire", siret="")
    offer = services.donor_offer_create(**offer_data(campaign))
    services.donor_offer_accept(offer=offer, by=manager)
    offer.refresh_from_db()
    assert offer.donor.name == f"Banque Solidaire ({SIRET})"


def test_an_existing_account_is_linked_without_a_new_password(offer, manager):
    from tests.factories.accounts import UserFactory

    user = UserFactory(email="claire.dupont@banque.example.com")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.donor_offer_accept(offer=offer, by=manager)
    assert DonorMembership.objects.filter(user=user).exists()
    assert OutboxEmail.objects.get(template="donor_offer_accepted").context["set_password_path"] == ""


def test_declining_tells_the_contact_with_the_reason(offer, manager):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.donor_offer_decline(offer=offer, by=manager, reason="Ordinateurs trop anciens (2012).")
    offer.refresh_from_db()
    assert offer.status == DonorOffer.Status.DECLINED and offer.decision_note == "Ordinateurs trop anciens (2012)."
    assert not Donor.objects.filter(siret=SIRET).exists() and not User.objects.filter(email=offer.contact_email)
    assert "Ordinateurs trop anciens (2012)." in mail.outbox[0].body


@pytest.mark.parametrize("first", ["accept", "decline"])
@pytest.mark.parametrize("then", ["accept", "decline"])
def test_a_decided_offer_is_never_decided_again(offer, manager, first, then):
    getattr(services, f"donor_offer_{first}")(offer=offer, by=manager)
    events = DonorOfferEvent.objects.count()
    with pytest.raises(TransitionError):
        getattr(services, f"donor_offer_{then}")(offer=offer, by=manager)
    assert DonorOfferEvent.objects.count() == events


def test_the_table_of_moves(offer):
    S = DonorOffer.Status
    assert DonorOffer.TRANSITIONS.moves() == {(S.PENDING, S.ACCEPTED), (S.PENDING, S.DECLINED)}


def test_the_database_refuses_an_accepted_offer_without_donor(offer):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        DonorOffer.objects.filter(pk=offer.pk).update(status="accepted", decided_at=offer.created_at)


def test_the_manager_accepts_from_the_admin_list_and_sees_offers_in_the_todo(client, offer, manager):
    client.force_login(manager)
    home = client.get(reverse("admin:index")).content.decode()
    assert "Banque Solidaire" in home and "Offres à accepter ou décliner" in home
    response = admin_action(client, "admin:campaigns_donoroffer_changelist", "accept_offers", [offer])
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == DonorOffer.Status.ACCEPTED
    again = admin_action(client, "admin:campaigns_donoroffer_changelist", "decline_offers", [offer], follow=True)
    assert "Acceptée" in again.content.decode()  # refused with the table's message, nothing changed
    offer.refresh_from_db()
    assert offer.status == DonorOffer.Status.ACCEPTED


@pytest.mark.parametrize(
    ("units", "french", "english"),
    [
        (1, "1 ordinateur", "1 computer"),
        (2, "2 ordinateurs", "2 computers"),
    ],
)
def test_the_emails_of_an_offer_agree_with_its_number_of_computers(units, french, english):
    """A company may offer a single computer: « Votre don de 1 ordinateur est accepté », in both languages."""
    from django.template.loader import render_to_string
    from django.utils import translation

    context = {"company": "Banque Solidaire", "campaign": "Marseille", "units": units, "email": "a@b.example"}

    def render(name: str) -> str:
        return render_to_string(f"emails/donor_offer_{name}.txt", context).strip()

    for language, words, accepted, offered in (
        ("fr", french, "Votre don de {} est accepté", "Votre offre de {}"),
        ("en", english, "Your gift of {} is accepted", "Your offer of {}"),
    ):
        with translation.override(language):
            assert render("accepted_subject") == accepted.format(words)
            assert render("declined_subject") == offered.format(words)
            assert f"Banque Solidaire ({words})" in render("accepted_body")
            assert f"Banque Solidaire ({words})" in render("declined_body")


def test_accepting_an_offer_of_one_computer_says_so_in_the_email(campaign, manager):
    offer = services.donor_offer_create(**offer_data(campaign, units=1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.donor_offer_accept(offer=offer, by=manager)
    assert mail.outbox[0].subject.endswith("Votre don de 1 ordinateur est accepté")
    assert "(1 ordinateur)" in mail.outbox[0].body
