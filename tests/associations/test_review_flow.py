"""The reviewer's day: answers flagged and emailed, messages, the next application after a decision, corrections
of an approval, the approve page's warnings, per-row bulk quantities, bulk waitlist and question, assignment."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.http import urlencode

from accounts import roles
from associations import services
from associations.models import Application, ApplicationEvent, Message
from core.errors import DomainError
from tests.factories.accounts import reviewer, staff_with_role
from tests.factories.associations import ApplicationFactory, AssociationFactory, approved_application, member_of
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_computers

pytestmark = pytest.mark.django_db
S = Application.Status
CHANGELIST = reverse("admin:associations_application_changelist")


def change_url(application) -> str:
    return reverse("admin:associations_application_change", args=[application.pk])


def step_url(application, step: str) -> str:
    return reverse("admin:associations_application_review", args=[application.pk, step])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def inès(db):
    return reviewer(email="ines@ville.example.org", first_name="Inès", last_name="Instructrice")


@pytest.fixture
def reviewer_client(client, inès):
    client.force_login(inès)
    return client


def _named(campaign, name: str, **fields) -> Application:
    association = AssociationFactory(legal_name=name)
    member_of(association, email=f"{name.split()[-1].lower()}@asso.example.org")
    return ApplicationFactory(campaign=campaign, association=association, **fields)


# Answers ---------------------------------------------------------------------------------------


def test_an_answer_is_flagged_emailed_to_the_reviewer_who_asked_and_shown_on_top(
    reviewer_client, inès, campaign, mailoutbox, django_capture_on_commit_callbacks
):
    other = reviewer(email="autre@ville.example.org")
    application = _named(campaign, "Les Amis Numériques")
    member = application.association.memberships.get().user
    with django_capture_on_commit_callbacks(execute=True):
        services.application_request_info(application=application, by=inès, message="Combien d'ateliers ?")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_answer(application=application, by=member, body="Huit ateliers par mois.")
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.answer_received_at is not None
    assert [m.to for m in mailoutbox] == [["ines@ville.example.org"]]  # the one who asked, not the whole team
    assert "Huit ateliers par mois." in mailoutbox[0].body and change_url(application) in mailoutbox[0].body
    assert other.email not in mailoutbox[0].to

    page = reviewer_client.get(change_url(application)).content.decode()
    top = page.index("answer-received")
    assert top < page.index("fieldset")  # above the application's fields
    assert "Huit ateliers par mois." in page[top:] and "Combien d&#x27;ateliers ?" in page[top:]
    listed = reviewer_client.get(CHANGELIST, {"reponse": "recue", "status__exact": "all"})
    assert [a.pk for a in listed.context["cl"].result_list] == [application.pk]
    assert "réponse reçue" in listed.content.decode()

    # The reviewer acts (a message without a status change): the flag goes.
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(step_url(application, "message"), {"message": "Merci, c'est noté."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.answer_received_at is None
    assert Message.objects.filter(application=application, from_staff=True, body="Merci, c'est noté.").exists()
    assert mailoutbox[-1].to == [member.email] and "Merci, c'est noté." in mailoutbox[-1].body
    assert not reviewer_client.get(CHANGELIST, {"reponse": "recue", "status__exact": "all"}).context["cl"].result_count


def test_an_answer_goes_to_the_assigned_reviewer_else_the_team(
    campaign, mailoutbox, django_capture_on_commit_callbacks
):
    team = [reviewer(email="a@ville.example.org"), reviewer(email="b@ville.example.org")]
    assigned = reviewer(email="suivi@ville.example.org")
    application = _named(campaign, "Asso Bavarde")
    member = application.association.memberships.get().user
    with django_capture_on_commit_callbacks(execute=True):
        services.application_answer(application=application, by=member, body="Une précision.")
    assert sorted(mailoutbox[-1].to) == sorted([*(u.email for u in team), assigned.email])
    services.application_assign(application=application, reviewer=assigned, by=team[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.application_answer(application=application, by=member, body="Une autre.")
    assert mailoutbox[-1].to == [assigned.email]


def test_the_team_writes_at_every_stage_but_not_on_a_draft(reviewer_client, campaign):
    # The association may write at every stage (issue 14): the team may answer after a decision too.
    application = approved_application(campaign)
    services.application_message(application=application, by=None, body="Le rendez-vous est confirmé.")
    application.refresh_from_db()
    assert application.status == S.APPROVED
    assert application.messages.filter(from_staff=True, body="Le rendez-vous est confirmé.").exists()
    assert reviewer_client.get(step_url(application, "message")).status_code == 200
    draft = _named(campaign, "Asso Brouillon", status=S.DRAFT)
    with pytest.raises(DomainError):
        services.application_message(application=draft, by=None, body="Bonjour")
    assert reviewer_client.get(step_url(draft, "message")).status_code == 404  # the team does not see drafts


# The list and the next application --------------------------------------------------------------


def test_the_list_opens_on_pending_applications_oldest_first_without_a_draft_filter(reviewer_client, campaign):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    newer = _named(campaign, "Asso Récente", submitted_at=now - datetime.timedelta(days=1))
    older = _named(campaign, "Asso Ancienne", submitted_at=now - datetime.timedelta(days=9))
    _named(campaign, "Asso Attente", status=S.WAITLISTED)
    response = reviewer_client.get(CHANGELIST)
    assert [a.pk for a in response.context["cl"].result_list] == [older.pk, newer.pk]
    status_filter = next(s for s in response.context["cl"].filter_specs if s.parameter_name == "status__exact")
    labels = [str(label) for _value, label in status_filter.lookup_choices]
    assert "Brouillon" not in labels and "Toutes" in labels
    assert [str(c["display"]) for c in status_filter.choices(response.context["cl"]) if c["selected"]] == [
        "En cours d'examen"
    ]
    assert reviewer_client.get(CHANGELIST, {"status__exact": "all"}).context["cl"].result_count == 3


def test_after_a_decision_the_next_application_of_the_filtered_list_opens(
    reviewer_client, campaign, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    first = _named(campaign, "Asso Une", submitted_at=now - datetime.timedelta(days=3))
    second = _named(campaign, "Asso Deux", submitted_at=now - datetime.timedelta(days=2))
    elsewhere = _named(campaign, "Asso Loin", submitted_at=now - datetime.timedelta(days=5))
    elsewhere.association.postal_code = "69001"
    elsewhere.association.save()
    filters = urlencode({"status__exact": "submitted", "code_postal": "13001"})
    query = urlencode({"_changelist_filters": filters})

    page = reviewer_client.get(f"{change_url(first)}?{query}")
    assert f"{step_url(first, 'approve')}?{query}" in page.content.decode().replace("&amp;", "&")
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(f"{step_url(first, 'approve')}?{query}", {"granted": "20"})
    assert response.status_code == 302
    assert response["Location"] == f"{change_url(second)}?{query}"  # not Asso Loin: another postal code
    assert any("candidature suivante" in m for m in messages_of(response))

    with django_capture_on_commit_callbacks(execute=True):
        last = reviewer_client.post(f"{step_url(second, 'reject')}?{query}", {"reason": "Hors périmètre."})
    assert last["Location"] == f"{CHANGELIST}?{filters}"
    assert any("Plus aucune candidature" in m for m in messages_of(last))


def test_a_message_or_a_correction_stays_on_the_application(reviewer_client, campaign):
    application = _named(campaign, "Asso Reste")
    _named(campaign, "Asso Suivante")
    response = reviewer_client.post(step_url(application, "message"), {"message": "Une question sans attente."})
    assert response["Location"] == change_url(application)


# Corrections of an approval ----------------------------------------------------------------------


def test_the_granted_quantity_can_be_corrected_with_a_reason_kept_and_emailed(
    reviewer_client, campaign, mailoutbox, django_capture_on_commit_callbacks
):
    application = approved_application(campaign, 20)
    member_of(application.association, email="tresorier@asso.example.org")
    missing = reviewer_client.post(step_url(application, "change-grant"), {"granted": "14", "reason": " "})
    assert missing.status_code == 200 and "reason" in missing.context["form"].errors
    out_of_bounds = reviewer_client.post(step_url(application, "change-grant"), {"granted": "31", "reason": "x"})
    assert "granted" in out_of_bounds.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            step_url(application, "change-grant"), {"granted": "14", "reason": "Le local ne tient que 14 postes."}
        )
    assert response.status_code == 302 and response["Location"] == change_url(application)
    application.refresh_from_db()
    assert (application.status, application.granted_quantity) == (S.APPROVED, 14)
    event = ApplicationEvent.objects.get(application=application, kind="grant")
    assert event.note == "20 → 14 : Le local ne tient que 14 postes."
    assert mailoutbox[-1].to == ["tresorier@asso.example.org"]
    assert "passe de 20 à 14" in mailoutbox[-1].body and "14 postes" in mailoutbox[-1].body


def test_a_grant_cannot_go_below_what_the_waves_hold_nor_reopen_while_a_wave_plans_units(campaign, inès):
    from donations import services as donation_services

    manager = staff_with_role(roles.CAMPAIGN_MANAGER)
    ready_computers(20)
    application = approved_application(campaign, 20)
    wave = WaveFactory(campaign=campaign, capacity=20)
    donation_services.wave_plan(wave=wave, by=manager)
    with pytest.raises(DomainError):
        services.application_reopen(application=application, reason="Erreur", by=inès)
    donation_services.wave_confirm(wave=wave, by=manager, notify=False)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.application_change_grant(application=application, granted=12, reason="Moins", by=inès)
    assert "au moins 20" in str(refused.value)
    application.refresh_from_db()
    assert application.granted_quantity == 20


def test_a_decision_can_be_reopened_back_to_review(
    reviewer_client, campaign, mailoutbox, django_capture_on_commit_callbacks
):
    application = approved_application(campaign, 20)
    member_of(application.association, email="presidente@asso.example.org")
    page = reviewer_client.get(change_url(application))
    assert {s["name"] for s in page.context["review_steps"]} == {"change-grant", "reopen", "message"}
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(step_url(application, "reopen"), {"reason": "Documents à revoir."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.granted_quantity, application.approved_at) == (S.SUBMITTED, None, None)
    event = ApplicationEvent.objects.filter(application=application, kind="status").latest("pk")
    assert (event.from_status, event.to_status, event.note) == (S.APPROVED, S.SUBMITTED, "Documents à revoir.")
    assert "réexamine" in mailoutbox[-1].body


# The approve page --------------------------------------------------------------------------------


def test_approve_page_shows_what_is_left_and_explains_a_request_under_the_minimum(reviewer_client, campaign):
    approved_application(campaign, 30)
    small = _named(campaign, "Petite Asso", requested_quantity=8, public_use_quantity=6, admin_use_quantity=2)
    page = reviewer_client.get(step_url(small, "approve"))
    html = page.content.decode()
    left = campaign.pledged_units - 30
    assert f"30 ordinateurs déjà accordés sur {campaign.pledged_units} promis, il en reste {left}" in html
    assert "moins que le minimum de la campagne (10)" in html
    assert page.context["form"]["granted"].value() == 10
    # The minimum itself needs no confirmation; more than both does.
    assert reviewer_client.post(step_url(small, "approve"), {"granted": "10"}).status_code == 302


def test_approve_page_words_agree_with_their_number(reviewer_client, campaign):
    # Nothing granted yet, and a request of a single computer: French puts 0 and 1 in the singular.
    single = _named(campaign, "Asso Unique", requested_quantity=1, public_use_quantity=1, admin_use_quantity=0)
    html = reviewer_client.get(step_url(single, "approve")).content.decode()
    assert f"Campagne : 0 ordinateur déjà accordé sur {campaign.pledged_units} promis" in html
    assert "L'association demande 1 ordinateur, moins que le minimum de la campagne (10)" in html


def test_granting_more_than_requested_asks_for_a_confirmation(reviewer_client, campaign):
    application = _named(campaign, "Asso Modeste")  # 20 requested
    refused = reviewer_client.post(step_url(application, "approve"), {"granted": "25"})
    assert refused.status_code == 200
    assert "Accorder plus que demandé" in " ".join(refused.context["form"].errors["granted"])
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    done = reviewer_client.post(step_url(application, "approve"), {"granted": "25", "above_request": "on"})
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.granted_quantity == 25


def test_the_change_page_approves_in_one_click(reviewer_client, campaign):
    application = _named(campaign, "Asso Rapide")
    page = reviewer_client.get(change_url(application))
    assert page.context["quick_approve"]["url"] == step_url(application, "approve")
    html = page.content.decode()
    assert 'name="granted"' in html
    # Not inside the change form: a browser drops a form nested in another one.
    assert html.index('class="quick-approve"') < html.index('id="application_form"')
    assert reviewer_client.post(page.context["quick_approve"]["url"], {"granted": "20"}).status_code == 302
    application.refresh_from_db()
    assert application.status == S.APPROVED


# Bulk decisions ------------------------------------------------------------------------------------


def _bulk(client, action: str, applications, **extra):
    data = {"action": action, "_selected_action": [a.pk for a in applications], **extra}
    return client.post(CHANGELIST + "?status__exact=all", data)


def test_bulk_approval_takes_a_quantity_per_row_and_writes_nothing_while_one_is_wrong(
    reviewer_client, campaign, django_capture_on_commit_callbacks
):
    one, two = _named(campaign, "Asso Un"), _named(campaign, "Asso Deux")
    page = _bulk(reviewer_client, "approve_selected", [one, two])
    assert f'name="granted-{one.pk}"' in page.content.decode()
    wrong = _bulk(
        reviewer_client,
        "approve_selected",
        [one, two],
        apply="yes",
        **{f"granted-{one.pk}": "12", f"granted-{two.pk}": "99"},
    )
    assert wrong.status_code == 200 and "Entre 10 et 30" in wrong.content.decode()
    assert set(Application.objects.values_list("status", flat=True)) == {S.SUBMITTED}
    with django_capture_on_commit_callbacks(execute=True):
        done = _bulk(
            reviewer_client,
            "approve_selected",
            [one, two],
            apply="yes",
            **{f"granted-{one.pk}": "12", f"granted-{two.pk}": "25"},
        )
    assert done.status_code == 302
    assert dict(Application.objects.values_list("pk", "granted_quantity")) == {one.pk: 12, two.pk: 25}


def test_bulk_waitlist_and_bulk_question(reviewer_client, campaign, mailoutbox, django_capture_on_commit_callbacks):
    one, two = _named(campaign, "Asso Un"), _named(campaign, "Asso Deux")
    three = _named(campaign, "Asso Trois")
    with django_capture_on_commit_callbacks(execute=True):
        _bulk(reviewer_client, "waitlist_selected", [one, two], apply="yes", note="Vague suivante.")
    assert dict(Application.objects.filter(pk__in=[one.pk, two.pk]).values_list("pk", "status")) == {
        one.pk: S.WAITLISTED,
        two.pk: S.WAITLISTED,
    }
    empty = _bulk(reviewer_client, "request_info_selected", [one, three], apply="yes", message=" ")
    assert empty.status_code == 200 and "message" in empty.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        _bulk(reviewer_client, "request_info_selected", [one, three], apply="yes", message="Votre local ?")
    assert set(Application.objects.filter(pk__in=[one.pk, three.pk]).values_list("status", flat=True)) == {
        S.INFO_REQUESTED
    }
    assert Message.objects.filter(body="Votre local ?", from_staff=True).count() == 2


# Assignment ----------------------------------------------------------------------------------------


def test_applications_are_assigned_to_a_reviewer_listed_and_filtered(reviewer_client, inès, campaign):
    mine = _named(campaign, "Asso Mienne")
    _named(campaign, "Asso Autre")
    _bulk(reviewer_client, "assign_to_me", [mine])
    mine.refresh_from_db()
    assert mine.assigned_to == inès
    assert ApplicationEvent.objects.filter(application=mine, kind="assigned", actor=inès).exists()
    listed = reviewer_client.get(CHANGELIST, {"instruite_par": "moi"})
    assert [a.pk for a in listed.context["cl"].result_list] == [mine.pk]
    assert "Inès Instructrice" in listed.content.decode()
    assert reviewer_client.get(CHANGELIST, {"instruite_par": "personne"}).context["cl"].result_count == 1
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.application_assign(application=mine, reviewer=staff_with_role(roles.INVENTORY_OPERATOR), by=inès)


def test_the_association_does_not_see_who_reviews_its_application(client, inès, campaign):
    application = _named(campaign, "Asso Curieuse")
    member = application.association.memberships.get().user
    services.application_assign(application=application, reviewer=inès, by=inès)
    client.force_login(member)
    page = client.get(application.get_absolute_url())
    assert page.status_code == 200
    assert "Inès" not in page.content.decode() and "Attribution" not in page.content.decode()
