"""A second volunteer joins an association already registered: a request its members (or the city's team)
answer, or an invitation by email from a member. Access is checked on every object."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from associations import services
from associations.models import INVITATION_SALT, Invitation, JoinRequest, JoinRequestEvent, Membership
from core.errors import DomainError, TransitionError
from tests.admin_forms import admin_action
from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import AssociationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def association(member):
    return member.memberships.get().association


@pytest.fixture
def volunteer():
    return UserFactory(email="benevole@asso-a.example.org")


def form_data(association, **overrides):
    return {
        "legal_name": "Les Amis du Numérique (bis)",
        "acronym": "",
        "rna": association.rna,
        "siret": "",
        "address": "1 rue Haute",
        "postal_code": "13001",
        "city": "Marseille",
        "missions": [m.pk for m in association.missions.all()],
        "description": "",
        "beneficiaries_per_year": "10",
        "staff_count": "0",
        "volunteer_count": "0",
        "contact_name": "Sam",
        "contact_role": "",
        "contact_email": "sam@example.org",
        "contact_phone": "",
        **overrides,
    }


# The association form offers to join ----------------------------------------------------------------


def test_registering_an_association_already_registered_offers_to_join_it(client, association, volunteer):
    client.force_login(volunteer)
    typed = association.rna[:4] + " " + association.rna[4:].lower()  # spaces and lower case, as people type
    response = client.post(reverse("associations:association_create"), form_data(association, rna=typed))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Une association avec ce numéro RNA est déjà inscrite." in body
    assert "Demander à rejoindre cette association" in body
    join_url = response.context["registered"]["join_url"]
    assert join_url == reverse("associations:join") + f"?number={association.rna}"
    assert Membership.objects.filter(user=volunteer).count() == 0


def test_the_offer_also_works_with_the_siret(client, volunteer):
    association = AssociationFactory(rna="", siret="73282932000074")
    client.force_login(volunteer)
    response = client.post(
        reverse("associations:association_create"), form_data(association, rna="", siret="732 829 320 00074")
    )
    assert response.context["registered"]["association"] == association


def test_a_member_is_told_they_already_belong_to_it(client, association, member):
    client.force_login(member)
    response = client.post(reverse("associations:association_create"), form_data(association))
    assert response.context["registered"]["member"] is True
    assert "Vous en êtes déjà membre" in response.content.decode()


def test_no_offer_for_a_new_number(client, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse("associations:association_create"), {"rna": "W139999999"})
    assert response.context["registered"] is None


# The request ------------------------------------------------------------------------------------------


def test_a_request_is_sent_to_the_members_and_journaled(
    client, association, member, volunteer, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(volunteer)
    url = reverse("associations:join") + f"?number={association.rna}"
    page = client.get(url)
    assert page.status_code == 200 and association.legal_name in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "Je suis la trésorière.", "number": association.rna})
    assert response.status_code == 302
    join_request = JoinRequest.objects.get(user=volunteer, association=association)
    assert join_request.status == JoinRequest.Status.PENDING
    assert list(join_request.events.values_list("kind", "to_status", "actor_id")) == [
        (JoinRequestEvent.Kind.CREATED, "pending", volunteer.pk)
    ]
    (email,) = mailoutbox
    assert email.to == [member.email]
    assert volunteer.email in email.body and "Je suis la trésorière." in email.body
    assert reverse("associations:members", args=[association.pk]) in email.body


def test_one_pending_request_per_person_and_association(association, volunteer):
    services.join_request_create(association=association, by=volunteer)
    with pytest.raises(Exception) as refused:
        services.join_request_create(association=association, by=volunteer)
    assert "déjà une demande en attente" in str(refused.value)
    # The database itself refuses a second pending request (two requests at once).
    with pytest.raises(IntegrityError), transaction.atomic():
        JoinRequest.objects.create(association=association, user=volunteer)


def test_a_member_cannot_ask_to_join_their_own_association(client, association, member):
    client.force_login(member)
    response = client.get(reverse("associations:join") + f"?number={association.rna}")
    assert response.status_code == 302
    assert not JoinRequest.objects.exists()


@pytest.mark.parametrize("number", ["", "W000000000", "nimportequoi", "W13' OR 1=1", "x" * 500])
def test_an_unknown_or_malformed_number_is_a_404(client, volunteer, number):
    client.force_login(volunteer)
    assert client.get(reverse("associations:join"), {"number": number}).status_code == 404
    assert client.post(reverse("associations:join"), {"number": number}).status_code == 404
    assert not JoinRequest.objects.exists()


def test_too_many_pending_requests_are_refused(settings, volunteer):
    settings.MAX_PENDING_JOIN_REQUESTS_PER_ACCOUNT = 2
    for _i in range(2):
        services.join_request_create(association=AssociationFactory(), by=volunteer)
    with pytest.raises(Exception, match="demandes en attente"):
        services.join_request_create(association=AssociationFactory(), by=volunteer)
    assert JoinRequest.objects.count() == 2


# The decision --------------------------------------------------------------------------------------


@pytest.fixture
def join_request(association, volunteer):
    return services.join_request_create(association=association, by=volunteer, message="Bonjour")


def test_a_member_accepts_from_the_members_page(
    client, member, volunteer, association, join_request, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(member)
    page = client.get(reverse("associations:members", args=[association.pk]))
    assert volunteer.email in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("associations:join_request_decide", args=[join_request.pk, "accept"]))
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.ACCEPTED and join_request.decided_at
    assert Membership.objects.filter(user=volunteer, association=association).exists()
    assert join_request.events.filter(kind="status", to_status="accepted", actor=member).exists()
    (email,) = mailoutbox
    assert email.to == [volunteer.email] and "est acceptée" in email.body


def test_a_member_refuses_with_a_reason(
    client, member, volunteer, join_request, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("associations:join_request_decide", args=[join_request.pk, "refuse"]),
            {"reason": "Nous ne vous connaissons pas."},
        )
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.REFUSED
    assert not Membership.objects.filter(user=volunteer, association=join_request.association).exists()
    (email,) = mailoutbox
    assert email.to == [volunteer.email] and "Nous ne vous connaissons pas." in email.body


def test_a_too_long_reason_refuses_nothing(client, member, join_request):
    client.force_login(member)
    response = client.post(
        reverse("associations:join_request_decide", args=[join_request.pk, "refuse"]), {"reason": "x" * 1001}
    )
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_a_decided_request_cannot_be_decided_again(member, join_request):
    services.join_request_refuse(join_request=join_request, by=member)
    with pytest.raises(TransitionError):
        services.join_request_accept(join_request=join_request, by=member)
    assert not Membership.objects.filter(user=join_request.user, association=join_request.association).exists()


def test_the_transition_table_of_join_requests():
    table = JoinRequest.TRANSITIONS
    assert table.moves() == {("pending", "accepted"), ("pending", "refused")}
    assert set(table.final()) == {"accepted", "refused"}


@pytest.mark.parametrize("decision", ["accept", "refuse"])
def test_hostile_decisions_answer_404_and_change_nothing(client, other_member, volunteer, join_request, decision):
    """Someone of another association, the requester themselves, a stranger: 404, nothing changes."""
    url = reverse("associations:join_request_decide", args=[join_request.pk, decision])
    for user in (other_member, volunteer, UserFactory(email="inconnu@example.org")):
        client.force_login(user)
        assert client.post(url).status_code == 404, user
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert Membership.objects.filter(user=volunteer).count() == 0


def test_an_unknown_decision_is_a_404(client, member, join_request):
    client.force_login(member)
    assert (
        client.post(reverse("associations:join_request_decide", args=[join_request.pk, "approve"])).status_code == 404
    )


def test_the_decision_is_post_only(client, member, join_request):
    client.force_login(member)
    assert client.get(reverse("associations:join_request_decide", args=[join_request.pk, "accept"])).status_code == 405


def test_the_service_refuses_a_decision_by_someone_who_may_not(other_member, join_request):
    with pytest.raises(DomainError):
        services.join_request_accept(join_request=join_request, by=other_member)
    with pytest.raises(DomainError):
        services.join_request_refuse(join_request=join_request, by=join_request.user)


def test_the_members_page_of_another_association_is_a_404(client, other_member, association):
    client.force_login(other_member)
    assert client.get(reverse("associations:members", args=[association.pk])).status_code == 404
    assert client.post(reverse("associations:invite", args=[association.pk]), {"email": "x@y.org"}).status_code == 404
    assert not Invitation.objects.exists()


def test_a_reviewer_accepts_in_the_admin(client, join_request, mailoutbox, django_capture_on_commit_callbacks):
    from accounts import roles

    reviewer = staff_with_role(roles.REVIEWER, email="instruction@ville.example.org")
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_action(client, "admin:associations_joinrequest_changelist", "accept_selected", [join_request])
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.ACCEPTED
    assert join_request.events.filter(to_status="accepted", actor=reviewer).exists()
    assert [m.to for m in mailoutbox] == [[join_request.user.email]]


def test_staff_without_the_permission_cannot_decide(join_request):
    from accounts import roles

    operator = staff_with_role(roles.INVENTORY_OPERATOR, email="stock@ville.example.org")
    with pytest.raises(DomainError):
        services.join_request_accept(join_request=join_request, by=operator)


def test_the_space_lists_requests_to_decide_and_ones_own(client, member, volunteer, join_request):
    client.force_login(member)
    body = client.get(reverse("associations:space")).content.decode()
    assert volunteer.email in body and reverse("associations:members", args=[join_request.association_id]) in body
    client.force_login(volunteer)
    body = client.get(reverse("associations:space")).content.decode()
    assert "attend la réponse de ses membres" in body


# Invitations ---------------------------------------------------------------------------------------------


def _link(email) -> str:
    return re.search(r"/space/invitations/[^/\s]+/", email.body).group(0)


def test_a_member_invites_a_colleague_who_signs_up_and_joins(
    client, member, association, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("associations:invite", args=[association.pk]), {"email": "Collegue@Asso.org"})
    assert response.status_code == 302
    (email,) = mailoutbox
    assert email.to == ["collegue@asso.org"] and association.legal_name in email.body
    link = _link(email)
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Créer mon compte" in page.content.decode()
    # The colleague's account (signed up and confirmed), back on the link.
    colleague = UserFactory(email="collegue@asso.org")
    client.force_login(colleague)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(user=colleague, association=association).exists()
    # Single use.
    again = client.get(link)
    assert again.status_code == 404 and "déjà servi" in again.content.decode()


def test_the_invitation_brings_the_visitor_back_after_login(client, member, association, mailoutbox):
    invitation = services.invitation_send(association=association, email="collegue@asso.org", by=member)
    link = services.invitation_path(invitation)
    client.get(link)  # anonymous: remembered for after the login
    UserFactory(email="collegue@asso.org")
    response = client.post(reverse("account_login"), {"login": "collegue@asso.org", "password": "motdepasse-solide-42"})
    assert response.status_code == 302 and response["Location"] == link


def test_another_account_cannot_use_the_invitation(client, member, association):
    invitation = services.invitation_send(association=association, email="collegue@asso.org", by=member)
    intruder = UserFactory(email="intrus@example.org")
    client.force_login(intruder)
    link = services.invitation_path(invitation)
    page = client.get(link)
    assert "connectez-vous avec collegue@asso.org" in page.content.decode()
    client.post(link)
    assert not Membership.objects.filter(user=intruder).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_inviting_a_member_says_so(client, member, association):
    colleague = member_of(association, email="deja@asso.org")
    client.force_login(member)
    response = client.post(reverse("associations:invite", args=[association.pk]), {"email": colleague.email.upper()})
    assert response.status_code == 400
    assert "deja@asso.org est déjà membre de l&#x27;association." in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("email", ["", "pas-une-adresse", "a@b", "x" * 300 + "@example.org"])
def test_a_bad_address_is_a_field_error(client, member, association, email):
    client.force_login(member)
    response = client.post(reverse("associations:invite", args=[association.pk]), {"email": email})
    assert response.status_code == 400 and response.context["invitation_form"].errors["email"]
    assert not Invitation.objects.exists()


def test_inviting_again_sends_a_new_link_to_the_same_invitation(member, association, mailoutbox, settings):
    first = services.invitation_send(association=association, email="collegue@asso.org", by=member)
    with pytest.raises(Exception, match="attendez quelques minutes"):  # not right away: no flood of an inbox
        services.invitation_send(association=association, email="collegue@asso.org", by=member)
    later = timezone.now() + datetime.timedelta(seconds=settings.INVITATION_RESEND_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        second = services.invitation_send(association=association, email="collegue@asso.org", by=member)
    assert first.pk == second.pk and Invitation.objects.count() == 1


def test_an_expired_link_says_so(client, member, association, settings):
    invitation = services.invitation_send(association=association, email="collegue@asso.org", by=member)
    link = services.invitation_path(invitation)
    later = timezone.now() + datetime.timedelta(days=settings.INVITATION_MAX_AGE_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        response = client.get(link)
    assert response.status_code == 404 and "a expiré" in response.content.decode()


# Tokens are signed inside the test: a timestamped token in the parameters would differ between the xdist workers'
# collections (and break the run).
FORGED = {
    "not-signed": lambda: "abc",
    "other-salt": lambda: signing.dumps({"i": 1, "e": "x@y.org"}, salt="another-salt"),
    "not-a-dict": lambda: signing.dumps([1, 2], salt=INVITATION_SALT),
    "id-as-text": lambda: signing.dumps({"i": "1", "e": "x@y.org"}, salt=INVITATION_SALT),
}


@pytest.mark.parametrize("kind", sorted(FORGED))
def test_forged_links_are_refused(client, kind):
    token = FORGED[kind]()
    response = client.get(reverse("associations:invitation", args=[token]))
    assert response.status_code == 404
    assert "pas valide" in response.content.decode()


def test_a_link_for_another_address_of_the_same_invitation_is_refused(client, member, association):
    invitation = services.invitation_send(association=association, email="collegue@asso.org", by=member)
    forged = signing.dumps({"i": invitation.pk, "e": "intrus@example.org"}, salt=INVITATION_SALT, compress=True)
    assert client.get(reverse("associations:invitation", args=[forged])).status_code == 404


def test_only_members_may_invite(other_member, association):
    with pytest.raises(DomainError):
        services.invitation_send(association=association, email="x@example.org", by=other_member)


def test_open_invitations_are_capped(settings, member, association):
    settings.MAX_OPEN_INVITATIONS_PER_ASSOCIATION = 2
    for i in range(2):
        services.invitation_send(association=association, email=f"c{i}@asso.org", by=member)
    with pytest.raises(Exception, match="maximum"):
        services.invitation_send(association=association, email="c9@asso.org", by=member)


def test_accepting_an_invitation_answers_a_pending_request(member, association, volunteer):
    join_request = services.join_request_create(association=association, by=volunteer)
    invitation = services.invitation_send(association=association, email=volunteer.email, by=member)
    services.invitation_accept(invitation=invitation, by=volunteer)
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.ACCEPTED
    assert Membership.objects.filter(user=volunteer, association=association).count() == 1


# Personal data ---------------------------------------------------------------------------------------


def test_the_export_holds_ones_requests_and_invitations(member, association, volunteer):
    from accounts.privacy import user_export

    services.join_request_create(association=association, by=volunteer, message="Je suis la trésorière.")
    services.invitation_send(association=association, email=volunteer.email, by=member)
    data = user_export(user=volunteer)
    text = str(data)
    assert "Je suis la trésorière." in text and association.legal_name in text


def test_anonymisation_removes_pending_requests_messages_and_invitations(member, association, volunteer):
    from accounts.privacy import user_anonymise

    other = AssociationFactory()
    decided = services.join_request_create(association=other, by=volunteer, message="Mon numéro : 06 12 34 56 78")
    services.join_request_refuse(join_request=decided, by=staff_with_role("Instruction des candidatures"))
    services.join_request_create(association=association, by=volunteer, message="En attente")
    services.invitation_send(association=association, email=volunteer.email, by=member)
    user_anonymise(user=volunteer)
    assert list(JoinRequest.objects.filter(user=volunteer).values_list("status", "message")) == [("refused", "")]
    assert not Invitation.objects.filter(email__iexact="benevole@asso-a.example.org").exists()


def test_an_invited_person_signs_up_confirms_and_comes_back_to_the_invitation(
    client, member, association, mailoutbox, settings
):
    invitation = services.invitation_send(association=association, email="nouvelle@asso.org", by=member)
    link = services.invitation_path(invitation)
    client.get(link)
    password = "Un-mot-de-passe-42"
    signup = client.post(
        reverse("account_signup"), {"email": "nouvelle@asso.org", "password1": password, "password2": password}
    )
    assert signup.status_code == 302
    confirm = re.search(r"/accounts/confirm-email/[^/\s]+/", mailoutbox[-1].body).group(0)
    response = client.post(confirm)
    assert response.status_code == 302 and response["Location"] == link
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(user__email="nouvelle@asso.org", association=association).exists()
