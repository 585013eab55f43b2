"""Personal data: what we hold about a person (export), anonymisation on request, and retention.

One module so that the rules are read in one place:

- ``user_export`` gathers what the portal holds about one person and the associations they act for
  (the right of access, and portability: plain JSON).
- ``user_anonymise`` removes a person from the portal without breaking any history: the account row
  stays (every journal keeps pointing at it) but loses its email addresses, names, password, roles
  and memberships; the names written on history rows, in the admin's change log and in reminder
  recipients become a pseudonym. Signed handover certificates are evidence of a donation: their PDF,
  checksum and the names signed on them are kept unchanged, and so are wipe records (proof that the
  donors' data was erased; the database refuses to change them). ``KEPT_AS_EVIDENCE`` lists them.
- ``apply_retention`` enforces the retention settings (``RETENTION_*``), run every night by Celery beat
  and by ``manage.py apply_retention``.

Every export and anonymisation writes an ``AccountEvent`` row.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AccountEvent, User
from core.emails import UNDELIVERABLE_DOMAIN

logger = logging.getLogger(__name__)

ANONYMOUS_DOMAIN = UNDELIVERABLE_DOMAIN

# Fields that name a person and are deliberately kept after anonymisation, with the reason.
KEPT_AS_EVIDENCE = {
    "certificates.Handover.representative_name": "signed on the handover certificate (evidence of the donation)",
    "certificates.Handover.operator_name": "signed on the handover certificate (evidence of the donation)",
    "inventory.WipeRecord.actor_label": "proof of the data wipe; the database refuses any change",
}


def pseudonym(user: User) -> str:
    return f"Utilisateur anonymisé n°{user.pk}"


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@" + ANONYMOUS_DOMAIN)


def journal_models() -> list:
    """Every history table that writes a person's name next to what they did (``actor`` + ``actor_label``).

    The wipe records name their operator the same way but are evidence the database refuses to change
    (``KEPT_AS_EVIDENCE``): they are not among them.
    """
    found = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if {"actor", "actor_label"} <= names and f"{model._meta.label}.actor_label" not in KEPT_AS_EVIDENCE:
            found.append(model)
    return found


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _describe(row) -> str:
    if hasattr(row, "get_kind_display"):
        return row.get_kind_display()
    return f"{getattr(row, 'from_status', '')} → {getattr(row, 'to_status', '')}".strip()


def user_export(*, user: User, by: User | None = None) -> dict:
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
    for model in journal_models():
        for row in model.objects.filter(actor=user).order_by("created_at"):
            history.append(
                {
                    "journal": str(model._meta.verbose_name),
                    "event": _describe(row),
                    "at": _iso(row.created_at),
                    "note": getattr(row, "note", ""),
                }
            )
    data = {
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
    AccountEvent.record(by=by or user, user=user, kind=AccountEvent.Kind.EXPORTED)
    return data


def _replace_words(text: str, words: set[str], replacement: str) -> str:
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.@+-]){re.escape(word)}(?![\w.@-])", replacement, text, flags=re.IGNORECASE)
    return text


@transaction.atomic
def user_anonymise(*, user: User, by: User | None = None, note: str = "") -> bool:
    """Remove a person, keep the history: the account is emptied and closed, never deleted.

    Returns False when the account was already anonymised (nothing to do).
    """
    from associations.models import Association
    from core.models import OutboxEmail
    from impact.models import ImpactReminder

    user = User.objects.select_for_update().get(pk=user.pk)
    if is_anonymised(user):
        return False
    label = pseudonym(user)
    full_name = user.get_full_name().strip()
    emails = {user.email.lower()} | {
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    names = emails | ({full_name.lower()} if full_name else set())

    # Associations whose contact was this person keep a placeholder until a member updates it.
    contact_match = Q()
    for email in emails:
        contact_match |= Q(contact_email__iexact=email)
    Association.objects.filter(contact_match).update(
        contact_name=label, contact_email=f"contact-{user.pk}@{ANONYMOUS_DOMAIN}", contact_phone=""
    )
    if full_name:
        Association.objects.filter(memberships__user=user, contact_name__iexact=full_name).update(contact_name=label)

    # History rows keep what happened and when; the name they carry becomes the pseudonym. This is the one
    # place where journal rows are rewritten (queryset update, never through the append-only save()).
    for model in journal_models():
        model.objects.filter(actor=user).update(actor_label=label)

    # Reminder recipients ("a@x.org, b@y.org"): whole addresses only, whatever their case.
    reminder_match = Q()
    for email in emails:
        reminder_match |= Q(recipients__icontains=email)
    for reminder in ImpactReminder.objects.filter(reminder_match):
        parts = [p.strip() for p in reminder.recipients.split(",")]
        reminder.recipients = ", ".join(label if p.lower() in emails else p for p in parts if p)
        reminder.save(update_fields=["recipients"])

    # The outbox of emails: this person's address leaves every row; a row left with no recipient is deleted.
    outbox_match = Q()
    for email in emails:
        outbox_match |= Q(to__icontains=email)
    for row in OutboxEmail.objects.filter(outbox_match).only("to", "sent_at"):
        kept = [address for address in row.to if address.lower() not in emails]
        if kept == row.to:
            continue  # matched on a part of another address (ba@x.org for a@x.org): not this person's row
        if row.sent_at is not None or not kept:
            row.delete()
        elif kept != row.to:
            OutboxEmail.objects.filter(pk=row.pk).update(to=kept)

    # The admin's change log names objects by their text ("Name <email>").
    log_match = Q()
    for name in names:
        log_match |= Q(object_repr__icontains=name) | Q(change_message__icontains=name)
    for entry in LogEntry.objects.filter(log_match).only("object_repr", "change_message"):
        scrubbed = {
            "object_repr": _replace_words(entry.object_repr, names, label)[:200],
            "change_message": _replace_words(entry.change_message, names, label),
        }
        if scrubbed != {"object_repr": entry.object_repr, "change_message": entry.change_message}:
            LogEntry.objects.filter(pk=entry.pk).update(**scrubbed)

    EmailAddress.objects.filter(user=user).delete()
    user.memberships.all().delete()
    user.email = f"anonyme-{user.pk}@{ANONYMOUS_DOMAIN}"
    user.first_name = user.last_name = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()  # a new password hash also ends every open session
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    AccountEvent.record(by=by, user=user, kind=AccountEvent.Kind.ANONYMISED, note=note)
    logger.info("user anonymised", extra={"subject_id": user.pk, "by_id": getattr(by, "pk", None)})
    return True


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


def _inactive_members(cutoff: datetime.datetime):
    """Members without a login since ``cutoff`` whose associations have been quiet since then too.

    An association still applying, being equipped or reporting keeps its members, however long
    since they last logged in: the retention job never cuts off an association that is still active.
    """
    from associations.models import Association

    active = Association.objects.filter(
        Q(applications__updated_at__gte=cutoff)
        | Q(applications__allocations__created_at__gte=cutoff)
        | Q(applications__allocations__handed_over_at__gte=cutoff)
        | Q(impact_reports__due_on__gte=cutoff.date())
    )
    return (
        User.objects.filter(is_staff=False, is_superuser=False)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(email__endswith="@" + ANONYMOUS_DOMAIN)
        .exclude(memberships__association__in=active)
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
    unconfirmed_ids = list(unconfirmed.values_list("pk", flat=True))
    result.unconfirmed_accounts_deleted = len(unconfirmed_ids)

    cutoff = now - days(days=settings.RETENTION_INACTIVE_ACCOUNT_DAYS)
    inactive_ids = list(_inactive_members(cutoff).exclude(pk__in=unconfirmed_ids).values_list("pk", flat=True))
    result.inactive_accounts_anonymised = len(inactive_ids)

    # Supporting documents of applications closed (refused, withdrawn) long enough ago.
    closed = list(
        Application.objects.filter(
            status__in=Application.CLOSED_STATUSES,
            updated_at__lt=now - days(days=settings.RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS),
        ).filter(~Q(statutes="") | ~Q(activity_report=""))
    )
    result.documents_deleted = sum(bool(a.statutes) + bool(a.activity_report) for a in closed)

    if dry_run:
        return result
    with transaction.atomic():
        # Checked again under the delete: somebody who confirmed meanwhile is kept.
        User.objects.filter(pk__in=unconfirmed_ids).filter(pk__in=unconfirmed.values("pk")).delete()
    for pk in inactive_ids:
        with transaction.atomic():
            # Checked again, locked: a login or new activity since the count keeps the account.
            user = _inactive_members(cutoff).select_for_update(of=("self",)).filter(pk=pk).first()
            if user is None:
                result.inactive_accounts_anonymised -= 1
                continue
            user_anonymise(user=user, note="durée de conservation dépassée")
    for application in closed:
        files = [f for f in (application.statutes, application.activity_report) if f]
        with transaction.atomic():
            Application.objects.filter(pk=application.pk).update(statutes="", activity_report="")
            for field in files:  # once the row no longer points at them
                name, storage = field.name, field.storage
                transaction.on_commit(lambda name=name, storage=storage: storage.delete(name), robust=True)
    logger.info("retention applied: %s", result)
    return result
