"""The signed certificate's email to the association (PDF attached), written in core's outbox."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from associations.selectors import association_recipients
from certificates.models import Handover, HandoverEvent
from certificates.services.handovers import S, _lock
from core.emails import notify


def _queue_signed_email(locked: Handover, pdf: bytes) -> None:
    """Write the signed certificate's email (PDF attached) in the outbox, one per language (core.emails.notify),
    in the caller's transaction, with ``emailed_at`` and its history row: the outbox sends it after commit."""
    handover = Handover.objects.select_related("allocation__application__association", "wave__campaign").get(
        pk=locked.pk
    )
    association = handover.allocation.application.association
    recipients = association_recipients(association)
    context = {
        "association": association.legal_name,
        "number": handover.number,
        "campaign": handover.wave.campaign.name,
        "wave": str(handover.wave),
        "wave_number": handover.wave.number,
        "wave_final": handover.wave.is_final_lot,
        "wave_name": handover.wave.name,
        "handed_over_count": handover.handed_over_count,
        "handed_over_on": handover.handed_over_on.isoformat(),
        "representative": handover.representative_name,
        "download_path": handover.get_absolute_url(),
        "verify_path": handover.get_verify_url(),
        "sha256": locked.signed_pdf_sha256,
        "contact_email": handover.wave.campaign.contact_email,
    }
    notify(
        recipients,
        "handover_signed",
        context,
        attachment=(f"attestation-{handover.number}.pdf", pdf, "application/pdf"),
    )
    locked.emailed_at = timezone.now()
    locked.save(update_fields=["emailed_at", "updated_at"])
    HandoverEvent.record(
        handover=locked,
        kind=HandoverEvent.Kind.EMAILED,
        note=ngettext("%(n)s destinataire", "%(n)s destinataires", len(recipients)) % {"n": len(recipients)},
    )


def handover_email_signed(*, handover_id: int) -> bool:
    """Queue the email of the signed certificate (attached) to the association's members in the outbox,
    once. Returns True if queued now. The render queues it itself; this is for the sweep."""
    with transaction.atomic():
        handover = _lock(handover_id)
        if handover is None or handover.emailed_at or not handover.is_signed or not handover.signed_pdf:
            return False
        if not handover.notify_association:
            return False
        if handover.state != S.READY or handover.rendered_revision != handover.revision:
            return False
        with handover.signed_pdf.storage.open(handover.signed_pdf.name, "rb") as handle:
            pdf = handle.read()
        _queue_signed_email(handover, pdf)
    return True
