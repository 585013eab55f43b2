"""The associations' part of a person's data (accounts.privacy): export, anonymisation, retention.

Registered in ``AssociationsConfig.ready()`` with ``accounts.privacy.register_personal_data``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from accounts.privacy import ANONYMOUS_DOMAIN, iso_date
from associations.models import Application, Association, Invitation, JoinRequest, Message


def export(user) -> dict:
    """The associations this person acts for, their applications (not another member's draft), their messages."""
    associations = list(Association.objects.filter(memberships__user=user).order_by("legal_name"))
    applications = (
        Application.objects.filter(association_id__in=[a.pk for a in associations])
        .exclude(~Q(created_by=user) & Q(status=Application.Status.DRAFT))  # another member's draft stays theirs
        .select_related("campaign", "association")
        .order_by("created_at")
    )
    return {
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
                "created_at": iso_date(app.created_at),
                "submitted_at": iso_date(app.submitted_at),
                "decided_at": iso_date(app.decided_at),
                "decision_reason": app.decision_reason,
            }
            for app in applications
        ],
        "messages_written": [
            {
                "application": m.application_id,
                "at": iso_date(m.created_at),
                "body": m.body,
                "attachment": m.attachment_name,
            }
            for m in Message.objects.filter(author=user).order_by("created_at")
        ],
        "join_requests": [
            {
                "association": r.association.legal_name,
                "status": r.get_status_display(),
                "message": r.message,
                "created_at": iso_date(r.created_at),
                "decided_at": iso_date(r.decided_at),
            }
            for r in JoinRequest.objects.filter(user=user).select_related("association").order_by("created_at")
        ],
        "invitations_received": [
            {"association": i.association.legal_name, "email": i.email, "sent_at": iso_date(i.created_at)}
            for i in Invitation.objects.filter(email__in=_emails_of(user)).select_related("association")
        ],
    }


def _emails_of(user) -> list[str]:
    from allauth.account.models import EmailAddress

    return sorted(
        {
            user.email.lower(),
            *(e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)),
        }
    )


def anonymise(*, user, label: str, emails: set[str], full_name: str) -> None:
    """Associations whose contact was this person keep a placeholder until a member updates it."""
    contact_match = Q()
    for email in emails:
        contact_match |= Q(contact_email__iexact=email)
    Association.objects.filter(contact_match).update(
        contact_name=label, contact_email=f"contact-{user.pk}@{ANONYMOUS_DOMAIN}", contact_phone=""
    )
    if full_name:
        Association.objects.filter(memberships__user=user, contact_name__iexact=full_name).update(contact_name=label)
    # Requests to join: a pending one goes (an anonymised account can no longer be let in); a decided one stays,
    # without its message. Invitations to the person's addresses: unused ones go, used ones lose the address.
    JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING).delete()
    JoinRequest.objects.filter(user=user).update(message="")
    address_match = Q()
    for email in emails:
        address_match |= Q(email__iexact=email)
    if emails:
        Invitation.objects.filter(address_match, accepted_at__isnull=True).delete()
        Invitation.objects.filter(address_match).update(email=f"invitation-{user.pk}@{ANONYMOUS_DOMAIN}")


def keeps_members(cutoff: datetime.datetime) -> Q:
    """Members of an association still applying, being equipped or reporting since ``cutoff``.

    However long since they last logged in, the retention job never cuts off an association that is still active.
    """
    active = Association.objects.filter(
        Q(applications__updated_at__gte=cutoff)
        | Q(applications__allocations__created_at__gte=cutoff)
        | Q(applications__allocations__handed_over_at__gte=cutoff)
        | Q(impact_reports__due_on__gte=cutoff.date())
    )
    return Q(memberships__association__in=active)


def retention(*, now: datetime.datetime, dry_run: bool) -> dict[str, int]:
    """Supporting documents and message attachments of applications closed (refused, withdrawn) long enough ago
    are deleted."""
    closed_long_ago = Application.objects.filter(
        status__in=Application.CLOSED_STATUSES,
        updated_at__lt=now - datetime.timedelta(days=settings.RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS),
    )
    closed = list(closed_long_ago.filter(~Q(statutes="") | ~Q(activity_report="")))
    attachments = list(Message.objects.filter(application__in=closed_long_ago).exclude(attachment=""))
    counts = {"documents_deleted": sum(bool(a.statutes) + bool(a.activity_report) for a in closed) + len(attachments)}
    if dry_run:
        return counts
    for message in attachments:
        name, storage = message.attachment.name, message.attachment.storage
        with transaction.atomic():
            Message.objects.filter(pk=message.pk).update(attachment="", attachment_type="", attachment_name="")
            transaction.on_commit(lambda name=name, storage=storage: storage.delete(name), robust=True)
    for application in closed:
        files = [f for f in (application.statutes, application.activity_report) if f]
        with transaction.atomic():
            Application.objects.filter(pk=application.pk).update(statutes="", activity_report="")
            for field in files:  # once the row no longer points at them
                name, storage = field.name, field.storage
                transaction.on_commit(lambda name=name, storage=storage: storage.delete(name), robust=True)
    return counts
