"""Every write of the after-sales: report a faulty unit, ask and answer, decide repair or replacement.

Each status change goes through ``core.transitions`` with ``Ticket.TRANSITIONS`` and leaves a
``TicketEvent`` with the acting user; emails to the association go through core's outbox (written in the
transaction, sent after commit).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from associations.documents import display_name, photo_extension
from associations.selectors import association_recipients
from core.emails import apply_each, notify
from core.errors import DomainError
from core.sizes import check_size
from core.textlimits import required_text
from core.transitions import transition
from support import selectors
from support.models import (
    DESCRIPTION_MAX,
    MAX_PHOTOS,
    MESSAGE_MAX,
    Addendum,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketPhoto,
)

logger = logging.getLogger(__name__)
S = Ticket.Status
TRANSITIONS = Ticket.TRANSITIONS


# Checks of what people type and send ---------------------------------------------------------------


def check_photo(upload) -> str:
    """A JPEG or PNG photo (core.imagecheck), of at most MAX_DOCUMENT_SIZE bytes, recognised by its content
    whatever its name says. Returns "jpg" or "png"; raises a French ValidationError."""
    check_size(upload, _("Cette photo pèse %(size)s ; la limite est de %(limit)s."))
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    if not content:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    return photo_extension(content, refused=_("Joignez une photo JPEG ou PNG."), code="bad_photo")


def _lock(ticket: Ticket) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("computer", "association", "allocation__wave__campaign")
        .filter(pk=ticket.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("Ce signalement n'existe plus."))
    return locked


# Emails ---------------------------------------------------------------------------------------------


def _tell_association(ticket: Ticket, template: str, **extra) -> None:
    from django.utils import translation

    campaign = ticket.allocation.wave.campaign
    with translation.override(settings.LANGUAGE_CODE):
        # The status in French words, the message id: the template says it in the recipient's language.
        status = str(ticket.get_status_display())
    context = {
        "association": ticket.association.legal_name,
        "unit": f"{ticket.computer.asset_tag} ({ticket.computer.manufacturer} {ticket.computer.model})",
        "status": status,
        "ticket_path": ticket.get_absolute_url(),
        "campaign": campaign.name,
        "contact_email": campaign.contact_email,
        **extra,
    }
    notify(association_recipients(ticket.association), template, context)


# The association ------------------------------------------------------------------------------------


@transaction.atomic
def ticket_report(*, by, computer_id, description: str, photos: Sequence = ()) -> Ticket:
    """An association member reports a faulty unit of one of its signed handovers, under warranty.

    Raises ValidationError (per field: ``computer``, ``description``, ``photos``) and changes nothing when
    the unit is not theirs, out of warranty, already reported, or the text or a photo is refused.
    """
    errors: dict[str, list[str]] = {}
    unit = selectors.reportable_link(by, computer_id)
    if unit is None:
        errors["computer"] = [_("Choisissez un des ordinateurs remis à votre association.")]
    elif not unit.covered:
        contact = unit.campaign.contact_email
        errors["computer"] = [
            _(
                "Cet ordinateur n'est plus sous garantie (remis le %(day)s, garantie de %(months)s mois). "
                "Écrivez à l'équipe de la campagne : %(contact)s."
            )
            % {
                "day": unit.handover.handed_over_on.strftime("%d/%m/%Y"),
                "months": unit.campaign.warranty_months,
                "contact": contact,
            }
        ]
    elif unit.open_ticket:
        errors["computer"] = [_("Cet ordinateur a déjà un signalement en cours : suivez-le ci-dessous.")]
    try:
        text = required_text(
            description, field="description", limit=DESCRIPTION_MAX, missing=_("Décrivez ce qui ne va pas.")
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
        text = ""
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [
            ngettext("Joignez %(n)s photo au plus.", "Joignez %(n)s photos au plus.", MAX_PHOTOS) % {"n": MAX_PHOTOS}
        ]
    types = []
    for photo in photos[:MAX_PHOTOS]:
        try:
            types.append(check_photo(photo))
        except ValidationError as exc:
            errors.setdefault("photos", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)

    link = unit.link
    ticket = Ticket(
        association=link.allocation.application.association,
        allocation=link.allocation,
        handover=link.allocation.handover,
        computer=link.computer,
        reported_by=by,
        description=text,
        warranty_ends_on=unit.warranty_ends_on,
    )
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:  # a concurrent report of the same unit won: one open ticket per unit
        raise ValidationError(
            {"computer": _("Cet ordinateur a déjà un signalement en cours : suivez-le ci-dessous.")}
        ) from None
    saved = []
    try:
        for photo, kind in zip(photos, types, strict=True):
            row = TicketPhoto(ticket=ticket, image_type=kind, name=display_name(photo.name, default="photo"))
            row.image.save("photo", photo, save=False)
            saved.append(row.image.name)
            row.save()
    except Exception:
        storage = TicketPhoto._meta.get_field("image").storage
        for name in saved:
            storage.delete(name)
        raise
    TicketEvent.record(
        ticket=ticket,
        by=by,
        kind=TicketEvent.Kind.CREATED,
        to_status=S.NEW,
        note=text + (f"\n[{len(photos)} photo(s)]" if photos else ""),
    )
    return ticket


@transaction.atomic
def ticket_answer(*, ticket: Ticket, by, body: str) -> Ticket:
    """The association writes to the stock team about an open ticket; an answer to a question puts the
    ticket back to « to examine »."""
    text = required_text(body, field="body", limit=MESSAGE_MAX, missing=_("Écrivez votre message."))
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise DomainError(_("Ce signalement est clos : pour un nouveau problème, faites un nouveau signalement."))
    TicketMessage.objects.create(ticket=ticket, author=by, from_staff=False, body=text)
    TicketEvent.record(ticket=ticket, by=by, kind=TicketEvent.Kind.MESSAGE, note=text)
    if ticket.status == S.QUESTION:
        ticket = transition(ticket, to=S.NEW, by=by, note=gettext_lazy("Réponse de l'association"))
    return ticket


# The stock team -------------------------------------------------------------------------------------


@transaction.atomic
def ticket_ask(*, ticket: Ticket, by, question: str) -> Ticket:
    """The stock team asks the association a question (emailed, shown in its space)."""
    text = required_text(question, field="question", limit=MESSAGE_MAX, missing=_("Écrivez votre question."))
    ticket = _lock(ticket)
    ticket = transition(ticket, to=S.QUESTION, by=by, note=text)
    TicketMessage.objects.create(ticket=ticket, author=by, from_staff=True, body=text)
    _tell_association(ticket, "support_question", message=text)
    return ticket


def _decide(ticket: Ticket, *, to: str, by, note: str, stamps=(), **changes) -> Ticket:
    """Move the ticket, and tell the association why: the note is a message of the thread (shown in its space)
    and the email's text."""
    ticket = _lock(ticket)
    ticket = transition(ticket, to=to, by=by, note=note, stamps=stamps, **changes)
    TicketMessage.objects.create(ticket=ticket, author=by, from_staff=True, body=str(note)[:MESSAGE_MAX])
    _tell_association(ticket, "support_update", message=note)
    return ticket


@transaction.atomic
def ticket_request_return(*, ticket: Ticket, by, instructions: str) -> Ticket:
    """Decision: repair. The association brings or sends the unit back (``instructions``: where, when)."""
    text = required_text(
        instructions,
        field="instructions",
        limit=MESSAGE_MAX,
        missing=_("Indiquez à l'association où et quand rapporter l'ordinateur."),
    )
    return _decide(ticket, to=S.TO_RETURN, by=by, note=text)


@transaction.atomic
def ticket_receive(*, ticket: Ticket, by, note: str = "") -> Ticket:
    """The unit is back at the workshop: in repair."""
    return _decide(
        ticket, to=S.IN_REPAIR, by=by, note=(note or "").strip() or _("L'ordinateur est arrivé à l'atelier.")
    )


@transaction.atomic
def ticket_give_back(*, ticket: Ticket, by, note: str) -> Ticket:
    """The repaired unit is back with the association: the ticket ends."""
    text = required_text(note, field="note", limit=MESSAGE_MAX, missing=_("Indiquez ce qui a été réparé."))
    return _decide(ticket, to=S.RETURNED, by=by, note=text, stamps=("closed_at",))


@transaction.atomic
def ticket_close(*, ticket: Ticket, by, reason: str) -> Ticket:
    """No fault found, or solved by the association: the ticket ends without repair nor replacement."""
    text = required_text(
        reason, field="reason", limit=MESSAGE_MAX, missing=_("Indiquez pourquoi le signalement est clos.")
    )
    return _decide(ticket, to=S.CLOSED, by=by, note=text, stamps=("closed_at",))


@transaction.atomic
def ticket_replace(*, ticket: Ticket, by, replacement_id, note: str = "") -> Ticket:
    """Decision: replace. A ready unit takes the faulty one's place in the same allocation (donations'
    swap: one unit in one live allocation, enforced by the database), the faulty unit goes back to
    reconditioning with the ticket in its history, and the ticket ends « replaced »."""
    from donations.services import allocation_swap_unit
    from inventory.models import Computer

    try:
        replacement_id = int(replacement_id)
    except (TypeError, ValueError):
        raise ValidationError({"replacement": _("Choisissez un ordinateur prêt.")}) from None
    text = (note or "").strip()
    if "\x00" in text or len(text) > MESSAGE_MAX:
        raise ValidationError({"note": _("Ce texte n'est pas valide.")})
    ticket = _lock(ticket)
    TRANSITIONS.check(ticket, S.REPLACED)
    # The replacement comes from the stock of the organiser whose campaign handed the unit over: another
    # organiser's unit is unknown here, as one that does not exist.
    organiser_id = ticket.allocation.wave.campaign.organiser_id
    replacement = Computer.objects.filter(pk=replacement_id, lot__organiser_id=organiser_id).first()
    if replacement is None:
        raise ValidationError({"replacement": _("Choisissez un ordinateur prêt.")})
    history = _("Remplacement sous garantie (signalement du %(day)s) : %(faulty)s remplacé par %(new)s") % {
        "day": timezone.localtime(ticket.created_at).strftime("%d/%m/%Y"),
        "faulty": ticket.computer.asset_tag,
        "new": replacement.asset_tag,
    }
    allocation_swap_unit(
        allocation=ticket.allocation,
        faulty_id=ticket.computer_id,
        replacement_id=replacement.pk,
        by=by,
        note=history + (f" – {text}" if text else ""),
    )
    message = text or history
    ticket = _decide(ticket, to=S.REPLACED, by=by, note=message, stamps=("closed_at",), replacement=replacement)
    addendum_create(ticket=ticket, by=by)
    return ticket


# The certificate's addendum -------------------------------------------------------------------------


class AddendumRenderError(Exception):
    """The addendum's PDF could not be made (the task retries)."""


def addendum_create(*, ticket: Ticket, by) -> Addendum:
    """The new page of the ticket's certificate listing the swap, numbered within the certificate; its PDF is
    rendered by a Celery task after commit. Called by ``ticket_replace`` in its transaction."""
    from certificates.models import Handover
    from support.tasks import render_addendum

    handover = Handover.objects.select_for_update(of=("self",)).get(pk=ticket.handover_id)  # numbers in order
    sequence = (Addendum.objects.filter(handover=handover).aggregate(m=Max("sequence"))["m"] or 0) + 1
    addendum = Addendum.objects.create(
        ticket=ticket, handover=handover, sequence=sequence, number=f"{handover.number}-A{sequence}"
    )
    TicketEvent.record(
        ticket=ticket,
        by=by,
        kind=TicketEvent.Kind.ADDENDUM,
        note=_("Avenant %(number)s à imprimer et faire signer") % {"number": addendum.number},
    )
    transaction.on_commit(lambda: render_addendum.delay(addendum.pk), robust=True)
    return addendum


def render_addendum_html(addendum: Addendum, *, signed: bool = False) -> str:
    from django.template.loader import render_to_string
    from django.utils import translation

    ticket = addendum.ticket
    replacement = ticket.replacement
    wipe = replacement.wipe_record
    context = {
        "addendum": addendum,
        "ticket": ticket,
        "handover": addendum.handover,
        "association": ticket.association,
        "campaign": ticket.allocation.wave.campaign,
        "faulty": ticket.computer,
        "replacement": replacement,
        "wipe": str(wipe) if wipe else "",
        "generated_at": timezone.now(),
        "signed": signed,
        "association_signature": _png_data_uri(addendum.association_signature) if signed else "",
        "operator_signature": _png_data_uri(addendum.operator_signature) if signed else "",
    }
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("support/addendum.html", context)


def _png_data_uri(field) -> str:
    import base64

    if not field:
        return ""
    with field.storage.open(field.name, "rb") as handle:
        return "data:image/png;base64," + base64.b64encode(handle.read()).decode("ascii")


def _addendum_for_render(addendum_id: int) -> Addendum | None:
    return (
        Addendum.objects.select_related(
            "handover",
            "ticket__association",
            "ticket__computer",
            "ticket__replacement__wipe_record",
            "ticket__allocation__wave__campaign",
        )
        .filter(pk=addendum_id)
        .first()
    )


def addendum_render(*, addendum_id: int) -> bool:
    """Render the addendum's PDF if it has none yet. Returns True when it has one. Safe to run twice."""
    addendum = _addendum_for_render(addendum_id)
    if addendum is None:
        return False
    return _render_once(addendum, signed=False)


def _render_once(addendum: Addendum, *, signed: bool) -> bool:
    """Render the addendum's PDF (``signed``: the page with both signatures) into its file, unless it has one
    already (a task run twice keeps the first). A failed render is written on the row, then raised."""
    import hashlib

    from django.core.files.base import ContentFile

    from certificates.pdf import allowed_file_roots, html_to_pdf

    field, sha, rendered, suffix = (
        ("signed_pdf", "signed_pdf_sha256", "signed_rendered_at", "-signe")
        if signed
        else ("pdf", "pdf_sha256", "rendered_at", "")
    )
    if getattr(addendum, field):
        return True
    try:
        pdf = html_to_pdf(
            render_addendum_html(addendum, signed=signed), settings.SITE_URL, allowed_roots=allowed_file_roots()
        )
    except Exception as exc:
        Addendum.objects.filter(pk=addendum.pk).update(render_error=str(exc)[:2000])
        raise AddendumRenderError(str(exc)) from exc
    with transaction.atomic():
        locked = Addendum.objects.select_for_update().get(pk=addendum.pk)
        if getattr(locked, field):
            return True
        getattr(locked, field).save(f"{locked.number}{suffix}.pdf", ContentFile(pdf), save=False)
        setattr(locked, sha, hashlib.sha256(pdf).hexdigest())
        setattr(locked, rendered, timezone.now())
        locked.render_error = ""
        locked.save(update_fields=[field, sha, rendered, "render_error"])
    return True


@transaction.atomic
def addendum_record_signed(*, addendum: Addendum, by, signed_by_name: str, scan: bytes | None) -> Addendum:
    """The stock team records the addendum signed on paper: its scan (PDF or photo, the certificates' checks) and
    who signed for the association."""
    from django.core.files.base import ContentFile

    from certificates.services.signatures import clean_scan

    errors = {}
    name, problem = _check_signer_name(signed_by_name)
    if problem:
        errors["signed_by_name"] = problem
    content, extension = b"", ""
    if not scan:
        errors["signed_scan"] = _("Joignez le scan de l'avenant signé.")
    else:
        try:
            content, extension = clean_scan(scan, field="signed_scan")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    locked = Addendum.objects.select_for_update().select_related("ticket").get(pk=addendum.pk)
    if locked.signed_at is not None:
        raise DomainError(_("Cet avenant est déjà signé."))
    locked.signed_scan.save(f"{locked.number}-signe.{extension}", ContentFile(content), save=False)
    locked.signed_by_name = name
    locked.signed_at = timezone.now()
    locked.save(update_fields=["signed_scan", "signed_by_name", "signed_at"])
    TicketEvent.record(
        ticket=locked.ticket,
        by=by,
        kind=TicketEvent.Kind.ADDENDUM,
        note=_("Avenant %(number)s signé par %(name)s") % {"number": locked.number, "name": name},
    )
    return locked


def _check_signer_name(value: str) -> tuple[str, str]:
    """(the name, an error or "")."""
    name = " ".join((value or "").split())
    if not name:
        return "", _("Indiquez qui a signé pour l'association.")
    if "\x00" in name or len(name) > 150:
        return "", _("Ce nom n'est pas valide.")
    return name, ""


@transaction.atomic
def addendum_sign_on_pad(
    *,
    addendum: Addendum,
    by,
    signed_by_name: str,
    association_signature: bytes | None,
    operator_signature: bytes | None,
) -> Addendum:
    """The desk records the addendum signed on the pads, as a handover certificate: the association's
    representative and the desk's agent each sign (the certificates' checks of a signature), and the signed PDF
    is rendered by a Celery task after commit. All or nothing; an addendum signed already is refused."""
    from django.core.files.base import ContentFile

    from certificates.services.signatures import clean_signatures
    from core.models import actor_label
    from support.tasks import render_signed_addendum

    errors: dict[str, str] = {}
    name, problem = _check_signer_name(signed_by_name)
    if problem:
        errors["signed_by_name"] = problem
    cleaned = clean_signatures(
        (
            ("association_signature", association_signature, _("Faites signer le représentant de l'association.")),
            ("operator_signature", operator_signature, _("Signez en tant qu'agent du guichet.")),
        ),
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    locked = Addendum.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=addendum.pk)
    if locked.signed_at is not None:
        raise DomainError(_("Cet avenant est déjà signé."))
    if not locked.pdf:
        raise DomainError(_("L'avenant est en cours de génération : rechargez la page dans un instant."))
    storage = Addendum._meta.get_field("association_signature").storage
    saved: list[str] = []
    try:
        for field, content in cleaned.items():
            kind = "association" if field == "association_signature" else "agent"
            getattr(locked, field).save(f"{locked.number}-{kind}.png", ContentFile(content), save=False)
            saved.append(getattr(locked, field).name)
        locked.signed_by_name = name
        locked.operator = by
        locked.operator_name = actor_label(by)
        locked.signed_at = timezone.now()
        locked.save(
            update_fields=[
                "association_signature",
                "operator_signature",
                "signed_by_name",
                "operator",
                "operator_name",
                "signed_at",
            ]
        )
        TicketEvent.record(
            ticket=locked.ticket,
            by=by,
            kind=TicketEvent.Kind.ADDENDUM,
            note=_("Avenant %(number)s signé au guichet par %(name)s et %(agent)s")
            % {"number": locked.number, "name": name, "agent": locked.operator_name},
        )
    except Exception:
        for path in saved:
            storage.delete(path)
        raise
    transaction.on_commit(lambda: render_signed_addendum.delay(locked.pk), robust=True)
    return locked


def addendum_render_signed(*, addendum_id: int) -> bool:
    """Render the addendum signed on the pads (the page with both signatures) if it has none yet. Returns True
    when it has one. Safe to run twice."""
    addendum = _addendum_for_render(addendum_id)
    if addendum is None or not addendum.signed_on_pad:
        return False
    return _render_once(addendum, signed=True)


# Sweep: renders lost with the broker ---------------------------------------------------------------------------

SWEEP_BATCH = 200


def addenda_requeue_unrendered(*, now: datetime.datetime | None = None) -> int:
    """Send again the renders whose task was lost (broker down at commit, worker killed): an addendum with no PDF
    yet, or signed on the pads with no signed PDF yet, older than the certificates' pending delay. A render that
    failed (its error recorded, shown to staff) is left to them. Returns how many tasks were sent."""
    from support.tasks import render_addendum, render_signed_addendum

    now = now or timezone.now()
    before = now - datetime.timedelta(seconds=settings.CERTIFICATES_PENDING_STUCK_SECONDS)
    waiting = Addendum.objects.filter(render_error="")
    unrendered = list(
        waiting.filter(pdf="", created_at__lt=before).order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    unsigned = list(
        waiting.exclude(association_signature="")
        .filter(signed_pdf="", signed_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = 0
    for task, ids in ((render_addendum, unrendered), (render_signed_addendum, unsigned)):
        sent += apply_each(
            task,
            ids,
            log=logger,
            failed="Sweep: addendum %s failed to render",
            lost="Sweep: %s addendum render(s) not queued (broker down): the next sweep tries again",
        )
    if sent:
        logger.info("Sweep: %s addendum render(s) queued again", sent)
    return sent
