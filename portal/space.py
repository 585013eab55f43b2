"""The association space's home: what is waiting for the association, then where each application stands.

Everything in plain words in the reader's language (never the planner's « accordé 25, 0 reçu, priorité 3 »),
read in a fixed number of queries whatever the number of associations, applications, waves or reports.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from associations.models import Application, Association, Message
from campaigns.models import Campaign
from campaigns.selectors import nearest_first
from certificates.models import Handover
from core.words import date_words, time_words
from donations.models import Allocation
from impact.models import ImpactReport

S = Application.Status
A = Allocation.Status
AP = Allocation.Appointment

# A signed certificate stays among the things to do (download it, keep it) this long after its signature.
NEW_CERTIFICATE_DAYS = 60


def grant_words(granted: int, allocations: list[Allocation]) -> str:
    """« 25 ordinateurs accordés : 12 dans la vague 2 (rendez-vous le 1er février à 9 h), 13 dans une prochaine
    vague ». ``allocations``: the application's confirmed or handed-over allocations, in wave order."""
    head = ngettext("%(n)s ordinateur accordé", "%(n)s ordinateurs accordés", granted) % {"n": granted}
    parts = []
    for allocation in allocations:
        wave = allocation.wave
        values = {"n": allocation.quantity, "wave": wave.number}
        if allocation.status == A.HANDED_OVER:
            day = timezone.localdate(allocation.handed_over_at) if allocation.handed_over_at else None
            values["date"] = date_words(day, "j F") if day else ""
            if wave.is_final_lot:
                parts.append(_("%(n)s remis le %(date)s (lot final)") % values)
            else:
                parts.append(_("%(n)s remis le %(date)s (vague %(wave)s)") % values)
        elif allocation.appointment_date and allocation.appointment_status != AP.NONE:
            values["date"] = date_words(allocation.appointment_date, "j F")
            values["time"] = time_words(allocation.appointment_start)
            if wave.is_final_lot:
                parts.append(_("%(n)s dans le lot final (rendez-vous le %(date)s à %(time)s)") % values)
            else:
                parts.append(_("%(n)s dans la vague %(wave)s (rendez-vous le %(date)s à %(time)s)") % values)
        elif wave.is_final_lot:
            parts.append(_("%(n)s dans le lot final (date de remise à venir)") % values)
        else:
            parts.append(_("%(n)s dans la vague %(wave)s (date de remise à venir)") % values)
    left = granted - sum(a.quantity for a in allocations)
    if left > 0:
        parts.append(_("%(n)s dans une prochaine vague") % {"n": left})
    if not parts:
        return head
    return _("%(head)s : %(parts)s") % {"head": head, "parts": ", ".join(parts)}


def appointment_words(allocation: Allocation) -> str:
    """« le lundi 1er février 2027, de 9 h à 10 h » (the place is shown apart)."""
    return _("le %(date)s, de %(start)s à %(end)s") % {
        "date": date_words(allocation.appointment_date, "l j F Y"),
        "start": time_words(allocation.appointment_start),
        "end": time_words(allocation.appointment_end),
    }


@dataclass
class NextStep:
    """Where an application stands (``state``), and what comes next (``step``, with an optional link)."""

    state: str
    step: str
    link: str = ""
    link_label: str = ""


# An application not approved (yet): where it stands, its next step, and the label of the link to it (None: no link).
WAITING_STEPS = {
    S.DRAFT: (
        gettext_lazy("Brouillon : la candidature n'est pas encore envoyée."),
        gettext_lazy("Complétez-la puis déposez-la avant la fermeture des candidatures."),
        gettext_lazy("Compléter et déposer"),
    ),
    S.SUBMITTED: (
        gettext_lazy("L'équipe de la ville examine la candidature."),
        gettext_lazy("Rien à faire pour l'instant : vous recevrez un e-mail à chaque étape."),
        None,
    ),
    S.INFO_REQUESTED: (
        gettext_lazy("L'équipe de la ville vous pose une question."),
        gettext_lazy("Répondez-lui : la candidature repartira en examen."),
        gettext_lazy("Répondre"),
    ),
    S.WAITLISTED: (
        gettext_lazy("La candidature est sur liste d'attente."),
        gettext_lazy("Rien à faire : nous vous recontacterons si des ordinateurs se libèrent."),
        None,
    ),
    S.REJECTED: (
        gettext_lazy("La candidature n'a pas été retenue."),
        gettext_lazy("Vous pouvez candidater à une autre campagne ouverte."),
        None,
    ),
    S.WITHDRAWN: (gettext_lazy("Vous avez retiré cette candidature."), gettext_lazy("Rien à faire."), None),
}

# A confirmed allocation whose appointment is set: what the association does (``when``: the appointment in words).
APPOINTMENT_STEPS = {
    AP.PROPOSED: gettext_lazy("Confirmez le rendez-vous de remise %(when)s, ou demandez un autre créneau."),
    AP.ACCEPTED: gettext_lazy("Venez chercher vos ordinateurs %(when)s, avec une pièce d'identité."),
}


def next_step(application: Application, allocations: list[Allocation], reports_to_file: int) -> NextStep:
    """The application's state in plain words, and its next step."""
    waiting = WAITING_STEPS.get(application.status)
    if waiting is not None:
        state, step, link_label = waiting
        if link_label is None:
            return NextStep(str(state), str(step))
        return NextStep(str(state), str(step), application.get_absolute_url(), str(link_label))
    # Approved: the grant in plain words, then the first thing still to happen.
    granted = application.granted_quantity or 0
    state = grant_words(granted, allocations)
    link = application.get_absolute_url()
    for allocation in allocations:
        if allocation.status != A.CONFIRMED:
            continue
        if allocation.appointment_status in APPOINTMENT_STEPS:
            step = APPOINTMENT_STEPS[allocation.appointment_status] % {"when": appointment_words(allocation)}
            return NextStep(state, step, link, _("Voir le rendez-vous"))
        if allocation.appointment_status == AP.CHANGE_REQUESTED:
            return NextStep(
                state, _("Vous avez demandé un autre créneau : l'équipe de la campagne vous en propose un bientôt.")
            )
        return NextStep(state, _("L'équipe de la campagne vous proposera bientôt une date et un lieu de remise."))
    if sum(a.quantity for a in allocations) < granted:
        return NextStep(
            state, _("Les ordinateurs restants viendront dans une prochaine vague : vous serez prévenus par e-mail.")
        )
    if reports_to_file:
        return NextStep(
            state,
            _("Tous vos ordinateurs sont remis. Dites-nous ce qu'ils permettent : remplissez vos bilans d'impact."),
        )
    return NextStep(state, _("Tous vos ordinateurs sont remis. Merci !"))


@dataclass
class SpaceHome:
    associations: list[Association]
    applications: list[Application]
    appointments: list[Allocation]
    certificates: list[Handover]
    reports: list[ImpactReport]
    unread: list[Application]
    questions: list[Application]
    open_campaigns: list[Campaign]
    reports_total: int = 0
    steps: dict[int, NextStep] = field(default_factory=dict)

    @property
    def has_actions(self) -> bool:
        return bool(self.appointments or self.certificates or self.reports or self.unread or self.questions)


def space_home(user, *, today: datetime.date | None = None) -> SpaceHome:
    """Everything the space's home shows, in seven queries whatever the data."""
    today = today or timezone.localdate()
    associations = list(Association.objects.for_user(user).order_by("legal_name"))
    last_question = (
        Message.objects.filter(application=OuterRef("pk"), from_staff=True)
        .order_by("-created_at", "-pk")
        .values("body")
    )
    applications = list(
        Application.objects.for_user(user)
        .select_related("campaign", "association")
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__from_staff=True)
                & (Q(messages_read_at__isnull=True) | Q(messages__created_at__gt=F("messages_read_at"))),
            ),
            last_question=Subquery(last_question[:1]),
        )
        .order_by("-created_at", "pk")
    )
    allocations = list(
        Allocation.objects.for_user(user)
        .select_related("wave", "application__campaign", "application__association")
        .order_by("wave__number", "pk")
    )
    by_application = defaultdict(list)
    for allocation in allocations:
        by_application[allocation.application_id].append(allocation)
    since = timezone.now() - datetime.timedelta(days=NEW_CERTIFICATE_DAYS)
    certificates = list(
        Handover.objects.visible_to(user)
        .filter(
            allocation__application__association__memberships__user=user,
            signed_at__gte=since,
        )
        .select_related("allocation__wave", "allocation__application__association")
        .order_by("-signed_at", "pk")
    )
    reports_total = ImpactReport.objects.for_user(user).count()
    reports = list(
        ImpactReport.objects.for_user(user)
        .filter(status__in=ImpactReport.OPEN_STATUSES)
        .select_related("campaign", "association")
        .order_by("due_on", "pk")
    )
    to_file = Counter(r.association_id for r in reports)
    applied = {(a.association_id, a.campaign_id) for a in applications if a.status not in Application.CLOSED_STATUSES}
    open_campaigns = nearest_first(
        (
            c
            for c in Campaign.objects.open_for_applications().select_related("organiser")
            if any((a.pk, c.pk) not in applied for a in associations)
        ),
        associations,
    )
    for report in reports:
        report.overdue = report.status in ImpactReport.DUE_STATUSES and report.due_on < today  # reopened: not owed
    home = SpaceHome(
        associations=associations,
        applications=applications,
        appointments=[a for a in allocations if a.status == A.CONFIRMED and a.appointment_status == AP.PROPOSED],
        certificates=certificates,
        reports=reports,
        unread=[a for a in applications if a.unread and a.status != S.INFO_REQUESTED],
        questions=[a for a in applications if a.status == S.INFO_REQUESTED],
        open_campaigns=open_campaigns,
        reports_total=reports_total,
    )
    home.steps = {a.pk: next_step(a, by_application.get(a.pk, []), to_file[a.association_id]) for a in applications}
    for application in applications:
        application.step = home.steps[application.pk]
    return home
