"""Every write of the certificates app: creating, rendering, retrying, signing and sending certificates.

One table of allowed generation states (``TRANSITIONS``); every change goes through ``_transition``,
which writes an append-only ``HandoverEvent`` with the acting user (none for the worker). Renders are
queued after the transaction commits; when the broker is unreachable the request still succeeds and
the periodic sweep (``handovers_requeue_stuck``) queues them later.

A render is safe to run twice: it renders the row's current ``revision`` into a file with a new name,
switches the row to it in one short transaction (only if no newer revision is due meanwhile), and
deletes the previous file after commit, so that readers never see a half-written PDF.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from associations.selectors import association_recipients
from certificates import selectors
from certificates.models import Handover, HandoverEvent
from certificates.pdf import html_to_pdf, image_to_pdf, merge_pdfs, page_count
from certificates.qr import qr_svg_data_uri
from core.emails import follow_up_queue
from core.errors import DomainError, TransitionError
from core.models import actor_label
from core.pdfcheck import pdf_problem

logger = logging.getLogger(__name__)

S = Handover.State

# The one table of allowed changes of a certificate's generation state.
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.RENDERING},
    S.RENDERING: {S.READY, S.FAILED, S.PENDING},  # pending: the render died or a newer document is due
    S.READY: {S.PENDING},  # a new document is due (the signed certificate)
    S.FAILED: {S.PENDING, S.RENDERING},  # rendering: an automatic retry; pending: the operator's retry
}


def pending_stuck_after() -> datetime.timedelta:
    """A render queued this long ago and still pending was lost (broker down at commit): the sweep re-queues it."""
    return datetime.timedelta(seconds=settings.CERTIFICATES_PENDING_STUCK_SECONDS)


def rendering_stuck_after() -> datetime.timedelta:
    """A render started this long ago and not finished died with its worker (the task's hard limit is 120 s)."""
    return datetime.timedelta(seconds=settings.CERTIFICATES_RENDERING_STUCK_SECONDS)


SWEEP_BATCH = 500

MAX_SIGNATURE_BYTES = 600 * 1024
MAX_SIGNATURE_SIDE = 4000
MAX_SCAN_BYTES = 10 * 1024 * 1024
MAX_SCAN_PAGES = 30
# A photo or scan of one A4 page: 600 dpi is 4961 x 7016 pixels (35 megapixels).
MAX_SCAN_SIDE = 10_000
MAX_SCAN_PIXELS = 40_000_000
CERTIFIED = selectors.CERTIFIED_ALLOCATION_STATUSES


class RenderError(Exception):
    """A render failed; the row is « failed » with the error, and the task may retry."""


def _storage():
    return Handover._meta.get_field("pdf").storage


def _event(handover: Handover, *, by=None, kind: str, from_status: str = "", to_status: str = "", note: str = ""):
    return HandoverEvent.record(
        by=by,
        handover=handover,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _lock(pk: int) -> Handover | None:
    return (
        Handover.objects.select_for_update(of=("self",))
        .select_related("allocation", "wave__campaign")
        .filter(pk=pk)
        .first()
    )


def _transition(handover: Handover, *, to: str, by=None, note: str = "", **changes) -> Handover:
    """Move a locked certificate to ``to`` if the table allows it, with its history row."""
    current = handover.state
    if to not in TRANSITIONS[current]:
        raise TransitionError(
            _("Impossible de passer une attestation « %(from)s » à « %(to)s ».")
            % {"from": S(current).label, "to": S(to).label}
        )
    handover.state = to
    for name, value in changes.items():
        setattr(handover, name, value)
    handover.save(update_fields=["state", *changes, "updated_at"])
    _event(handover, by=by, kind=HandoverEvent.Kind.STATE, from_status=current, to_status=to, note=note)
    return handover


# Queueing -------------------------------------------------------------------------------------


def queue_options() -> dict:
    """Where follow-up tasks go: ``CERTIFICATES_QUEUE`` if set, else the queue of the running task."""
    return follow_up_queue("CERTIFICATES_QUEUE")


def _send_renders(ids: list[int]) -> int:
    from certificates.tasks import render_handover

    eager = render_handover.app.conf.task_always_eager
    sent = 0
    for pk in ids:
        try:
            render_handover.apply_async(args=[pk], **queue_options())
        except Exception:
            if eager:  # the render itself failed: its row says why
                logger.warning("Render of certificate %s failed in-process", pk, exc_info=True)
                continue
            logger.warning(
                "Broker unreachable: %s certificate render(s) left to the periodic sweep",
                len(ids) - sent,
                exc_info=True,
            )
            break
        sent += 1
    return sent


def queue_renders(handover_ids: Iterable[int]) -> None:
    """After commit, send one render task per certificate. A broker outage never fails the request."""
    ids = sorted(set(handover_ids))
    if ids:
        transaction.on_commit(lambda: _send_renders(ids), robust=True)


# Creating certificates ------------------------------------------------------------------------


def certificate_number(campaign, wave_number: int, sequence: int) -> str:
    """Human-readable and unique: campaign, wave, sequence within the wave (MARSEILLE-2026-V1-007)."""
    return f"{campaign.slug.upper()[:60]}-V{wave_number}-{sequence:03d}"


@transaction.atomic
def handover_ensure_for_allocations(allocation_ids: Iterable[int], by=None) -> list[Handover]:
    """Create the missing certificates (pending) of confirmed allocations, and queue their render.

    Called by the donations app when it confirms allocations, inside its transaction. Numbers follow
    the allocations' planning order; the wave row is locked so that two confirmations in one wave
    never take the same sequence. Returns the certificates created.
    """
    from donations.models import Allocation, Wave

    ids = sorted({int(pk) for pk in allocation_ids})
    if not ids:
        return []
    allocations = list(
        Allocation.objects.filter(pk__in=ids, status__in=CERTIFIED, handover__isnull=True)
        .select_related("wave__campaign")
        .order_by("wave_id", "position", "pk")
    )
    if not allocations:
        return []
    now = timezone.now()
    created: list[Handover] = []
    for wave_id, group in groupby(allocations, key=lambda a: a.wave_id):
        list(Wave.objects.select_for_update().filter(pk=wave_id).values_list("pk", flat=True))
        last = Handover.objects.filter(wave_id=wave_id).aggregate(m=Max("sequence"))["m"] or 0
        for sequence, allocation in enumerate(group, start=last + 1):
            wave = allocation.wave
            created.append(
                Handover(
                    allocation=allocation,
                    wave_id=wave_id,
                    sequence=sequence,
                    number=certificate_number(wave.campaign, wave.number, sequence),
                    queued_at=now,
                    created_at=now,
                )
            )
    Handover.objects.bulk_create(created)
    if any(h.pk is None for h in created):  # databases that do not return ids from a bulk insert
        numbers = {h.number: h for h in created}
        for pk, number in Handover.objects.filter(number__in=list(numbers)).values_list("pk", "number"):
            numbers[number].pk = pk
    label = actor_label(by)
    HandoverEvent.objects.bulk_create(
        [
            HandoverEvent(
                handover=h,
                actor=by,
                actor_label=label,
                kind=HandoverEvent.Kind.CREATED,
                to_status=S.PENDING,
                note=h.number,
                created_at=now,
            )
            for h in created
        ]
    )
    queue_renders(h.pk for h in created)
    return created


@dataclass
class GenerateResult:
    created: int = 0
    requeued: int = 0
    retried: int = 0

    @property
    def queued(self) -> int:
        return self.created + self.requeued + self.retried


@transaction.atomic
def handovers_generate_for_wave(*, wave, by) -> GenerateResult:
    """« Generate all »: create the missing certificates, queue the pending ones again, retry the failed ones."""
    from donations.models import Allocation

    result = GenerateResult()
    allocation_ids = Allocation.objects.filter(wave=wave, status__in=CERTIFIED).values_list("pk", flat=True)
    created = handover_ensure_for_allocations(list(allocation_ids), by=by)
    result.created = len(created)
    now = timezone.now()
    failed = list(
        Handover.objects.for_wave(wave).live().filter(state=S.FAILED).select_for_update(of=("self",)).order_by("pk")
    )
    for handover in failed:
        _transition(handover, to=S.PENDING, by=by, note=_("Relancée : « tout générer »"), queued_at=now, attempts=0)
    result.retried = len(failed)
    pending = list(
        Handover.objects.for_wave(wave)
        .live()
        .filter(state=S.PENDING)
        .exclude(pk__in=[h.pk for h in created] + [h.pk for h in failed])
        .values_list("pk", flat=True)
    )
    if pending:
        Handover.objects.filter(pk__in=pending).update(queued_at=now)
    result.requeued = len(pending)
    queue_renders([*pending, *(h.pk for h in failed)])
    return result


@transaction.atomic
def handover_retry(*, handover: Handover, by) -> Handover:
    """The print desk's retry button: a failed certificate is queued again."""
    locked = _lock(handover.pk)
    if locked is None:
        raise DomainError(_("Cette attestation n'existe plus."))
    if locked.state != S.FAILED:
        raise TransitionError(
            _("L'attestation %(number)s est « %(state)s » : seule une génération en échec se relance.")
            % {"number": locked.number, "state": locked.get_state_display()}
        )
    _transition(locked, to=S.PENDING, by=by, note=_("Relancée depuis le guichet"), queued_at=timezone.now(), attempts=0)
    queue_renders([locked.pk])
    return locked


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
                _transition(handover, to=S.PENDING, note=_("Génération interrompue : relancée"), queued_at=now)
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
            _transition(handover, to=S.PENDING, note=_("Génération interrompue : relancée"), queued_at=now)
        if handover.state == S.READY:  # a newer revision is due but nobody moved it to pending
            _transition(handover, to=S.PENDING, queued_at=now)
        job = RenderJob(handover.pk, handover.revision, handover.is_signed)
        _transition(handover, to=S.RENDERING, attempts=handover.attempts + 1, render_started_at=now)
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
            _transition(current, to=S.READY, note=note, **changes)
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
        _transition(handover, to=S.FAILED, note=message[:500], error=message)


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


# Recording the signed handover ----------------------------------------------------------------


def decode_data_url(value: str, *, field: str) -> bytes:
    """The bytes of a ``data:image/png;base64,...`` URL sent by the signature pad."""
    value = (value or "").strip()
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        raise ValidationError({field: _("La signature n'a pas pu être lue : signez à nouveau.")})
    try:
        return base64.b64decode(value[len(prefix) :], validate=True)
    except (ValueError, TypeError):
        raise ValidationError({field: _("La signature n'a pas pu être lue : signez à nouveau.")})


class _ImageRefused(Exception):
    """Why an uploaded picture is refused: ``reason`` is "unreadable", "too_large" or "truncated"."""

    def __init__(self, reason: str, size: tuple[int, int] = (0, 0)):
        super().__init__(reason)
        self.reason = reason
        self.size = size


def _ends_properly(content: bytes, kind: str) -> bool:
    """A JPEG has its end-of-image marker after the start of its data; a PNG ends with IEND."""
    if kind == "JPEG":
        start = content.find(b"\xff\xda")
        return start != -1 and content.rfind(b"\xff\xd9") > start
    if kind == "PNG":
        return content.rstrip(b"\x00\r\n ").endswith(b"IEND\xaeB`\x82")
    return True


def _checked_image(content: bytes, *, formats: tuple[str, ...], max_side: int, max_pixels: int):
    """Open ``content`` as one of ``formats``, bounded before any pixel is decoded, then fully decoded.

    The declared size is read from the header (a 68-byte PNG may declare 20000 x 20000 pixels) and
    refused above the bounds, so that Pillow's decompression-bomb guard is never what answers; a
    picture whose data stops before its last pixel is refused too. Returns the decoded image.
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # Pillow warns above its own limit: the bounds below refuse such a picture with its size.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            picture = Image.open(io.BytesIO(content))
        except Image.DecompressionBombError:
            raise _ImageRefused("too_large") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _ImageRefused("unreadable") from None
        if picture.format not in formats:
            raise _ImageRefused("unreadable")
        width, height = picture.size
        if max(width, height) > max_side or width * height > max_pixels:
            raise _ImageRefused("too_large", (width, height))
        # Pillow's "load truncated images" switch is process-wide, and WeasyPrint turns it on when
        # it is imported (in every worker): the end of the data is checked here, whatever it says.
        if not _ends_properly(content, picture.format):
            raise _ImageRefused("truncated")
        try:
            if picture.format == "JPEG":
                # Decoding at 1/8 scale still reads every byte of the data (a truncated file fails).
                picture.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            picture.load()
        except Image.DecompressionBombError:
            raise _ImageRefused("too_large", (width, height)) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise _ImageRefused("truncated") from None
    return picture


def clean_signature(png: bytes, *, field: str) -> bytes:
    """A PNG signature, not empty, re-encoded (nothing but pixels is kept)."""
    unreadable = ValidationError({field: _("La signature n'a pas pu être lue : signez à nouveau.")})
    if not png:
        raise ValidationError({field: _("La signature est vide.")})
    if len(png) > MAX_SIGNATURE_BYTES:
        raise ValidationError({field: _("La signature est trop lourde : effacez-la et signez à nouveau.")})
    try:
        image = _checked_image(
            png, formats=("PNG",), max_side=MAX_SIGNATURE_SIDE, max_pixels=MAX_SIGNATURE_SIDE * MAX_SIGNATURE_SIDE
        )
    except _ImageRefused as refused:
        if refused.reason == "too_large":
            raise ValidationError(
                {field: _("La signature est trop grande : effacez-la et signez à nouveau dans le cadre.")}
            ) from None
        raise unreadable from None
    image = image.convert("RGBA")
    ink = image.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    box = ink.getbbox()
    if box is None or (box[2] - box[0]) < 15 and (box[3] - box[1]) < 15:
        raise ValidationError({field: _("La signature est vide : signez dans le cadre.")})
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def clean_scan(content: bytes, *, field: str = "signed_scan") -> tuple[bytes, str]:
    """A scan of the certificate signed on paper: a PDF, or a JPEG or PNG picture. Returns (bytes, extension)."""
    if not content:
        raise ValidationError({field: _("Le fichier est vide.")})
    if len(content) > MAX_SCAN_BYTES:
        raise ValidationError({field: _("Le fichier dépasse %(n)s Mo.") % {"n": MAX_SCAN_BYTES // (1024 * 1024)}})
    if content.startswith(b"%PDF"):
        problem = pdf_problem(content)
        if problem == "encrypted":
            raise ValidationError(
                {field: _("Ce PDF est protégé par un mot de passe ou chiffré : enregistrez-le sans protection.")}
            )
        if problem == "active":
            raise ValidationError(
                {
                    field: _(
                        "Ce PDF contient du contenu actif (JavaScript, lancement d'application) : "
                        "enregistrez-le à nouveau avec « Imprimer » puis « Enregistrer au format PDF »."
                    )
                }
            )
        try:
            if problem:
                raise ValueError(problem)
            pages = page_count(content)
        except Exception:
            raise ValidationError({field: _("Ce PDF est illisible.")})
        if not 1 <= pages <= MAX_SCAN_PAGES:
            raise ValidationError({field: _("Le scan doit compter de 1 à %(n)s pages.") % {"n": MAX_SCAN_PAGES}})
        return content, "pdf"
    try:
        picture = _checked_image(content, formats=("JPEG", "PNG"), max_side=MAX_SCAN_SIDE, max_pixels=MAX_SCAN_PIXELS)
    except _ImageRefused as refused:
        if refused.reason == "too_large":
            size = (
                _(" (%(w)s × %(h)s pixels)") % {"w": refused.size[0], "h": refused.size[1]} if refused.size[0] else ""
            )
            raise ValidationError(
                {
                    field: _(
                        "Cette image est trop grande%(size)s : envoyez une photo ou un scan de %(side)s pixels "
                        "de côté au plus (une page A4 à 300 dpi suffit)."
                    )
                    % {"size": size, "side": f"{MAX_SCAN_SIDE:,}".replace(",", "\u202f")}
                }
            ) from None
        if refused.reason == "truncated":
            raise ValidationError(
                {
                    field: _(
                        "Cette image est incomplète ou endommagée : numérisez ou photographiez à nouveau l'attestation."
                    )
                }
            ) from None
        raise ValidationError({field: _("Envoyez un PDF, ou une photo JPEG ou PNG.")}) from None
    return content, "jpg" if picture.format == "JPEG" else "png"


def _handed_over_at(day: datetime.date, allocation) -> datetime.datetime:
    """When the handover happened: now if today, else that day at the appointment's time (or noon)."""
    now = timezone.now()
    if day >= timezone.localdate(now):
        return now
    moment = datetime.datetime.combine(day, allocation.appointment_start or datetime.time(12, 0))
    return min(timezone.make_aware(moment), now)


def _live_unit_ids(allocation) -> list[int]:
    return list(
        allocation.units.filter(released_at__isnull=True).order_by("computer_id").values_list("computer_id", flat=True)
    )


@transaction.atomic
def handover_record(
    *,
    handover: Handover,
    by,
    handed_over_on: datetime.date | None,
    representative_name: str,
    association_signature: bytes | None = None,
    operator_signature: bytes | None = None,
    scan: bytes | None = None,
    refused_computer_ids: Iterable[int] = (),
    refusal_note: str = "",
    notify: bool = True,
) -> Handover:
    """Record the signed handover at the counter, all or nothing.

    The units handed over move to « handed over » and the allocation to « handed over » (through the
    donations service); refused units go back to reconditioning, the refusal note in their history,
    until the stock checks them again. The signatures (or the scan) are
    stored, and the signed certificate is rendered after commit, then emailed to the association.
    """
    from donations import services as donations_services

    errors: dict[str, str] = {}
    name = " ".join((representative_name or "").split())
    note = (refusal_note or "").strip()
    if not name:
        errors["representative_name"] = _("Indiquez le nom de la personne qui représente l'association.")
    elif "\x00" in name or len(name) > 150:
        errors["representative_name"] = _("Ce nom n'est pas valide.")
    if "\x00" in note:
        errors["refusal_note"] = _("Ce texte contient un caractère non autorisé.")
    if handed_over_on is None:
        errors["handed_over_on"] = _("Indiquez la date de la remise.")
    elif handed_over_on > timezone.localdate():
        errors["handed_over_on"] = _("La date de la remise ne peut pas être dans le futur.")
    try:
        refused = sorted({int(pk) for pk in refused_computer_ids})
    except (TypeError, ValueError):
        refused = []
        errors["refused_computers"] = _("Sélection d'ordinateurs invalide.")
    if refused and not note:
        errors["refusal_note"] = _("Indiquez pourquoi ces ordinateurs ont été refusés.")
    cleaned: dict[str, bytes] = {}
    scan_ext = ""
    if scan:
        try:
            cleaned["signed_scan"], scan_ext = clean_scan(scan)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    else:
        for field, png, missing in (
            (
                "association_signature",
                association_signature,
                _("Faites signer le représentant de l'association, ou joignez le scan de l'attestation signée."),
            ),
            (
                "operator_signature",
                operator_signature,
                _("Signez en tant qu'agent du guichet, ou joignez le scan de l'attestation signée."),
            ),
        ):
            if not png:
                errors[field] = missing
                continue
            try:
                cleaned[field] = clean_signature(png, field=field)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)

    locked = _lock(handover.pk)
    if locked is None:
        raise DomainError(_("Cette attestation n'existe plus."))
    if locked.is_signed:
        raise DomainError(
            _("La remise de l'attestation %(number)s est déjà enregistrée (le %(date)s).")
            % {"number": locked.number, "date": locked.handed_over_on.strftime("%d/%m/%Y")}
        )
    allocation = locked.allocation
    if allocation.status != "confirmed":
        raise DomainError(
            _("L'attribution est « %(status)s » : la remise ne peut pas être enregistrée.")
            % {"status": allocation.get_status_display()}
        )
    live = _live_unit_ids(allocation)
    if set(refused) - set(live):
        raise ValidationError({"refused_computers": _("Ces ordinateurs ne font pas partie de cette attribution.")})
    if live and len(refused) >= len(live):
        raise ValidationError(
            {"refused_computers": _("Tous les ordinateurs sont refusés : annulez plutôt l'attribution.")}
        )
    handed = len(live) - len(refused)
    when = handed_over_on.strftime("%d/%m/%Y")
    history = ngettext(
        "Remise du %(date)s : %(n)s ordinateur remis à %(name)s",
        "Remise du %(date)s : %(n)s ordinateurs remis à %(name)s",
        handed,
    ) % {"date": when, "n": handed, "name": name}
    if refused:
        history += " ; " + ngettext("%(n)s refusé (%(note)s)", "%(n)s refusés (%(note)s)", len(refused)) % {
            "n": len(refused),
            "note": note,
        }
    donations_services.allocation_hand_over(
        allocation=allocation,
        by=by,
        note=history,
        refused_computer_ids=refused,
        refusal_note=note,
        handed_over_at=_handed_over_at(handed_over_on, allocation),
    )

    storage = _storage()
    saved: list[str] = []
    try:
        files = {}
        token = secrets.token_hex(4)
        for field, content in cleaned.items():
            ext = scan_ext if field == "signed_scan" else "png"
            kind = {"association_signature": "association", "operator_signature": "agent", "signed_scan": "scan"}[field]
            path = f"certificates/{locked.wave_id}/signatures/{locked.number}-{kind}-{token}.{ext}"
            files[field] = storage.save(path, ContentFile(content))
            saved.append(files[field])
        now = timezone.now()
        changes = {
            "handed_over_on": handed_over_on,
            "representative_name": name,
            "operator": by,
            "operator_name": actor_label(by),
            "refusal_note": note,
            "handed_over_count": handed,
            "signed_at": now,
            "revision": locked.revision + 1,
            "queued_at": now,
            "notify_association": notify,
            **files,
        }
        if locked.state == S.PENDING:
            for field, value in changes.items():
                setattr(locked, field, value)
            locked.save(update_fields=[*changes, "updated_at"])
        else:
            _transition(locked, to=S.PENDING, by=by, note=_("Attestation signée à produire"), **changes)
        locked.refused_computers.set(refused)
        _event(locked, by=by, kind=HandoverEvent.Kind.SIGNED, note=history)
    except Exception:
        for path in saved:
            storage.delete(path)
        raise
    queue_renders([locked.pk])
    return locked


# Sending the signed certificate ---------------------------------------------------------------


def _queue_signed_email(locked: Handover, pdf: bytes) -> None:
    """Write the signed certificate's email (PDF attached) in the outbox, one per language, in the
    caller's transaction, with ``emailed_at`` and its history row: the outbox sends it after commit."""
    from core.outbox import outbox_enqueue

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
        "handed_over_count": handover.handed_over_count,
        "handed_over_on": handover.handed_over_on.strftime("%d/%m/%Y"),
        "representative": handover.representative_name,
        "download_path": handover.get_absolute_url(),
        "verify_path": handover.get_verify_url(),
        "sha256": locked.signed_pdf_sha256,
    }
    for language in sorted(set(recipients.values())):
        to = sorted(email for email, lang in recipients.items() if lang == language)
        outbox_enqueue(
            template="handover_signed",
            context=context,
            to=to,
            language=language,
            attachment=(f"attestation-{handover.number}.pdf", pdf, "application/pdf"),
        )
    locked.emailed_at = timezone.now()
    locked.save(update_fields=["emailed_at", "updated_at"])
    _event(
        locked,
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
