"""The review of applications in the admin: pages, review steps, bulk actions, query counts."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from associations.admin import REVIEW_STEPS
from associations.models import Application, ApplicationEvent, Message, Mission
from associations.services import TRANSITIONS
from tests.admin_forms import no_inline_rows
from tests.factories.accounts import reviewer
from tests.factories.associations import ApplicationFactory, AssociationFactory, member_of
from tests.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db
S = Application.Status

CHANGELIST = reverse("admin:associations_application_changelist")


def change_url(application: Application) -> str:
    return reverse("admin:associations_application_change", args=[application.pk])


def step_url(application: Application, step: str) -> str:
    return reverse("admin:associations_application_review", args=[application.pk, step])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def reviewer_client(client):
    user = reviewer(email="instructrice@ville.example.org", first_name="Inès", last_name="Instructrice")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def application(campaign):
    association = AssociationFactory(legal_name="Les Amis du Numérique", postal_code="13003")
    member_of(association, email="presidente@amis.example.org")
    return ApplicationFactory(association=association, campaign=campaign, requested_quantity=20)


# Review steps, end to end ---------------------------------------------------------------------

STEP_CASES = [
    # step, POST data, status after, subject of the email, what the event note holds
    ("approve", {"granted": "18", "priority": "1", "note": "Bienvenue dans la campagne."}, S.APPROVED,
     "Candidature acceptée", "Bienvenue dans la campagne."),
    ("reject", {"reason": "Pas d'activité liée au numérique."}, S.REJECTED, "Réponse à votre candidature",
     "Pas d'activité liée au numérique."),
    ("waitlist", {"note": "Stock épuisé pour la vague 1."}, S.WAITLISTED, "Candidature sur liste d'attente",
     "Stock épuisé pour la vague 1."),
    ("request-info", {"message": "Combien d'ateliers par mois ?"}, S.INFO_REQUESTED,
     "Une question sur votre candidature", "Combien d'ateliers par mois ?"),
]  # fmt: skip


@pytest.mark.parametrize(("step", "data", "target", "subject", "note"), STEP_CASES)
def test_review_step_end_to_end(
    reviewer_client, application, mailoutbox, django_capture_on_commit_callbacks, step, data, target, subject, note
):
    page = reviewer_client.get(step_url(application, step))
    assert page.status_code == 200
    assert "Les Amis du Numérique" in page.content.decode()  # the application summary

    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(step_url(application, step), data)

    assert response.status_code == 302
    # No other application waits in the list: back to it (see test_next_application_opens_after_a_decision).
    assert response["Location"] == CHANGELIST
    application.refresh_from_db()
    assert application.status == target
    event = ApplicationEvent.objects.filter(application=application, kind="status").latest("pk")
    assert (event.from_status, event.to_status, event.actor) == (S.SUBMITTED, target, reviewer_client.user)
    assert event.note == note
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["presidente@amis.example.org"]
    assert subject in mailoutbox[0].subject
    assert any("Les Amis du Numérique" in m for m in messages_of(response))


def test_waitlist_without_a_note_is_a_valid_post(reviewer_client, application):
    response = reviewer_client.post(step_url(application, "waitlist"), {})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.WAITLISTED


def test_review_steps_appear_in_the_admin_history_page(reviewer_client, application):
    reviewer_client.post(step_url(application, "reject"), {"reason": "Hors périmètre."})
    history = reviewer_client.get(reverse("admin:associations_application_history", args=[application.pk]))
    assert "candidature refusée" in history.content.decode()


def test_approve_records_granted_quantity_priority_and_reason(reviewer_client, application):
    reviewer_client.post(step_url(application, "approve"), {"granted": "18", "priority": "1", "note": "Bravo"})
    application.refresh_from_db()
    assert (application.granted_quantity, application.priority, application.decision_reason) == (18, 1, "Bravo")
    assert application.decided_at is not None and application.approved_at is not None


def test_approve_page_prefills_requested_quantity_within_bounds(reviewer_client, campaign):
    within = ApplicationFactory(campaign=campaign, requested_quantity=24, public_use_quantity=20, admin_use_quantity=4)
    above = ApplicationFactory(campaign=campaign, requested_quantity=45, public_use_quantity=40, admin_use_quantity=5)
    assert reviewer_client.get(step_url(within, "approve")).context["form"]["granted"].value() == 24
    assert reviewer_client.get(step_url(above, "approve")).context["form"]["granted"].value() == 30


def test_approve_keeps_priority_when_left_unchanged(reviewer_client, application):
    reviewer_client.post(step_url(application, "approve"), {"granted": "20", "priority": ""})
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.priority == Application.Priority.NORMAL


@pytest.mark.parametrize(
    ("step", "data", "field", "text"),
    [
        ("approve", {"granted": "31"}, "granted", "au plus 30"),
        ("approve", {"granted": "9"}, "granted", "au moins 10"),
        ("approve", {"granted": ""}, "granted", "Indiquez le nombre"),
        ("approve", {"granted": "vingt"}, "granted", "nombre entier"),
        ("reject", {"reason": "   "}, "reason", "motif du refus est obligatoire"),
        ("request-info", {"message": ""}, "message", "Écrivez la question"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_changes_nothing(
    reviewer_client, application, mailoutbox, django_capture_on_commit_callbacks, step, data, field, text
):
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(step_url(application, step), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and text in " ".join(errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert not ApplicationEvent.objects.filter(application=application, kind="status").exclude(to_status=S.SUBMITTED)
    assert mailoutbox == []


def test_service_validation_error_lands_on_the_form_field(reviewer_client, application, monkeypatch):
    """Bounds can change between the page and the POST: the service's error is shown next to the field."""
    from django.core.exceptions import ValidationError

    from associations import services

    def refuse(**kwargs):
        raise ValidationError({"granted": "Le nombre accordé doit être compris entre 10 et 12."})

    monkeypatch.setattr(services, "application_approve", refuse)
    response = reviewer_client.post(step_url(application, "approve"), {"granted": "20"})
    assert response.status_code == 200
    assert response.context["form"].errors["granted"] == ["Le nombre accordé doit être compris entre 10 et 12."]


# A draft is not shown to staff at all (see test_drafts_are_not_shown_to_staff).
FORBIDDEN = [
    (source, step)
    for source in S.values
    if source != S.DRAFT
    for step, review_step in REVIEW_STEPS.items()
    if not review_step.offered(Application(status=source))
]


def test_drafts_are_not_shown_to_staff(reviewer_client, campaign):
    """Before the association submits (and consents), its draft and documents stay its own."""
    draft = ApplicationFactory(campaign=campaign, draft=True)
    changelist = reviewer_client.get(reverse("admin:associations_application_changelist"))
    assert draft not in changelist.context["cl"].result_list
    assert reviewer_client.get(change_url(draft)).status_code == 302  # "does not exist", back to the index
    for step in REVIEW_STEPS:
        assert reviewer_client.post(step_url(draft, step), {"granted": "20", "reason": "x"}).status_code in (302, 404)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    document = reverse("associations:application_document", args=[draft.pk, "statutes"])
    assert reviewer_client.get(document).status_code == 404


@pytest.mark.parametrize(("source", "step"), FORBIDDEN)
def test_forbidden_transition_is_refused_with_a_message(
    reviewer_client, campaign, mailoutbox, django_capture_on_commit_callbacks, source, step
):
    application = ApplicationFactory(
        campaign=campaign, status=source, granted_quantity=20 if source == S.APPROVED else None
    )
    events_before = ApplicationEvent.objects.filter(application=application).count()
    data = {"granted": "20", "reason": "Motif", "message": "Question", "note": "Note"}

    get = reviewer_client.get(step_url(application, step))
    assert get.status_code == 302 and get["Location"] == change_url(application)
    with django_capture_on_commit_callbacks(execute=True):
        post = reviewer_client.post(step_url(application, step), data)

    assert post.status_code == 302 and post["Location"] == change_url(application)
    assert any(m.startswith("Impossible de passer une candidature") for m in messages_of(post))
    assert (step in ("message", "change-grant", "reopen")) or REVIEW_STEPS[step].target not in TRANSITIONS[source]
    application.refresh_from_db()
    assert application.status == source
    assert ApplicationEvent.objects.filter(application=application).count() == events_before
    assert mailoutbox == []


def test_transition_refused_by_the_service_is_reported(reviewer_client, application, monkeypatch):
    """The status may change between the page and the POST: the service's refusal becomes a message."""
    from associations import services
    from core.errors import TransitionError

    def refuse(**kwargs):
        raise TransitionError("Impossible de passer une candidature « Acceptée » à « Refusée ».")

    monkeypatch.setattr(services, "application_reject", refuse)
    response = reviewer_client.post(step_url(application, "reject"), {"reason": "Motif"})
    assert response.status_code == 302
    assert "Impossible de passer une candidature « Acceptée » à « Refusée »." in messages_of(response)


def test_unknown_step_and_unknown_application_are_404(reviewer_client, application):
    assert reviewer_client.get(step_url(application, "delete")).status_code == 404
    missing = reverse("admin:associations_application_review", args=[987654, "approve"])
    assert reviewer_client.get(missing).status_code == 404


# The change page ------------------------------------------------------------------------------


ALLOWED_STEPS = {
    source: {step.label for step in REVIEW_STEPS.values() if step.offered(Application(status=source))}
    for source in S.values
    if source != S.DRAFT
}


@pytest.mark.parametrize(("source", "expected"), ALLOWED_STEPS.items())
def test_change_page_offers_only_the_allowed_steps(reviewer_client, campaign, source, expected):
    application = ApplicationFactory(
        campaign=campaign, status=source, granted_quantity=20 if source == S.APPROVED else None
    )
    response = reviewer_client.get(change_url(application))
    assert response.status_code == 200
    offered = {str(step["label"]) for step in response.context["review_steps"]}
    assert offered == {str(label) for label in expected}
    html = response.content.decode()
    for name, step in REVIEW_STEPS.items():
        assert (step_url(application, name) in html) == (str(step.label) in offered)


def test_change_page_shows_association_documents_messages_and_history(reviewer_client, application):
    Message.objects.create(application=application, from_staff=False, body="<script>alert('x')</script>Nos ateliers")
    ApplicationEvent.objects.create(application=application, kind="message", actor_label="Nadia", note="Réponse")
    application.association.missions.set(Mission.objects.filter(code="illectronism"))
    response = reviewer_client.get(change_url(application))
    html = response.content.decode()
    assert "Les Amis du Numérique" in html
    assert "Lutte contre l&#x27;illectronisme" in html or "Lutte contre l'illectronisme" in html
    assert reverse("associations:application_document", args=[application.pk, "statutes"]) in html
    assert reverse("associations:application_document", args=[application.pk, "activity_report"]) in html
    assert "&lt;script&gt;alert(" in html and "<script>alert(" not in html  # shown escaped
    assert "Réponse" in html


def test_document_link_streams_the_pdf_to_the_reviewer(reviewer_client, application):
    response = reviewer_client.get(reverse("associations:application_document", args=[application.pk, "statutes"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_decision_fields_are_read_only_and_priority_goes_through_its_service(reviewer_client, application):
    response = reviewer_client.get(change_url(application))
    form_fields = set(response.context["adminform"].form.fields)
    assert form_fields == {"priority", "assigned_to"}

    posted = reviewer_client.post(
        change_url(application),
        {
            "priority": "1",
            "status": S.APPROVED,
            "granted_quantity": "30",
            "decision_reason": "forcé",
            # the read-only inlines' management forms
            **no_inline_rows("messages", "events"),
        },
    )
    assert posted.status_code == 302
    application.refresh_from_db()
    assert (application.priority, application.status, application.granted_quantity) == (1, S.SUBMITTED, None)
    event = ApplicationEvent.objects.filter(application=application, kind="priority").get()
    assert event.actor == reviewer_client.user and event.note == "3 → 1"


def test_priority_is_editable_from_the_list(reviewer_client, campaign):
    first, second = ApplicationFactory.create_batch(2, campaign=campaign)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(second.pk),
        "form-0-priority": "2",
        "form-1-id": str(first.pk),
        "form-1-priority": "3",
        "_save": "Enregistrer",
    }
    response = reviewer_client.post(CHANGELIST, data)
    assert response.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.priority, first.priority) == (2, 3)
    assert ApplicationEvent.objects.filter(application=second, kind="priority", actor=reviewer_client.user).count() == 1
    assert not ApplicationEvent.objects.filter(application=first, kind="priority").exists()


def test_history_and_messages_cannot_be_added_changed_or_deleted(rf, application):
    from django.contrib import admin

    from tests.factories.accounts import UserFactory

    superuser = UserFactory(email="root@ville.example.org", is_staff=True, is_superuser=True)
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[Application]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_delete_permission(request, application)
    for inline in model_admin.get_inline_instances(request, application):
        assert not inline.has_add_permission(request, application)
        assert not inline.has_change_permission(request, application)
        assert not inline.has_delete_permission(request, application)
    assert ApplicationEvent not in admin.site._registry
    assert Message not in admin.site._registry


# The list ---------------------------------------------------------------------------------------


def test_counts_per_status_link_to_the_filtered_list(reviewer_client, campaign):
    ApplicationFactory.create_batch(3, campaign=campaign, status=S.SUBMITTED)
    ApplicationFactory(campaign=campaign, status=S.WAITLISTED)
    ApplicationFactory(campaign=campaign, status=S.APPROVED, granted_quantity=12)
    response = reviewer_client.get(CHANGELIST)
    counts = {row["status"]: row["count"] for row in response.context["status_counts"]}
    assert counts[S.SUBMITTED] == 3 and counts[S.WAITLISTED] == 1 and counts[S.APPROVED] == 1
    assert counts[S.REJECTED] == 0
    assert response.context["status_total"]["count"] == 5
    submitted = next(r for r in response.context["status_counts"] if r["status"] == S.SUBMITTED)
    assert "status__exact=submitted" in submitted["url"]

    filtered = reviewer_client.get(CHANGELIST + submitted["url"])
    assert filtered.context["cl"].result_count == 3
    # The counts ignore the status filter but follow the others.
    assert filtered.context["status_total"]["count"] == 5
    other = CampaignFactory()
    ApplicationFactory(campaign=other)
    by_campaign = reviewer_client.get(CHANGELIST, {"campaign__id__exact": other.pk})
    assert by_campaign.context["status_total"]["count"] == 1


def names_in(response) -> set[str]:
    return {a.association.legal_name for a in response.context["cl"].result_list}


def test_filters(reviewer_client, campaign):
    employment = Mission.objects.get(code="employment")
    mediation = Mission.objects.get(code="mediation")
    a = ApplicationFactory(
        campaign=campaign,
        association=AssociationFactory(legal_name="Emploi Nord", postal_code="13015", missions=[employment]),
        requested_quantity=12, public_use_quantity=10, admin_use_quantity=2,
    )  # fmt: skip
    b = ApplicationFactory(
        campaign=campaign,
        association=AssociationFactory(legal_name="Médiation Sud", postal_code="13008", missions=[mediation]),
        requested_quantity=28, public_use_quantity=20, admin_use_quantity=8, status=S.WAITLISTED,
    )  # fmt: skip
    other_campaign = ApplicationFactory(association=AssociationFactory(legal_name="Ailleurs"))
    assert a and b and other_campaign

    every = {"status__exact": "all"}
    assert names_in(reviewer_client.get(CHANGELIST, {"mission": "employment", **every})) == {"Emploi Nord"}
    assert names_in(reviewer_client.get(CHANGELIST, {"code_postal": "13008", **every})) == {"Médiation Sud"}
    assert names_in(reviewer_client.get(CHANGELIST, {"demandes": "10-14", **every})) == {"Emploi Nord"}
    assert names_in(reviewer_client.get(CHANGELIST, {"demandes": "25-30", **every})) == {"Médiation Sud"}
    assert names_in(reviewer_client.get(CHANGELIST, {"status__exact": "waitlisted"})) == {"Médiation Sud"}
    # The list opens on the applications waiting for a decision.
    assert names_in(reviewer_client.get(CHANGELIST, {"code_postal": "13008"})) == set()
    assert names_in(reviewer_client.get(CHANGELIST)) == {"Emploi Nord", "Ailleurs"}
    assert names_in(reviewer_client.get(CHANGELIST, {"campaign__id__exact": campaign.pk, **every})) == {
        "Emploi Nord",
        "Médiation Sud",
    }


def test_search_by_name_rna_siret_and_emails(reviewer_client, campaign):
    association = AssociationFactory(
        legal_name="Cyber-Base Belle de Mai", rna="W133000123", siret="73282932000074", contact_email="cb@asso.org"
    )
    member_of(association, email="tresoriere@cyberbase.example.org")
    ApplicationFactory(campaign=campaign, association=association)
    ApplicationFactory(campaign=campaign, association=AssociationFactory(legal_name="Autre association"))
    for term in ("belle de mai", "W133000123", "73282932000074", "cb@asso.org", "tresoriere@cyberbase"):
        assert names_in(reviewer_client.get(CHANGELIST, {"q": term})) == {"Cyber-Base Belle de Mai"}, term


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _make_applications(count: int, campaign) -> None:
    statuses = [S.SUBMITTED, S.WAITLISTED, S.INFO_REQUESTED, S.APPROVED, S.REJECTED, S.DRAFT]
    missions = list(Mission.objects.all())
    for i in range(count):
        status = statuses[i % len(statuses)]
        association = AssociationFactory(postal_code=f"130{(i % 16) + 1:02d}", missions=missions[: 1 + i % 3])
        member_of(association)
        application = ApplicationFactory(
            campaign=campaign if i % 2 else CampaignFactory(),
            association=association,
            status=status,
            granted_quantity=15 if status == S.APPROVED else None,
        )
        Message.objects.create(application=application, from_staff=True, body="Question")


def test_changelist_query_count_does_not_grow_with_rows(reviewer_client, campaign):
    _make_applications(3, campaign)
    _changelist_queries(reviewer_client)  # warm caches (content types, sessions)
    small = _changelist_queries(reviewer_client)
    _make_applications(27, campaign)
    large = _changelist_queries(reviewer_client)
    assert Application.objects.count() == 30
    assert small == large, (small, large)


def test_change_page_query_count_does_not_grow_with_history(reviewer_client, application):
    reviewer_client.get(change_url(application))
    with CaptureQueriesContext(connection) as small:
        reviewer_client.get(change_url(application))
    for i in range(20):
        Message.objects.create(application=application, from_staff=bool(i % 2), body=f"Message {i}")
        ApplicationEvent.objects.create(application=application, kind="message", note=f"Note {i}")
    with CaptureQueriesContext(connection) as large:
        reviewer_client.get(change_url(application))
    assert len(small.captured_queries) == len(large.captured_queries)


# Bulk actions -------------------------------------------------------------------------------------


def _bulk(client, action: str, applications, **extra):
    data = {"action": action, "_selected_action": [a.pk for a in applications], **extra}
    return client.post(CHANGELIST + "?status__exact=all", data)


def test_bulk_approve_confirms_then_approves_each_with_its_clamped_quantity(
    reviewer_client, campaign, mailoutbox, django_capture_on_commit_callbacks
):
    small = ApplicationFactory(
        campaign=campaign, association=AssociationFactory(legal_name="Petite Asso"),
        requested_quantity=6, public_use_quantity=6, admin_use_quantity=0,
    )  # fmt: skip
    normal = ApplicationFactory(campaign=campaign, association=AssociationFactory(legal_name="Asso Normale"))
    waitlisted = ApplicationFactory(
        campaign=campaign, association=AssociationFactory(legal_name="Asso En Attente"), status=S.WAITLISTED,
        requested_quantity=40, public_use_quantity=30, admin_use_quantity=10,
    )  # fmt: skip
    done = ApplicationFactory(
        campaign=campaign, association=AssociationFactory(legal_name="Asso Déjà Refusée"), status=S.REJECTED
    )
    selection = [small, normal, waitlisted, done]

    confirm = _bulk(reviewer_client, "approve_selected", selection)
    assert confirm.status_code == 200
    plan = {row["application"].pk: row for row in confirm.context["plan"]}
    assert plan[small.pk]["granted"] == 10 and plan[waitlisted.pk]["granted"] == 30
    assert not plan[done.pk]["allowed"]
    small.refresh_from_db()
    assert small.status == S.SUBMITTED  # nothing happens before the confirmation

    with django_capture_on_commit_callbacks(execute=True):
        response = _bulk(reviewer_client, "approve_selected", selection, apply="yes")
    assert response.status_code == 302
    granted = {
        a.pk: (a.status, a.granted_quantity) for a in Application.objects.filter(pk__in=[x.pk for x in selection])
    }
    assert granted[small.pk] == (S.APPROVED, 10)
    assert granted[normal.pk] == (S.APPROVED, 20)
    assert granted[waitlisted.pk] == (S.APPROVED, 30)
    assert granted[done.pk] == (S.REJECTED, None)
    texts = messages_of(response)
    assert len(texts) == 4
    assert "« Petite Asso » : acceptée, 10 ordinateurs accordés. (6 demandés)" in texts
    assert "« Asso Normale » : acceptée, 20 ordinateurs accordés." in texts
    assert any(t.startswith("« Asso Déjà Refusée » : non acceptée – Impossible de passer") for t in texts)
    assert len(mailoutbox) == 3
    assert ApplicationEvent.objects.filter(kind="status", to_status=S.APPROVED, actor=reviewer_client.user).count() == 3


def test_bulk_reject_asks_for_one_reason_applied_to_all(
    reviewer_client, campaign, mailoutbox, django_capture_on_commit_callbacks
):
    first = ApplicationFactory(campaign=campaign, association=AssociationFactory(legal_name="Asso Une"))
    second = ApplicationFactory(
        campaign=campaign, association=AssociationFactory(legal_name="Asso Deux"), status=S.INFO_REQUESTED
    )
    approved = ApplicationFactory(
        campaign=campaign, association=AssociationFactory(legal_name="Asso Acceptée"), status=S.APPROVED,
        granted_quantity=20,
    )  # fmt: skip
    selection = [first, second, approved]

    confirm = _bulk(reviewer_client, "reject_selected", selection)
    assert confirm.status_code == 200 and "reason" in confirm.context["form"].fields

    missing_reason = _bulk(reviewer_client, "reject_selected", selection, apply="yes", reason="  ")
    assert missing_reason.status_code == 200
    assert "reason" in missing_reason.context["form"].errors
    first.refresh_from_db()
    assert first.status == S.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        response = _bulk(reviewer_client, "reject_selected", selection, apply="yes", reason="Hors périmètre.")
    assert response.status_code == 302
    statuses = dict(Application.objects.filter(pk__in=[a.pk for a in selection]).values_list("pk", "status"))
    assert statuses == {first.pk: S.REJECTED, second.pk: S.REJECTED, approved.pk: S.APPROVED}
    assert Application.objects.get(pk=first.pk).decision_reason == "Hors périmètre."
    texts = messages_of(response)
    assert "« Asso Une » : refusée." in texts and "« Asso Deux » : refusée." in texts
    assert any(t.startswith("« Asso Acceptée » : non refusée – Impossible de passer") for t in texts)
    assert len(mailoutbox) == 2


def test_bulk_actions_follow_the_list_filters_with_select_across(reviewer_client, campaign):
    waiting = ApplicationFactory.create_batch(2, campaign=campaign, status=S.WAITLISTED)
    submitted = ApplicationFactory(campaign=campaign)
    url = CHANGELIST + "?status__exact=waitlisted"
    data = {"action": "approve_selected", "_selected_action": [waiting[0].pk], "select_across": "1", "apply": "yes"}
    response = reviewer_client.post(url, data)
    assert response.status_code == 302
    assert set(Application.objects.filter(status=S.APPROVED).values_list("pk", flat=True)) == {a.pk for a in waiting}
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_the_postal_code_filter_offers_only_the_codes_of_the_readers_organisers(client):
    from tests.factories.campaigns import lyon

    ApplicationFactory(association=AssociationFactory(postal_code="13015"))  # Marseille's
    ApplicationFactory(association=AssociationFactory(postal_code="69008"), campaign=CampaignFactory(organiser=lyon()))
    client.force_login(reviewer(organiser=lyon()))
    page = client.get(reverse("admin:associations_application_changelist")).content.decode()
    assert "code_postal=69008" in page and "code_postal=13015" not in page
    client.force_login(reviewer())
    page = client.get(reverse("admin:associations_application_changelist")).content.decode()
    assert "code_postal=13015" in page and "code_postal=69008" not in page
