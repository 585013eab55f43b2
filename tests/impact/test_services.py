import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import DomainError, TransitionError
from impact import services
from impact.models import ImpactReminder, ImpactReport, ImpactReportEvent
from tests.factories.accounts import staff_with_role
from tests.impact.conftest import GOOD, HANDOVER_DAY, Q1_DUE

S = ImpactReport.Status
pytestmark = pytest.mark.django_db


# Scheduling ---------------------------------------------------------------------------------------


def test_schedule_creates_one_report_per_association_and_period(wave, reports):
    assert len(reports) == 2
    report = reports[0]
    assert (report.period_start, report.period_end, report.due_on) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 3, 31),
        Q1_DUE,
    )
    assert report.machines_received == 10
    assert report.status == S.DRAFT
    # Idempotent, and a new period appears once it has begun.
    assert services.impact_reports_schedule(today=datetime.date(2026, 2, 1)) == 0
    assert services.impact_reports_schedule(today=datetime.date(2026, 4, 1)) == 2
    assert ImpactReport.objects.filter(period_start=datetime.date(2026, 4, 1)).count() == 2


def test_period_length_is_set_per_campaign(wave):
    from tests.factories.impact import impact_reports_for

    reports = impact_reports_for(
        wave, today=datetime.date(2026, 3, 5), period_months=1, starts_on=datetime.date(2026, 1, 1), grace_days=5
    )
    starts = sorted({r.period_start for r in reports})
    assert starts == [datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)]
    feb = next(r for r in reports if r.period_start == datetime.date(2026, 2, 1))
    assert feb.period_end == datetime.date(2026, 2, 28) and feb.due_on == datetime.date(2026, 3, 5)


def test_default_calendar_is_quarterly_from_january(wave):
    # The default calendar starts on 1 January of the year the campaign opened: fix that year, whatever today is.
    type(wave.campaign).objects.filter(pk=wave.campaign_id).update(applications_open_on=datetime.date(2026, 1, 5))
    services.impact_reports_schedule(today=datetime.date(2026, 1, 20))
    report = ImpactReport.objects.first()
    assert report.period_start == datetime.date(2026, 1, 1) and report.period_end == datetime.date(2026, 3, 31)
    assert report.due_on == Q1_DUE


def test_no_report_before_the_handover(db):
    from tests.factories.certificates import confirmed_wave

    confirmed_wave(1, 10)
    assert services.impact_reports_schedule(today=datetime.date(2026, 6, 1)) == 0


# Validation ----------------------------------------------------------------------------------------


def _assert_nothing_saved(report):
    fresh = ImpactReport.objects.get(pk=report.pk)
    assert fresh.status == S.DRAFT and fresh.people_trained == 0 and fresh.workshops_held == 0
    assert not ImpactReportEvent.objects.filter(report=report).exists()


@pytest.mark.parametrize(
    "changes, field, text",
    [
        ({"people_trained": -1}, "people_trained", "négatif"),
        ({"workshop_hours": -2}, "workshop_hours", "négatif"),
        ({"workshops_held": 3, "workshop_hours": 0}, "workshop_hours", "durée totale"),
        ({"workshops_held": 0, "workshop_hours": 4}, "workshops_held", "combien d'ateliers"),
        ({"age_75_plus": 60}, "age_under_26", "répartition par âge"),
        ({"gender_women": 69}, "gender_women", "répartition par genre"),
        ({"situation_seniors": 71}, "situation_seniors", "plus que les 70 personnes formées"),
        ({"machines_lent": 3}, "machines_in_use", "plus que les 10 reçus"),
        ({"people_trained": "douze"}, "people_trained", "nombre entier"),
    ],
)
def test_inconsistent_counts_are_refused_with_a_french_message_next_to_the_field(report, changes, field, text):
    with pytest.raises(ValidationError) as exc:
        services.impact_report_save(report=report, by=None, submit=True, **{**GOOD, **changes})
    assert field in exc.value.message_dict
    assert text in " ".join(exc.value.message_dict[field])
    _assert_nothing_saved(report)


@pytest.mark.parametrize(
    "changes",
    [
        {"people_trained": -1},
        {"age_60_74": 80},
        {"gender_men": 71},
        {"situation_job_seekers": 71},
        {"machines_in_use": 11},
        {"workshops_held": 2, "workshop_hours": 0},
    ],
)
def test_the_database_refuses_inconsistent_counts_too(report, changes):
    values = {k: v for k, v in GOOD.items() if k != "comment"}
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactReport.objects.filter(pk=report.pk).update(**{**values, **changes})


def test_returned_report_needs_a_message_in_the_database(report):
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactReport.objects.filter(pk=report.pk).update(status=S.RETURNED, return_message="")


def test_one_report_per_association_and_period(report):
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactReport.objects.create(
            campaign=report.campaign,
            association=report.association,
            allocation=report.allocation,
            period_start=report.period_start,
            period_end=report.period_end,
            due_on=report.due_on,
        )


def test_save_draft_then_submit(report):
    member = None
    services.impact_report_save(report=report, by=member, **GOOD)
    report.refresh_from_db()
    assert report.status == S.DRAFT and report.people_trained == 70 and report.age_60_plus == 30
    services.impact_report_submit(report=report, by=member)
    report.refresh_from_db()
    assert report.status == S.SUBMITTED and report.submitted_at is not None
    kinds = list(report.events.values_list("kind", "from_status", "to_status"))
    assert kinds == [("updated", "", ""), ("status", "draft", "submitted")]


# Transitions -------------------------------------------------------------------------------------------

ALL = list(S)
ALLOWED = {
    (S.DRAFT, S.SUBMITTED),
    (S.SUBMITTED, S.RETURNED),
    (S.SUBMITTED, S.ACCEPTED),
    (S.RETURNED, S.SUBMITTED),
    # The association asks to correct a report it sent; staff reopen it, or refuse (back to where it was).
    (S.SUBMITTED, S.REOPEN_REQUESTED),
    (S.ACCEPTED, S.REOPEN_REQUESTED),
    (S.REOPEN_REQUESTED, S.REOPENED),
    (S.REOPEN_REQUESTED, S.SUBMITTED),
    (S.REOPEN_REQUESTED, S.ACCEPTED),
    (S.REOPENED, S.SUBMITTED),
}


def _put_in(report, status, *, accepted_first: bool = False):
    """Bring a report to ``status`` through the services (a correction asked after validation: ``accepted_first``)."""
    staff = staff_with_role("Responsables de campagne", email="resp-impact@example.org")
    if status == S.DRAFT:
        return report
    services.impact_report_save(report=report, by=None, submit=True, **GOOD)
    if status == S.RETURNED:
        services.impact_report_return(report=report, by=staff, message="Vérifiez les heures.")
    elif status == S.ACCEPTED or accepted_first:
        services.impact_report_accept(report=report, by=staff)
    if status in (S.REOPEN_REQUESTED, S.REOPENED):
        services.impact_report_request_reopen(report=report, by=None, reason="Nous avons oublié mars.")
    if status == S.REOPENED:
        services.impact_report_reopen_accept(report=report, by=staff)
    report.refresh_from_db()
    assert report.status == status
    return report


def _go(report, to):
    staff = staff_with_role("Responsables de campagne", email="resp-impact@example.org")
    if report.status == S.REOPEN_REQUESTED and to in (S.SUBMITTED, S.ACCEPTED):
        back = services.impact_report_reopen_refuse(report=report, by=staff, message="Les chiffres sont justes.")
        if back.status != to:
            raise TransitionError("a refusal goes back to where the report was")
        return back
    if to == S.SUBMITTED:
        return services.impact_report_submit(report=report, by=None)
    if to == S.RETURNED:
        return services.impact_report_return(report=report, by=staff, message="À revoir.")
    if to == S.ACCEPTED:
        return services.impact_report_accept(report=report, by=staff)
    if to == S.REOPEN_REQUESTED:
        return services.impact_report_request_reopen(report=report, by=None, reason="Une erreur de saisie.")
    if to == S.REOPENED:
        return services.impact_report_reopen_accept(report=report, by=staff)
    raise TransitionError("back to draft is never allowed")


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_transition(report, source, target):
    report = _put_in(report, source, accepted_first=(source, target) == (S.REOPEN_REQUESTED, S.ACCEPTED))
    events = report.events.count()
    if (source, target) in ALLOWED:
        _go(report, target)
        report.refresh_from_db()
        assert report.status == target
        last = report.events.order_by("-pk").first()
        assert (last.from_status, last.to_status) == (source, target)
    else:
        with pytest.raises(TransitionError):
            _go(report, target)
        report.refresh_from_db()
        assert report.status == source and report.events.count() == events


def test_the_table_is_the_one_described():
    assert {(a, b) for a, targets in services.TRANSITIONS.items() for b in targets} == ALLOWED


def test_return_requires_a_message_and_emails_the_association(report, django_capture_on_commit_callbacks):
    _put_in(report, S.SUBMITTED)
    staff = staff_with_role("Instruction des candidatures", email="instr-impact@example.org")
    with pytest.raises(ValidationError) as exc:
        services.impact_report_return(report=report, by=staff, message="   ")
    assert "corriger" in exc.value.message_dict["message"][0]
    report.refresh_from_db()
    assert report.status == S.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        services.impact_report_return(report=report, by=staff, message="Les heures semblent basses.")
    report.refresh_from_db()
    assert report.status == S.RETURNED and report.return_message == "Les heures semblent basses."
    assert mail.outbox and "Les heures semblent basses." in mail.outbox[-1].body
    # The association corrects and sends again; a sent report can no longer be edited.
    services.impact_report_save(report=report, by=None, submit=True, **{**GOOD, "workshop_hours": 20})
    report.refresh_from_db()
    assert report.status == S.SUBMITTED
    with pytest.raises(DomainError):
        services.impact_report_save(report=report, by=None, **GOOD)


# Reminders, with time travel -------------------------------------------------------------------------


def _at(day: datetime.date, hour: int = 9):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_reminders_before_and_after_the_due_date_once_each(reports, django_capture_on_commit_callbacks):
    from tests.factories.associations import member_of

    member_of(reports[0].association, email="a@asso-impact.example.org")

    def run(day):
        with django_capture_on_commit_callbacks(execute=True):
            return services.impact_reminders_send(now=_at(day))

    mail.outbox.clear()
    assert run(Q1_DUE - datetime.timedelta(days=8)) == {"scheduled": 2, "before": 0, "after": 0}
    assert run(Q1_DUE - datetime.timedelta(days=7))["before"] == 2
    assert len(mail.outbox) == 2
    assert any("a@asso-impact.example.org" in m.to for m in mail.outbox)
    assert "attendu le 15 avril 2026" in mail.outbox[0].subject
    # The next day, and twice the same day: nothing new.
    assert run(Q1_DUE - datetime.timedelta(days=6))["before"] == 0
    assert run(Q1_DUE)["before"] == 0
    # One association files its report: it gets no reminder after the due date.
    services.impact_report_save(report=reports[0], by=None, submit=True, **GOOD)
    assert run(Q1_DUE + datetime.timedelta(days=6))["after"] == 0
    result = run(Q1_DUE + datetime.timedelta(days=7))
    assert result["after"] == 1
    assert run(Q1_DUE + datetime.timedelta(days=30))["after"] == 0
    assert ImpactReminder.objects.filter(kind="after").get().report == reports[1]
    assert ImpactReminder.objects.count() == 3
    assert "Relance" in mail.outbox[-1].subject


def test_reminder_task_is_thin_and_idempotent(reports, monkeypatch):
    from impact import tasks

    calls = []
    monkeypatch.setattr(services, "impact_reminders_send", lambda: calls.append(1) or {"before": 0})
    assert tasks.send_report_reminders() == {"before": 0}
    assert calls == [1]


def test_overdue_list(reports):
    services.impact_report_save(report=reports[0], by=None, submit=True, **GOOD)
    overdue = list(ImpactReport.objects.overdue(Q1_DUE + datetime.timedelta(days=1)))
    assert overdue == [reports[1]]
    assert list(ImpactReport.objects.overdue(Q1_DUE)) == []
    assert reports[1].is_overdue(Q1_DUE + datetime.timedelta(days=1))


def test_handover_day_is_used(wave, reports):
    assert all(r.period_start <= HANDOVER_DAY <= r.period_end for r in reports)
