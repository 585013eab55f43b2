import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from associations import services
from associations.models import Application, ApplicationEvent, Message
from core.errors import DomainError, TransitionError
from tests.factories.accounts import reviewer
from tests.factories.associations import ApplicationFactory, AssociationFactory, member_of
from tests.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db
S = Application.Status


def do(action: str, application: Application, user):
    """Run one review or association action by name."""
    if action == S.SUBMITTED:
        if application.status == S.INFO_REQUESTED:  # an answer puts it back in review
            return services.application_answer(application=application, by=user, body="Voici nos précisions.")
        if application.status == S.APPROVED:  # a reviewer reopens the decision
            return services.application_reopen(application=application, by=user, reason="Quantité à revoir.")
        return services.application_submit(application=application, by=user, consent=True)
    if action == S.APPROVED:
        return services.application_approve(application=application, granted=20, by=user)
    if action == S.REJECTED:
        return services.application_reject(application=application, by=user, reason="Hors du périmètre.")
    if action == S.WAITLISTED:
        return services.application_waitlist(application=application, by=user, note="Stock épuisé.")
    if action == S.INFO_REQUESTED:
        return services.application_request_info(application=application, by=user, message="Combien d'ateliers ?")
    if action == S.WITHDRAWN:
        return services.application_withdraw(application=application, by=user)
    raise AssertionError(action)


ALL_PAIRS = [(src, dst) for src in S.values for dst in S.values if dst != S.DRAFT]


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused_by_the_table(source, target, django_capture_on_commit_callbacks):
    application = ApplicationFactory(status=source, granted_quantity=20 if source == S.APPROVED else None)
    user = reviewer()
    before = ApplicationEvent.objects.filter(application=application).count()
    allowed = target in services.TRANSITIONS[source]
    if allowed:
        do(target, application, user)
        application.refresh_from_db()
        assert application.status == target
        event = ApplicationEvent.objects.filter(application=application, kind="status").latest("pk")
        assert (event.from_status, event.to_status, event.actor) == (source, target, user)
    else:
        with pytest.raises((TransitionError, DomainError)):
            do(target, application, user)
        application.refresh_from_db()
        assert application.status == source
        assert ApplicationEvent.objects.filter(application=application).count() == before


def test_submit_checks_completeness_and_consent():
    blank = {"requested_quantity": None, "public_use_quantity": None, "admin_use_quantity": None, "project": ""}
    application = ApplicationFactory(draft=True, statutes=None, activity_report=None, **blank)
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(application=application, by=None, consent=False)
    assert set(excinfo.value.message_dict) >= {
        "requested_quantity",
        "project",
        "statutes",
        "activity_report",
        "consent",
    }
    application.refresh_from_db()
    assert application.status == S.DRAFT


def test_submit_sends_acknowledgement_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    association = AssociationFactory()
    user = member_of(association, email="presidente@asso.example.org")
    application = ApplicationFactory(association=association, draft=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, by=user, consent=True)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.consent_at is not None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["presidente@asso.example.org"]
    assert "Candidature reçue" in mailoutbox[0].subject


def test_decision_email_follows_the_members_language(mailoutbox, django_capture_on_commit_callbacks):
    association = AssociationFactory()
    member_of(association, email="fr@asso.example.org", language="fr")
    member_of(association, email="en@asso.example.org", language="en")
    application = ApplicationFactory(association=association)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(application=application, by=reviewer(), reason="Dossier incomplet.")
    subjects = {tuple(m.to): m.subject for m in mailoutbox}
    assert "Réponse à votre candidature" in subjects[("fr@asso.example.org",)]
    assert "Reply to your application" in subjects[("en@asso.example.org",)]
    assert all("Dossier incomplet." in m.body for m in mailoutbox)


def test_no_email_when_the_transaction_rolls_back(mailoutbox, django_capture_on_commit_callbacks):
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.application_reject(application=application, by=reviewer(), reason="Motif.")
            raise RuntimeError("boom")
    assert callbacks == [] and mailoutbox == []
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


@pytest.mark.parametrize("granted", [None, 0, 9, 31, 100])
def test_approve_refuses_a_quantity_outside_the_campaign_bounds(granted):
    application = ApplicationFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.application_approve(application=application, granted=granted, by=reviewer())
    assert "entre 10 et 30" in str(excinfo.value.message_dict["granted"])
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.granted_quantity is None


def test_approve_uses_the_bounds_of_its_campaign():
    campaign = CampaignFactory(min_per_association=5, max_per_association=12)
    application = ApplicationFactory(
        campaign=campaign, requested_quantity=8, public_use_quantity=8, admin_use_quantity=0
    )
    services.application_approve(application=application, granted=5, by=reviewer(), priority=1)
    application.refresh_from_db()
    assert (application.status, application.granted_quantity, application.priority) == (S.APPROVED, 5, 1)
    assert application.approved_at is not None


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_requires_a_reason(reason):
    application = ApplicationFactory()
    with pytest.raises(ValidationError):
        services.application_reject(application=application, by=reviewer(), reason=reason)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_request_info_then_answer_puts_it_back_in_review(mailoutbox, django_capture_on_commit_callbacks):
    association = AssociationFactory()
    member = member_of(association)
    application = ApplicationFactory(association=association)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_request_info(application=application, by=reviewer(), message="Avez-vous un local ?")
    application.refresh_from_db()
    assert application.status == S.INFO_REQUESTED
    assert "Avez-vous un local ?" in mailoutbox[0].body
    services.application_answer(application=application, by=member, body="Oui, une salle de 40 m².")
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert list(Message.objects.filter(application=application).values_list("from_staff", flat=True)) == [True, False]


def test_a_draft_can_be_edited_but_a_submitted_application_cannot():
    application = ApplicationFactory(status=S.DRAFT)
    services.application_update(application=application, by=None, project="Nouveau projet")
    application.refresh_from_db()
    assert application.project == "Nouveau projet"
    application = ApplicationFactory(status=S.SUBMITTED)
    with pytest.raises(DomainError):
        services.application_update(application=application, by=None, project="Autre")


def test_one_open_application_per_association_and_campaign_is_enforced_by_the_database():
    application = ApplicationFactory()
    with pytest.raises(DomainError):
        services.application_create(association=application.association, campaign=application.campaign, by=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(association=application.association, campaign=application.campaign)
    # once rejected, the association may apply again
    services.application_reject(application=application, by=reviewer(), reason="Incomplet")
    again = services.application_create(association=application.association, campaign=application.campaign, by=None)
    assert again.status == S.DRAFT


def test_the_database_refuses_quantities_that_do_not_add_up():
    application = ApplicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(public_use_quantity=1)


def test_the_database_refuses_an_approval_without_grant():
    application = ApplicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(status=S.APPROVED, granted_quantity=None)


def test_applying_to_a_closed_campaign_is_refused():
    campaign = CampaignFactory(status="closed")
    with pytest.raises(DomainError):
        services.application_create(association=AssociationFactory(), campaign=campaign, by=None)


def test_priority_change_is_kept_in_the_history():
    application = ApplicationFactory()
    services.application_set_priority(application=application, priority=1, by=reviewer())
    application.refresh_from_db()
    assert application.priority == 1
    assert ApplicationEvent.objects.filter(application=application, kind="priority", note="3 → 1").exists()
    with pytest.raises(ValidationError):
        services.application_set_priority(application=application, priority=9, by=reviewer())


def test_association_changes_record_who_made_them(caplog):
    association = AssociationFactory()
    member = member_of(association)
    with caplog.at_level("INFO", logger="associations.services"):
        services.association_update(association=association, by=member, city="Aix-en-Provence")
    (record,) = [r for r in caplog.records if r.getMessage() == "association updated"]
    assert (record.association_id, record.by_id, record.fields) == (association.pk, member.pk, ["city"])
