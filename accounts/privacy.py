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

What the other apps hold about people (associations and their applications, certificates, impact reports)
is theirs to export and anonymise: each registers its part with ``register_personal_data`` in its
``AppConfig.ready()``, so that accounts, the lowest app, never imports them.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable
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
    # A company's offer of computers (/donate/): its professional contact, kept with the offer as the record of
    # the donation; not tied to a portal account (the account made on acceptance is deleted like any other).
    "campaigns.DonorOffer.contact_name": "the company's contact for its offer of computers (record of the donation)",
    "campaigns.DonorOffer.contact_email": "the company's contact for its offer of computers (record of the donation)",
    "campaigns.DonorOffer.contact_phone": "the company's contact for its offer of computers (record of the donation)",
    # A donor's proposal to collect a lot: the person to ask for on site, a professional contact kept with the
    # collection as the record of the lot's way (as the offer's); the portal account who proposed it is a foreign
    # key set to null when the account is deleted.
    "inventory.Collection.contact_name": "the donor's contact on site for a collection (record of the donation)",
    "inventory.Collection.contact_email": "the donor's contact on site for a collection (record of the donation)",
    "inventory.Collection.contact_phone": "the donor's contact on site for a collection (record of the donation)",
    "certificates.Handover.representative_name": "signed on the handover certificate (evidence of the donation)",
    "certificates.Handover.operator_name": "signed on the handover certificate (evidence of the donation)",
    "inventory.WipeRecord.actor_label": "proof of the data wipe; the database refuses any change",
    "inventory.FunctionalTest.actor_label": "proof of the functional test (décret n° 2022-190); the database refuses "
    "any change",
    "support.Addendum.signed_by_name": "signed on a certificate's addendum (evidence of the donation)",
    "support.Addendum.operator_name": "signed on a certificate's addendum at the desk (evidence of the donation)",
}


@dataclass(frozen=True)
class PersonalData:
    """One app's part of a person's data (see ``register_personal_data``)."""

    export: Callable[[User], dict] | None = None
    anonymise: Callable[..., None] | None = None
    keeps_members: Callable[[datetime.datetime], Q] | None = None
    retention: Callable[..., dict[str, int]] | None = None


_PERSONAL_DATA: dict[str, PersonalData] = {}


def register_personal_data(
    app_label: str,
    *,
    export: Callable[[User], dict] | None = None,
    anonymise: Callable[..., None] | None = None,
    keeps_members: Callable[[datetime.datetime], Q] | None = None,
    retention: Callable[..., dict[str, int]] | None = None,
) -> None:
    """Declare what an app holds about people; called from its ``AppConfig.ready()`` (again: replaced, not doubled).

    - ``export(user)`` returns sections of the export ({"name": [rows]}), in the order of INSTALLED_APPS;
    - ``anonymise(*, user, label, emails, full_name)`` replaces the person in the app's rows, in the
      anonymisation's transaction (``emails``: their addresses, lower case; ``label``: the pseudonym);
    - ``keeps_members(cutoff)`` is a ``Q`` on users whom the retention job must not anonymise;
    - ``retention(*, now, dry_run)`` deletes (or counts, with ``dry_run``) what the app keeps too long and
      returns the counts by ``RetentionResult`` field.
    """
    _PERSONAL_DATA[app_label] = PersonalData(
        export=export, anonymise=anonymise, keeps_members=keeps_members, retention=retention
    )


def personal_data_parts() -> list[PersonalData]:
    return list(_PERSONAL_DATA.values())


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


def iso_date(value) -> str | None:
    """A date or a datetime (in local time) as ISO text, for the export; None stays None."""
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
    history = []
    for model in journal_models():
        for row in model.objects.filter(actor=user).order_by("created_at"):
            history.append(
                {
                    "journal": str(model._meta.verbose_name),
                    "event": _describe(row),
                    "at": iso_date(row.created_at),
                    "note": getattr(row, "note", ""),
                }
            )
    data = {
        "generated_at": iso_date(timezone.now()),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "date_joined": iso_date(user.date_joined),
            "last_login": iso_date(user.last_login),
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
        },
    }
    for part in personal_data_parts():
        if part.export:
            data.update(part.export(user))
    data["history"] = history
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
    from core.models import OutboxEmail

    user = User.objects.select_for_update().get(pk=user.pk)
    if is_anonymised(user):
        return False
    label = pseudonym(user)
    full_name = user.get_full_name().strip()
    emails = {user.email.lower()} | {
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    names = emails | ({full_name.lower()} if full_name else set())

    # The other apps' rows (associations' contacts, impact reminders' recipients…).
    for part in personal_data_parts():
        if part.anonymise:
            part.anonymise(user=user, label=label, emails=emails, full_name=full_name)

    # History rows keep what happened and when; the name they carry becomes the pseudonym. This is the one
    # place where journal rows are rewritten (queryset update, never through the append-only save()).
    for model in journal_models():
        model.objects.filter(actor=user).update(actor_label=label)

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
    """Members without a login since ``cutoff``, except those an app keeps (``keeps_members``: an association
    still applying, being equipped or reporting keeps its members, however long since they last logged in)."""
    members = (
        User.objects.filter(is_staff=False, is_superuser=False)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(email__endswith="@" + ANONYMOUS_DOMAIN)
    )
    for part in personal_data_parts():
        if part.keeps_members:
            members = members.exclude(part.keeps_members(cutoff))
    return members


def apply_retention(*, now: datetime.datetime | None = None, dry_run: bool = False) -> RetentionResult:
    """Delete or anonymise what is kept longer than the retention settings allow. Idempotent."""
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

    if dry_run:
        _apply_app_retention(result, now=now, dry_run=True)
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
    _apply_app_retention(result, now=now, dry_run=False)
    logger.info("retention applied: %s", result)
    return result


def _apply_app_retention(result: RetentionResult, *, now: datetime.datetime, dry_run: bool) -> None:
    """The apps' own retention rules (the supporting documents of closed applications…), counted in ``result``."""
    for part in personal_data_parts():
        if part.retention:
            for field, count in part.retention(now=now, dry_run=dry_run).items():
                setattr(result, field, getattr(result, field) + count)
