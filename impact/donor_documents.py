"""Donor documents' life (issue 16): a request is saved « pending », its render task is sent after commit, the worker
renders the PDF (WeasyPrint, like the certificates) and the request becomes « ready » with exactly one file.

Every status change goes through ``core.transitions`` (``DonorDocument.TRANSITIONS``) and leaves a
``DonorDocumentEvent``. When the broker is down at commit the request stays pending and the periodic sweep
(``donor_documents_requeue_stuck``, on the same beat schedule as the certificates' sweep) sends it again.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import Campaign, Donor
from certificates.pdf import html_to_pdf, page_count
from core.emails import apply_each_on_commit
from core.transitions import transition
from impact import traceability
from impact.carbon import FACTORS
from impact.models import DonorDocument, DonorDocumentEvent
from inventory.models import Lot

logger = logging.getLogger(__name__)

S = DonorDocument.Status
K = DonorDocument.Kind
SWEEP_BATCH = 200
FIRST_YEAR = 2000


def pending_stuck_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.CERTIFICATES_PENDING_STUCK_SECONDS)


def rendering_stuck_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.CERTIFICATES_RENDERING_STUCK_SECONDS)


# Queueing ---------------------------------------------------------------------------------------------------


def queue_renders(ids) -> None:
    """After commit, one render task per document; a broker outage never fails the request."""
    apply_each_on_commit(
        "impact.tasks.render_donor_document",
        ids,
        log=logger,
        failed="Render of donor document %s failed in-process",
        lost="Broker unreachable: %s donor document(s) left to the sweep",
    )


# Requests ---------------------------------------------------------------------------------------------------


def _create(*, donor: Donor, kind: str, by, **scope) -> DonorDocument:
    document = DonorDocument.objects.create(donor=donor, kind=kind, requested_by=by, **scope)
    DonorDocumentEvent.record(by=by, document=document, to_status=S.PENDING, note=_("Demandé"))
    queue_renders([document.pk])
    return document


@transaction.atomic
def traceability_report_request(
    *, donor: Donor, by, lot: Lot | None = None, campaign: Campaign | None = None
) -> DonorDocument:
    """Ask for the traceability report of one of ``donor``'s lots, or of its units in a campaign it pledged to.

    The caller checked that ``by`` may ask (a person of the donor, or the lot's organiser's staff)."""
    if (lot is None) == (campaign is None):
        raise ValidationError(_("Choisissez un lot ou une campagne."))
    if lot is not None and lot.donor_id != donor.pk:
        raise ValidationError({"lot": _("Ce lot n'est pas celui de ce donateur.")})
    if campaign is not None and not campaign.donors.filter(pk=donor.pk).exists():
        raise ValidationError({"campaign": _("Ce donateur n'a pas d'engagement dans cette campagne.")})
    organiser_id = lot.organiser_id if lot is not None else campaign.organiser_id
    return _create(donor=donor, kind=K.TRACEABILITY, by=by, lot=lot, campaign=campaign, organiser_id=organiser_id)


@transaction.atomic
def reuse_attestation_request(*, donor: Donor, year, by) -> DonorDocument:
    """Ask for a public body's reuse attestation for a calendar year."""
    if not donor.is_public_body:
        raise ValidationError(_("L'attestation de réemploi est réservée aux organismes publics."))
    try:
        year = int(str(year).strip())
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Indiquez une année, par exemple 2026.")}) from None
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise ValidationError(
            {
                "year": _("L'année doit être comprise entre %(a)s et %(b)s.")
                % {"a": FIRST_YEAR, "b": timezone.localdate().year}
            }
        )
    return _create(donor=donor, kind=K.REUSE_ATTESTATION, by=by, year=year)


# Rendering --------------------------------------------------------------------------------------------------


class RenderError(Exception):
    """A render failed; the row is « failed » with the error, and the task may retry."""


def _lock(pk: int) -> DonorDocument | None:
    return DonorDocument.objects.select_for_update(of=("self",)).filter(pk=pk).first()


def document_html(document: DonorDocument) -> str:
    """The document's HTML (French, A4), ready for WeasyPrint."""
    context = {"document": document, "factors": list(FACTORS.values()), "generated_at": timezone.now()}
    if document.kind == K.TRACEABILITY:
        context["data"] = traceability.traceability_data(
            donor=document.donor, lot=document.lot, campaign=document.campaign
        )
        template = "impact/donor_documents/traceability.html"
    else:
        context["data"] = traceability.reuse_attestation_data(donor=document.donor, year=document.year)
        template = "impact/donor_documents/reuse_attestation.html"
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context)


def document_pdf(document: DonorDocument) -> bytes:
    return html_to_pdf(document_html(document), base_url=str(settings.BASE_DIR))


def _begin(document_id: int) -> DonorDocument | None:
    """Move the request to « rendering » if it is due and nobody is on it; None when there is nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        document = _lock(document_id)
        if document is None or document.status == S.READY:
            return None  # gone, or already done: a duplicate message
        if document.status == S.RENDERING:
            if document.render_started_at and document.render_started_at > now - rendering_stuck_after():
                return None  # another worker is on it
            transition(document, to=S.PENDING, by=None, note=_("Génération interrompue : relancée"), queued_at=now)
        return transition(
            document, to=S.RENDERING, by=None, attempts=document.attempts + 1, render_started_at=now, error=""
        )


def _finish(document_id: int, pdf: bytes) -> DonorDocument | None:
    storage = DonorDocument._meta.get_field("file").storage
    digest = hashlib.sha256(pdf).hexdigest()
    pages = page_count(pdf)
    document = DonorDocument.objects.select_related("donor").get(pk=document_id)
    name = storage.save(
        DonorDocument._meta.get_field("file").generate_filename(document, f"{document.kind}-{uuid.uuid4().hex}.pdf"),
        ContentFile(pdf),
    )
    try:
        with transaction.atomic():
            current = _lock(document_id)
            if current is None or current.status != S.RENDERING:
                transaction.on_commit(lambda: storage.delete(name), robust=True)
                return current
            note = ngettext("%(n)s page", "%(n)s pages", pages) % {"n": pages}
            return transition(
                current,
                to=S.READY,
                by=None,
                note=note,
                file=name,
                sha256=digest,
                page_count=pages,
                rendered_at=timezone.now(),
            )
    except Exception:
        storage.delete(name)
        raise


def _record_failure(document_id: int, exc: BaseException) -> None:
    message = f"{exc.__class__.__name__}: {exc}".strip()[:2000]
    with transaction.atomic():
        document = _lock(document_id)
        if document is not None and document.status == S.RENDERING:
            transition(document, to=S.FAILED, by=None, note=message[:500], error=message)


def donor_document_render(*, document_id: int) -> DonorDocument | None:
    """Render a requested document; idempotent (a ready one is left as it is, one file per request).

    Raises ``RenderError`` after recording « failed », so that the task retries with back-off."""
    document = _begin(document_id)
    if document is None:
        return DonorDocument.objects.filter(pk=document_id).first()
    try:
        pdf = document_pdf(DonorDocument.objects.select_related("donor", "lot", "campaign").get(pk=document_id))
        return _finish(document_id, pdf)
    except Exception as exc:
        _record_failure(document_id, exc)
        raise RenderError(str(exc) or exc.__class__.__name__) from exc


# The periodic sweep -----------------------------------------------------------------------------------------


def donor_documents_requeue_stuck(*, now: datetime.datetime | None = None) -> int:
    """Send again the requests whose task was lost (broker down at commit) or whose worker died."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            DonorDocument.objects.stuck(
                pending_before=now - pending_stuck_after(), rendering_before=now - rendering_stuck_after()
            )
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("pk")[:SWEEP_BATCH]
        )
        for document in stuck:
            if document.status == S.RENDERING:
                transition(document, to=S.PENDING, by=None, note=_("Génération interrompue : relancée"), queued_at=now)
        DonorDocument.objects.filter(pk__in=[d.pk for d in stuck]).update(queued_at=now)
        queue_renders(d.pk for d in stuck)
    if stuck:
        logger.info("Sweep: %s donor document(s) queued again", len(stuck))
    return len(stuck)
