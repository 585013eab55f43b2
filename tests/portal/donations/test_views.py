"""The association's view of its allocation, and the public campaign page."""

import pytest
from django.core import mail
from django.urls import reverse

from donations import services
from donations.models import Allocation
from tests.factories.associations import AssociationFactory, member_of
from tests.factories.inventory import ready_units

pytestmark = pytest.mark.django_db
AP = Allocation.Appointment


@pytest.fixture
def confirmed(wave, applications, manager):
    ready_units(150)
    services.wave_plan(wave=wave, by=manager)
    services.wave_confirm(wave=wave, by=manager)
    return wave


def accept_url(allocation):
    return reverse("donations:appointment_accept", args=[allocation.pk])


def change_url(allocation):
    return reverse("donations:appointment_change", args=[allocation.pk])


def test_the_association_sees_its_allocation(client, first, member, applications):
    client.force_login(member)
    response = client.get(applications[0].get_absolute_url())
    content = response.content.decode()
    assert "Votre attribution" in content
    assert "30 ordinateurs" in content
    # In plain words, never the planner's internal text (staff only).
    assert "30 ordinateurs dans cette vague ; ce sont tous les 30 ordinateurs accordés" in content
    assert "accordé 30" not in content and "priorité" not in content
    assert "Je confirme ce rendez-vous" in content
    assert first.appointment_place in content
    assert "Vous serez informés de la date" not in content


def test_a_proposal_is_not_shown_to_the_association(client, wave, applications, manager):
    ready_units(150)
    services.wave_plan(wave=wave, by=manager)
    member = member_of(applications[0].association, email="membre@asso.example.org")
    client.force_login(member)
    content = client.get(applications[0].get_absolute_url()).content.decode()
    assert "Votre attribution" not in content
    assert "Vous serez informés de la date" in content


def test_accept_the_appointment(client, first, member, applications):
    client.force_login(member)
    response = client.post(accept_url(first))
    assert response.status_code == 302 and response["Location"] == applications[0].get_absolute_url()
    first.refresh_from_db()
    assert first.appointment_status == AP.ACCEPTED
    assert first.events.last().actor == member
    page = client.get(applications[0].get_absolute_url()).content.decode()
    assert "Vous avez confirmé ce rendez-vous." in page
    again = client.post(accept_url(first), follow=True)
    assert "Vous avez déjà confirmé ce rendez-vous." in again.content.decode()


def test_accept_needs_post(client, first, member):
    client.force_login(member)
    assert client.get(accept_url(first)).status_code == 405


def test_ask_for_another_slot(client, first, member, manager, django_capture_on_commit_callbacks):
    client.force_login(member)
    assert client.get(change_url(first)).status_code == 200
    empty = client.post(change_url(first), {"message": "   "})
    assert empty.status_code == 400
    first.refresh_from_db()
    assert first.appointment_status == AP.PROPOSED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(first), {"message": "Le jeudi après-midi plutôt."})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.appointment_status == AP.CHANGE_REQUESTED
    assert first.appointment_request == "Le jeudi après-midi plutôt."
    assert mail.outbox[-1].to == [manager.email]
    assert "Le jeudi après-midi plutôt." in mail.outbox[-1].body


def test_nul_character_is_refused(client, first, member):
    client.force_login(member)
    response = client.post(change_url(first), {"message": "bonjour\x00"})
    assert response.status_code == 400
    first.refresh_from_db()
    assert first.appointment_status == AP.PROPOSED


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_associations_get_404(client, first, method):
    outsider = member_of(AssociationFactory(), email="autre@asso.example.org")
    client.force_login(outsider)
    for url in (change_url(first), accept_url(first)):
        response = getattr(client, method)(url, {"message": "x"} if method == "post" else None)
        assert response.status_code in (404, 405)
        if method == "post" or url == change_url(first):
            assert response.status_code == 404
    first.refresh_from_db()
    assert first.appointment_status == AP.PROPOSED


def test_staff_without_membership_get_404_too(client, first, manager):
    client.force_login(manager)
    assert client.post(accept_url(first)).status_code == 404


def test_anonymous_is_sent_to_login(client, first):
    response = client.post(accept_url(first))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_no_action_once_handed_over(client, first, member, manager):
    services.allocation_hand_over(allocation=first, by=manager)
    client.force_login(member)
    assert client.post(accept_url(first)).status_code == 404
    content = client.get(first.application.get_absolute_url()).content.decode()
    assert "Remis le" in content and "Je confirme ce rendez-vous" not in content


def test_public_campaign_page_shows_progress(client, confirmed, django_assert_max_num_queries):
    # 12 with an empty cache (the impact figures included), whatever the amount of data; 5 once cached.
    with django_assert_max_num_queries(13):
        response = client.get(confirmed.campaign.get_absolute_url())
    content = response.content.decode()
    assert "100 ordinateurs attribués, dont 0 déjà remis, sur 1" in content
    assert "Vague 1" in content
