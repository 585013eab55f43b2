"""A sent report corrected at the association's request: it asks (with a reason), staff reopen or refuse in the
admin (history row, email), the association corrects and sends again. Another association can do nothing."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import roles
from core.errors import TransitionError
from impact import services
from impact.models import ImpactReminder, ImpactReport
from tests.clients import Client
from tests.factories.accounts import staff_with_role
from tests.factories.associations import member_of
from tests.impact.conftest import GOOD, Q1_DUE

pytestmark = pytest.mark.django_db

S = ImpactReport.Status
REASON = "Nous avons oublié les ateliers de mars (3 ateliers, 24 personnes)."


@pytest.fixture
def reviewer(db):
    return staff_with_role(roles.REVIEWER, email="instr-reopen@example.org")


@pytest.fixture
def sent(report):
    services.impact_report_save(report=report, by=None, submit=True, **GOOD)
    report.refresh_from_db()
    return report


@pytest.fixture
def accepted(sent, reviewer):
    services.impact_report_accept(report=sent, by=reviewer)
    sent.refresh_from_db()
    return sent


@pytest.fixture
def member(report):
    return member_of(report.association, email="membre-reopen@example.org")


@pytest.fixture
def other_member(reports):
    return member_of(reports[1].association, email="autre-asso@example.org")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reopen_url(report) -> str:
    return reverse("impact:report_reopen", args=[report.pk])


def _admin_url(report) -> str:
    return reverse("admin:impact_impactreport_reopen", args=[report.pk])


# The services --------------------------------------------------------------------------------------


def test_asking_needs_a_reason_and_keeps_the_figures_counted(sent, member):
    for blank in ("", "   ", "a\x00b"):
        with pytest.raises(ValidationError) as exc:
            services.impact_report_request_reopen(report=sent, by=member, reason=blank)
        assert "reason" in exc.value.message_dict
    sent.refresh_from_db()
    assert sent.status == S.SUBMITTED

    services.impact_report_request_reopen(report=sent, by=member, reason=f"  {REASON}  ")
    sent.refresh_from_db()
    assert sent.status == S.REOPEN_REQUESTED and sent.reopen_reason == REASON
    event = sent.events.order_by("-pk").first()
    assert (event.from_status, event.to_status, event.note, event.actor) == (
        S.SUBMITTED,
        S.REOPEN_REQUESTED,
        REASON,
        member,
    )
    # Until staff decide, the report stays as sent: counted, not editable.
    assert ImpactReport.objects.counted().filter(pk=sent.pk).exists()
    assert not sent.is_editable
    with pytest.raises(TransitionError):
        services.impact_report_submit(report=sent, by=member)


def test_a_report_never_sent_cannot_be_reopened(report, member):
    with pytest.raises(TransitionError):
        services.impact_report_request_reopen(report=report, by=member, reason=REASON)
    report.refresh_from_db()
    assert report.status == S.DRAFT and report.reopen_reason == ""


def test_the_database_refuses_a_request_without_reason(sent):
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactReport.objects.filter(pk=sent.pk).update(status=S.REOPEN_REQUESTED, reopen_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactReport.objects.filter(pk=sent.pk).update(status="reopen")  # not a status


def test_reopened_corrected_and_sent_again(accepted, member, reviewer, django_capture_on_commit_callbacks):
    services.impact_report_request_reopen(report=accepted, by=member, reason=REASON)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.impact_report_reopen_accept(report=accepted, by=reviewer, note="D'accord, corrigez.")
    accepted.refresh_from_db()
    assert accepted.status == S.REOPENED and accepted.accepted_at is None
    assert accepted.is_editable and not accepted.is_overdue(datetime.date(2030, 1, 1))  # not owed again
    assert not ImpactReport.objects.counted().filter(pk=accepted.pk).exists()
    (email,) = [m for m in mail.outbox if member.email in m.to]
    assert "rouvert" in email.subject and REASON in email.body and "D'accord, corrigez." in email.body
    assert accepted.get_absolute_url() in email.body

    services.impact_report_save(
        report=accepted, by=member, submit=True, **{**GOOD, "workshops_held": 13, "workshop_hours": 20}
    )
    accepted.refresh_from_db()
    assert accepted.status == S.SUBMITTED and accepted.workshops_held == 13
    statuses = list(accepted.events.filter(kind="status").order_by("pk").values_list("to_status", flat=True))
    assert statuses[-4:] == [S.ACCEPTED, S.REOPEN_REQUESTED, S.REOPENED, S.SUBMITTED]


@pytest.mark.parametrize("start", ["sent", "accepted"])
def test_refused_goes_back_to_where_it_was(request, start, member, reviewer, django_capture_on_commit_callbacks):
    report = request.getfixturevalue(start)
    before = report.status
    services.impact_report_request_reopen(report=report, by=member, reason=REASON)
    with pytest.raises(ValidationError) as exc:
        services.impact_report_reopen_refuse(report=report, by=reviewer, message="  ")
    assert "message" in exc.value.message_dict
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.impact_report_reopen_refuse(report=report, by=reviewer, message="Les chiffres sont déjà justes.")
    report.refresh_from_db()
    assert report.status == before
    event = report.events.order_by("-pk").first()
    assert (event.to_status, event.note, event.actor) == (before, "Les chiffres sont déjà justes.", reviewer)
    (email,) = [m for m in mail.outbox if member.email in m.to]
    assert "refusée" in email.subject and "Les chiffres sont déjà justes." in email.body


def test_a_reopened_report_gets_no_reminder(accepted, member, reviewer):
    services.impact_report_request_reopen(report=accepted, by=member, reason=REASON)
    services.impact_report_reopen_accept(report=accepted, by=reviewer)
    now = datetime.datetime.combine(Q1_DUE + datetime.timedelta(days=30), datetime.time(9), tzinfo=datetime.UTC)
    services.impact_reminders_send(now=now)
    assert not ImpactReminder.objects.filter(report=accepted).exists()
    assert not ImpactReport.objects.overdue(Q1_DUE + datetime.timedelta(days=30)).filter(pk=accepted.pk).exists()


# The association's space ---------------------------------------------------------------------------


def test_the_member_asks_from_the_report_page(sent, member):
    client = _client(member)
    page = client.get(sent.get_absolute_url()).content.decode()
    assert f'action="{_reopen_url(sent)}"' in page and "Demander une correction" in page
    response = client.post(_reopen_url(sent), {"reason": REASON})
    assert response.status_code == 302 and response.url == sent.get_absolute_url()
    sent.refresh_from_db()
    assert sent.status == S.REOPEN_REQUESTED
    page = client.get(sent.get_absolute_url()).content.decode()
    assert "Correction demandée" in page and REASON in page
    assert _reopen_url(sent) not in page  # one request at a time


def test_the_member_must_say_what_to_correct(sent, member):
    response = _client(member).post(_reopen_url(sent), {"reason": "   "})
    assert response.status_code == 200
    assert "Dites ce que vous voulez corriger" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == S.SUBMITTED


def test_a_draft_offers_no_request_and_refuses_one(report, member):
    client = _client(member)
    assert _reopen_url(report) not in client.get(report.get_absolute_url()).content.decode()
    response = client.post(_reopen_url(report), {"reason": REASON}, follow=True)
    assert response.redirect_chain == [(report.get_absolute_url(), 302)]
    assert "Impossible de passer" in response.content.decode()
    report.refresh_from_db()
    assert report.status == S.DRAFT


def test_another_association_cannot_ask(sent, other_member, reviewer):
    assert _client(other_member).post(_reopen_url(sent), {"reason": REASON}).status_code == 404
    assert _client(reviewer).post(_reopen_url(sent), {"reason": REASON}).status_code == 404  # staff use the admin
    anonymous = Client().post(_reopen_url(sent), {"reason": REASON})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    sent.refresh_from_db()
    assert sent.status == S.SUBMITTED and not sent.events.filter(to_status=S.REOPEN_REQUESTED).exists()


def test_the_request_is_a_post(sent, member):
    assert _client(member).get(_reopen_url(sent)).status_code == 405


def test_the_member_corrects_and_resends_once_reopened(accepted, member, reviewer):
    services.impact_report_request_reopen(report=accepted, by=member, reason=REASON)
    services.impact_report_reopen_accept(report=accepted, by=reviewer)
    client = _client(member)
    page = client.get(accepted.get_absolute_url()).content.decode()
    assert "Votre demande de correction est acceptée" in page and 'name="submit"' in page
    data = {**GOOD, "workshops_held": 13, "workshop_hours": "20", "submit": "1"}
    response = client.post(accepted.get_absolute_url(), data)
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == S.SUBMITTED and accepted.workshops_held == 13
    # Another association can neither see nor edit it.
    other = member_of(
        ImpactReport.objects.exclude(association=accepted.association).first().association, email="x@autre.example"
    )
    assert _client(other).post(accepted.get_absolute_url(), data).status_code == 404


# The admin -----------------------------------------------------------------------------------------


def test_staff_answer_in_the_admin(sent, member, reviewer, django_capture_on_commit_callbacks):
    services.impact_report_request_reopen(report=sent, by=member, reason=REASON)
    client = _client(reviewer)
    change = client.get(reverse("admin:impact_impactreport_change", args=[sent.pk])).content.decode()
    assert _admin_url(sent) in change
    page = client.get(_admin_url(sent))
    assert page.status_code == 200 and REASON in page.content.decode()
    # Refusing needs a reason; nothing changes without one.
    response = client.post(_admin_url(sent), {"decision": "refuse", "message": ""})
    assert response.status_code == 200 and "pourquoi la correction est refusée" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == S.REOPEN_REQUESTED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_admin_url(sent), {"decision": "accept", "message": ""})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == S.REOPENED
    assert any(member.email in m.to for m in mail.outbox)
    # Answered: a second answer is refused with a message, nothing changes.
    response = client.post(_admin_url(sent), {"decision": "refuse", "message": "Trop tard."}, follow=True)
    sent.refresh_from_db()
    assert sent.status == S.REOPENED
    assert "aucune décision de correction" in response.content.decode()


def test_staff_without_the_review_permission_cannot_answer(sent, member):
    services.impact_report_request_reopen(report=sent, by=member, reason=REASON)
    stock = staff_with_role(roles.INVENTORY_OPERATOR, email="stock-reopen@example.org")
    client = _client(stock)
    assert client.get(_admin_url(sent)).status_code == 403
    assert client.post(_admin_url(sent), {"decision": "accept"}).status_code == 403
    assert _client(member).post(_admin_url(sent), {"decision": "accept"}).status_code == 302  # the admin's login
    sent.refresh_from_db()
    assert sent.status == S.REOPEN_REQUESTED
