"""Personal data: what we hold about a person (export), anonymisation on request, and retention.

One module so that the rules are read in one place:

- ``export_user_data`` gathers what the portal holds about one person and the associations they act
  for (the right of access, and portability: plain JSON).
- ``anonymise_user`` removes a person from the portal without breaking any history: the account row
  stays (every journal keeps pointing at it) but loses its email, names, password and sessions; the
  names written on history rows become a pseudonym. Signed handover certificates are evidence of a
  donation: their PDF, checksum and the names signed on them are kept unchanged, and so are wipe
  records (proof that donors' data was erased).
- ``apply_retention`` enforces the retention settings (``RETENTION_*``), run every night by Celery beat
  and by ``manage.py apply_retention``.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User

logger = logging.getLogger(__name__)

ANONYMOUS_DOMAIN = "anonyme.invalid"  # RFC 2606: can never receive mail


def pseudonym(user: User) -> str:
    return f"Utilisateur anonymisé n°{user.pk}"


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@" + ANONYMOUS_DOMAIN)


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _journal_models():
    """Every history table that writes a person's name next to what they did."""
    from associations.models import ApplicationEvent
    from certificates.models import HandoverEvent
    from donations.models import AllocationEvent, CampaignEvent, WaveEvent
    from impact.models import ImpactReportEvent
    from inventory.models import ComputerEvent

    return [
        ApplicationEvent,
        ComputerEvent,
        WaveEvent,
        AllocationEvent,
        CampaignEvent,
        HandoverEvent,
        ImpactReportEvent,
    ]


def export_user_data(user: User) -> dict:
    """Everything the portal holds about this person, and about the associations they act for."""
    from associations.models import Application, Association, Message
    from certificates.models import Handover
    from impact.models import ImpactReport

    associations = list(Association.objects.filter(memberships__user=user).order_by("legal_name"))
    association_ids = [a.pk for a in associations]
    applications = (
        Application.objects.filter(association_id__in=association_ids)
        .exclude(~Q(created_by=user) & Q(status=Application.Status.DRAFT))  # another member's draft stays theirs
        .select_related("campaign", "association")
        .order_by("created_at")
    )
    handovers = (
        Handover.objects.filter(allocation__application__association_id__in=association_ids)
        .select_related("allocation__application__association", "wave")
        .order_by("number")
    )
    reports = ImpactReport.objects.filter(association_id__in=association_ids).order_by("period_start")
    history = []
    for model in _journal_models():
        for row in model.objects.filter(actor=user).order_by("created_at"):
            history.append(
                {
                    "journal": str(model._meta.verbose_name),
                    "event": row.get_kind_display(),
                    "at": _iso(row.created_at),
                    "note": getattr(row, "note", ""),
                }
            )
    return {
        "generated_at": _iso(timezone.now()),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
        },
        "associations": [
            {
                "legal_name": a.legal_name,
                "acronym": a.acronym,
                "rna": a.rna,
                "siret": a.siret,
                "address": a.address,
                "postal_code": a.postal_code,
                "city": a.city,
                "contact_name": a.contact_name,
                "contact_role": a.contact_role,
                "contact_email": a.contact_email,
                "contact_phone": a.contact_phone,
            }
            for a in associations
        ],
        "applications": [
            {
                "association": app.association.legal_name,
                "campaign": app.campaign.name,
                "status": app.get_status_display(),
                "requested_quantity": app.requested_quantity,
                "granted_quantity": app.granted_quantity,
                "project": app.project,
                "premises_details": app.premises_details,
                "documents": [f.name.rsplit("/", 1)[-1] for f in (app.statutes, app.activity_report) if f],
                "created_at": _iso(app.created_at),
                "submitted_at": _iso(app.submitted_at),
                "decided_at": _iso(app.decided_at),
                "decision_reason": app.decision_reason,
            }
            for app in applications
        ],
        "messages_written": [
            {"application": m.application_id, "at": _iso(m.created_at), "body": m.body}
            for m in Message.objects.filter(author=user).order_by("created_at")
        ],
        "handover_certificates": [
            {
                "number": h.number,
                "association": h.allocation.application.association.legal_name,
                "wave": str(h.wave),
                "handed_over_on": _iso(h.handed_over_on),
                "representative_name": h.representative_name,
                "computers": h.handed_over_count,
            }
            for h in handovers
        ],
        "impact_reports": [
            {
                "period_start": _iso(r.period_start),
                "period_end": _iso(r.period_end),
                "status": r.get_status_display(),
                "workshops_held": r.workshops_held,
                "people_trained": r.people_trained,
                "comment": r.comment,
            }
            for r in reports
        ],
        "history": history,
    }


@transaction.atomic
def anonymise_user(user: User, *, actor: User | None = None) -> None:
    """Remove a person, keep the history: the account is emptied and closed, never deleted."""
    from associations.models import Association
    from impact.models import ImpactReminder

    if is_anonymised(user):
        return
    old_email, old_label = user.email, (user.get_full_name() or user.email)
    label = pseudonym(user)
    # Associations whose contact was this person keep a placeholder until a member updates it.
    Association.objects.filter(contact_email__iexact=old_email).update(
        contact_name=label, contact_email=f"contact-{user.pk}@{ANONYMOUS_DOMAIN}", contact_phone=""
    )
    # History rows keep what happened and when; the name they carry becomes the pseudonym. This is the one
    # place where journal rows are rewritten (queryset update, never through the append-only save()).
    for model in _journal_models():
        model.objects.filter(actor=user).update(actor_label=label)
        model.objects.filter(actor__isnull=True, actor_label__in=[old_email, old_label]).update(actor_label=label)
    for reminder in ImpactReminder.objects.filter(recipients__icontains=old_email):
        reminder.recipients = reminder.recipients.replace(old_email, f"{label}")
        reminder.save(update_fields=["recipients"])
    EmailAddress.objects.filter(user=user).delete()
    user.memberships.all().delete()
    user.email = f"anonyme-{user.pk}@{ANONYMOUS_DOMAIN}"
    user.first_name = user.last_name = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()  # a new password hash also ends every open session
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    logger.info("user anonymised", extra={"user_id": user.pk, "actor_id": getattr(actor, "pk", None)})


@dataclass
class RetentionResult:
    unconfirmed_accounts_deleted: int = 0
    inactive_accounts_anonymised: int = 0
    documents_deleted: int = 0

    def __str__(self) -> str:
        return (
            f"comptes jamais confirmés supprimés : {self.unconfirmed_accounts_deleted} ; "
            f"comptes inactifs anonymisés : {self.inactive_accounts_anonymised} ; "
            f"pièces de candidatures closes supprimées : {self.documents_deleted}"
        )


def apply_retention(*, now: datetime.datetime | None = None, dry_run: bool = False) -> RetentionResult:
    """Delete or anonymise what is kept longer than the retention settings allow. Idempotent."""
    from associations.models import Application

    now = now or timezone.now()
    result = RetentionResult()
    days = datetime.timedelta

    # Sign-ups never confirmed: nothing else hangs on them.
    unconfirmed = (
        User.objects.filter(
            is_staff=False,
            is_superuser=False,
            last_login__isnull=True,
            date_joined__lt=now - days(days=settings.RETENTION_UNCONFIRMED_ACCOUNT_DAYS),
            memberships__isnull=True,
        )
        .exclude(emailaddress__verified=True)
        .exclude(email__endswith="@" + ANONYMOUS_DOMAIN)
    )
    result.unconfirmed_accounts_deleted = unconfirmed.count()

    # Members who have not logged in for years: anonymised (their association's history stays).
    cutoff = now - days(days=settings.RETENTION_INACTIVE_ACCOUNT_DAYS)
    inactive = list(
        User.objects.filter(is_staff=False, is_superuser=False)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(email__endswith="@" + ANONYMOUS_DOMAIN)
        .exclude(pk__in=unconfirmed.values("pk"))
    )
    result.inactive_accounts_anonymised = len(inactive)

    # Supporting documents of applications closed (refused, withdrawn) long enough ago.
    closed = Application.objects.filter(
        status__in=Application.CLOSED_STATUSES,
        updated_at__lt=now - days(days=settings.RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS),
    ).filter(~Q(statutes="") | ~Q(activity_report=""))
    closed = list(closed)
    result.documents_deleted = sum(bool(a.statutes) + bool(a.activity_report) for a in closed)

    if dry_run:
        return result
    unconfirmed.delete()
    for user in inactive:
        anonymise_user(user)
    for application in closed:
        for field in (application.statutes, application.activity_report):
            if field:
                field.delete(save=False)
        Application.objects.filter(pk=application.pk).update(statutes="", activity_report="")
    logger.info("retention applied: %s", result)
    return result
