"""Rendering certificates' PDFs: one render (the worker's task), several at once (seed_demo, benchmark), the sweep.

A render is safe to run twice: it renders the row's current ``revision`` into a file with a new name,
switches the row to it in one short transaction (only if no newer revision is due meanwhile), and
deletes the previous file after commit, so that readers never see a half-written PDF.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates import selectors
from certificates.models import Handover
from certificates.pdf import html_to_pdf, image_to_pdf, merge_pdfs, page_count
from certificates.qr import qr_svg_data_uri
from certificates.services.emails import _queue_signed_email, handover_email_signed
from certificates.services.handovers import (
    CERTIFIED,
    SWEEP_BATCH,
    S,
    _lock,
    _storage,
    pending_stuck_after,
    queue_renders,
    rendering_stuck_after,
)
from core.transitions import transition

logger = logging.getLogger(__name__)


class RenderError(Exception):
    """A render failed; the row is « failed » with the error, and the task may retry."""


# The periodic sweep ---------------------------------------------------------------------------


def handovers_requeue_stuck(*, now: datetime.datetime | None = None) -> int:
    """The periodic sweep: queue again the renders lost with the broker or with a dead worker."""
    now = now or timezone.now()
    pending_before, rendering_before = now - pending_stuck_after(), now - rendering_stuck_after()
    with transaction.atomic():
        stuck = list(
            Handover.objects.stuck(pending_before=pending_before, rendering_before=rendering_before)
            .select_for_update(of=("self",))
            .order_by("pk")[:SWEEP_BATCH]
        )
        pending = [h.pk for h in stuck if h.state == S.PENDING]
        if pending:
            Handover.objects.filter(pk__in=pending).update(queued_at=now)
        for handover in stuck:
            if handover.state == S.RENDERING:
                transition(handover, to=S.PENDING, by=None, note=_("Génération interrompue : relancée"), queued_at=now)
        queue_renders(h.pk for h in stuck)
        # Signed certificates whose email was lost (broker and mail server both down) are sent again.
        unsent = list(
            Handover.objects.live()
            .filter(
                state=S.READY,
                signed_at__isnull=False,
                notify_association=True,
                emailed_at__isnull=True,
                rendered_revision=F("revision"),
                rendered_at__lt=pending_before,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
    for pk in unsent:  # written to the outbox (rows from before it existed, or whose write failed)
        try:
            handover_email_signed(handover_id=pk)
        except Exception:  # one unreadable certificate (file missing, storage down) must not block the others
            logger.warning("Sweep: the email of certificate %s could not be queued", pk, exc_info=True)
    if stuck or unsent:
        logger.info("Sweep: %s render(s) and %s email(s) of certificates queued again", len(stuck), len(unsent))
    return len(stuck)


# Rendering ------------------------------------------------------------------------------------


def _file_data_uri(field, mime: str) -> str:
    if not field:
        return ""
    with field.storage.open(field.name, "rb") as handle:
        return f"data:{mime};base64," + base64.b64encode(handle.read()).decode("ascii")


def render_certificate_html(data: selectors.CertificateData, *, signed: bool) -> str:
    """The certificate's HTML (French, A4), ready for WeasyPrint."""
    handover = data.handover
    scan_only = signed and bool(handover.signed_scan) and not handover.association_signature
    context = {
        "data": data,
        "handover": handover,
        "signed": signed,
        "scan_only": scan_only,
        "qr": qr_svg_data_uri(handover.verification_url),
        "verification_url": handover.verification_url,
        "lookup_url": settings.SITE_URL + reverse("certificates:lookup"),
        "association_signature": _file_data_uri(handover.association_signature, "image/png") if signed else "",
        "operator_signature": _file_data_uri(handover.operator_signature, "image/png") if signed else "",
        "generated_at": timezone.now(),
    }
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("certificates/certificate.html", context)


def _scan_pdf(handover: Handover) -> bytes | None:
    if not handover.signed_scan:
        return None
    with handover.signed_scan.storage.open(handover.signed_scan.name, "rb") as handle:
        content = handle.read()
    return content if content.startswith(b"%PDF") else image_to_pdf(content)


def _with_scan(handover: Handover, pdf: bytes) -> bytes:
    """A scan signed on paper is appended to the signed certificate."""
    scan = _scan_pdf(handover)
    return merge_pdfs([pdf, scan]) if scan else pdf


def build_certificate_pdf(*, handover_id: int, signed: bool) -> bytes:
    """The certificate's PDF (with the paper scan appended to the signed one)."""
    data = selectors.certificate_data(handover_id)
    pdf = html_to_pdf(render_certificate_html(data, signed=signed), base_url=str(settings.BASE_DIR))
    return _with_scan(data.handover, pdf) if signed else pdf


@dataclass(frozen=True)
class RenderJob:
    """A render in progress: the revision it produces, and whether it is the signed certificate."""

    handover_id: int
    revision: int
    signed: bool


def _render_begin(handover_id: int) -> tuple[Handover | None, RenderJob | None]:
    """Move the certificate to « rendering » if a render is due and nobody is on it."""
    now = timezone.now()
    with transaction.atomic():
        handover = _lock(handover_id)
        if handover is None or handover.allocation.status not in CERTIFIED:
            return handover, None
        if handover.state == S.READY and handover.rendered_revision == handover.revision:
            return handover, None  # already done: a duplicate message
        if handover.state == S.RENDERING:
            if handover.render_started_at and handover.render_started_at > now - rendering_stuck_after():
                return handover, None  # another worker is on it
            transition(handover, to=S.PENDING, by=None, note=_("Génération interrompue : relancée"), queued_at=now)
        if handover.state == S.READY:  # a newer revision is due but nobody moved it to pending
            transition(handover, to=S.PENDING, by=None, queued_at=now)
        job = RenderJob(handover.pk, handover.revision, handover.is_signed)
        transition(handover, to=S.RENDERING, by=None, attempts=handover.attempts + 1, render_started_at=now)
    return handover, job


def _render_finish(job: RenderJob, pdf: bytes) -> Handover | None:
    """Store the PDF under a new name and switch the row to it, unless a newer revision is due."""
    storage = _storage()
    digest = hashlib.sha256(pdf).hexdigest()
    pages = page_count(pdf)
    handover = Handover.objects.only("wave_id", "number").get(pk=job.handover_id)
    suffix = "-signee" if job.signed else ""
    name = storage.save(
        f"certificates/{handover.wave_id}/{handover.number}{suffix}-{digest[:12]}.pdf", ContentFile(pdf)
    )
    try:
        with transaction.atomic():
            current = _lock(job.handover_id)
            if current is None or current.revision != job.revision or current.state != S.RENDERING:
                # A newer document became due while this one rendered: drop it, the newer render wins.
                transaction.on_commit(lambda: storage.delete(name), robust=True)
                return current
            prefix = "signed_" if job.signed else ""
            old = getattr(current, f"{prefix}pdf").name
            changes = {
                f"{prefix}pdf": name,
                f"{prefix}pdf_sha256": digest,
                "signed_page_count" if job.signed else "page_count": pages,
                "rendered_revision": job.revision,
                "rendered_at": timezone.now(),
                "error": "",
            }
            note = ngettext("%(n)s page", "%(n)s pages", pages) % {"n": pages}
            transition(current, to=S.READY, by=None, note=note, **changes)
            if old and old != name:
                transaction.on_commit(lambda: storage.delete(old), robust=True)
            if job.signed and current.notify_association and current.emailed_at is None:
                _queue_signed_email(current, pdf)  # in this transaction: the email cannot be lost
        return current
    except Exception:
        storage.delete(name)
        raise


def _record_failure(handover_id: int, revision: int, exc: BaseException) -> None:
    """« failed » with the error, unless a newer revision became due meanwhile."""
    message = f"{exc.__class__.__name__}: {exc}".strip()[:2000] or exc.__class__.__name__
    with transaction.atomic():
        handover = _lock(handover_id)
        if handover is None or handover.revision != revision or handover.state != S.RENDERING:
            return
        transition(handover, to=S.FAILED, by=None, note=message[:500], error=message)


def _render_failed(job: RenderJob, exc: BaseException) -> RenderError:
    _record_failure(job.handover_id, job.revision, exc)
    return RenderError(str(exc) or exc.__class__.__name__)


def handover_render(*, handover_id: int) -> Handover | None:
    """Render the document the certificate needs now (to sign, or signed); idempotent.

    Returns the certificate; raises ``RenderError`` (after recording « failed » and the error) when
    the render failed, so that the task retries with back-off.
    """
    handover, job = _render_begin(handover_id)
    if job is None:
        return handover
    try:
        return _render_finish(job, build_certificate_pdf(handover_id=job.handover_id, signed=job.signed))
    except Exception as exc:
        raise _render_failed(job, exc) from exc


def _pdf_or_error(html: str) -> tuple[bytes | None, str]:
    try:
        return html_to_pdf(html, base_url=str(settings.BASE_DIR)), ""
    except Exception as exc:  # reported to the parent, which records it on the row
        return None, f"{exc.__class__.__name__}: {exc}"


def handovers_render_now(handover_ids: Iterable[int], *, processes: int | None = None) -> tuple[int, int]:
    """Render several certificates now, in this process, converting HTML to PDF on several cores.

    For seed_demo and the benchmark (no worker). The database work stays in this process; only the
    pure HTML-to-PDF step runs in child processes. Returns (rendered, failed).
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    jobs = [job for _handover, job in (_render_begin(pk) for pk in sorted(set(handover_ids))) if job]
    if not jobs:
        return 0, 0
    htmls, failed = [], 0
    for job in jobs:
        htmls.append(render_certificate_html(selectors.certificate_data(job.handover_id), signed=job.signed))
    processes = processes or min(os.cpu_count() or 1, 4)
    if processes > 1 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(_pdf_or_error, htmls, chunksize=2))
    else:
        results = [_pdf_or_error(html) for html in htmls]
    for job, (pdf, error) in zip(jobs, results, strict=True):
        try:
            if pdf is None:
                raise RenderError(error)
            if job.signed:
                pdf = _with_scan(Handover.objects.get(pk=job.handover_id), pdf)
            _render_finish(job, pdf)
        except Exception as exc:
            failed += 1
            _render_failed(job, exc)
    return len(jobs) - failed, failed
