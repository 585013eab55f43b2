"""Every write of the after-sales: report a faulty unit, ask and answer, decide repair or replacement.

Each status change goes through ``core.transitions`` with ``Ticket.TRANSITIONS`` and leaves a
``TicketEvent`` with the acting user; emails to the association go through core's outbox (written in the
transaction, sent after commit).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from associations.documents import display_name
from associations.selectors import association_recipients
from core.emails import notify
from core.errors import DomainError
from core.imagecheck import MAX_PHOTO_PIXELS, MAX_PHOTO_SIDE, ImageRefused, checked_image
from core.sizes import file_size
from core.textlimits import limit_text
from core.transitions import transition
from support import selectors
from support.models import DESCRIPTION_MAX, MAX_PHOTOS, MESSAGE_MAX, Ticket, TicketEvent, TicketMessage, TicketPhoto

S = Ticket.Status
TRANSITIONS = Ticket.TRANSITIONS


# Checks of what people type and send ---------------------------------------------------------------


def _clean_text(value: str, *, field: str, limit: int, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: missing})
    if "\x00" in text:
        raise ValidationError({field: _("Ce texte contient un caractère invalide.")})
    if len(text) > limit:
        raise ValidationError({field: str(limit_text(limit))})
    return text


def check_photo(upload) -> str:
    """A JPEG or PNG photo (core.imagecheck), of at most MAX_DOCUMENT_SIZE bytes, recognised by its content
    whatever its name says. Returns "jpg" or "png"; raises a French ValidationError."""
    limit = settings.MAX_DOCUMENT_SIZE
    if upload.size > limit:
        raise ValidationError(
            _("Cette photo pèse %(size)s ; la limite est de %(limit)s.")
            % {"size": file_size(upload.size), "limit": file_size(limit)},
            code="file_too_large",
        )
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    if not content:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    try:
        picture = checked_image(content, formats=("JPEG", "PNG"), max_side=MAX_PHOTO_SIDE, max_pixels=MAX_PHOTO_PIXELS)
    except ImageRefused as refused:
        if refused.reason == "too_large":
            raise ValidationError(
                _("Cette image est trop grande : envoyez une photo de %(side)s pixels de côté au plus.")
                % {"side": f"{MAX_PHOTO_SIDE:,}".replace(",", "\u202f")},
                code="image_too_large",
            ) from None
        if refused.reason == "truncated":
            raise ValidationError(
                _("Cette image est incomplète ou endommagée : enregistrez-la ou photographiez à nouveau."),
                code="image_truncated",
            ) from None
        raise ValidationError(_("Joignez une photo JPEG ou PNG."), code="bad_photo") from None
    return "jpg" if picture.format == "JPEG" else "png"


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
    campaign = ticket.allocation.wave.campaign
    context = {
        "association": ticket.association.legal_name,
        "unit": f"{ticket.computer.asset_tag} ({ticket.computer.manufacturer} {ticket.computer.model})",
        "status": str(ticket.get_status_display()),
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
        text = _clean_text(
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
    text = _clean_text(body, field="body", limit=MESSAGE_MAX, missing=_("Écrivez votre message."))
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
    text = _clean_text(question, field="question", limit=MESSAGE_MAX, missing=_("Écrivez votre question."))
    ticket = _lock(ticket)
    ticket = transition(ticket, to=S.QUESTION, by=by, note=text)
    TicketMessage.objects.create(ticket=ticket, author=by, from_staff=True, body=text)
    _tell_association(ticket, "support_question", message=text)
    return ticket


def _decide(ticket: Ticket, *, to: str, by, note: str, stamps=(), **changes) -> Ticket:
    ticket = _lock(ticket)
    ticket = transition(ticket, to=to, by=by, note=note, stamps=stamps, **changes)
    _tell_association(ticket, "support_update", message=note)
    return ticket


@transaction.atomic
def ticket_request_return(*, ticket: Ticket, by, instructions: str) -> Ticket:
    """Decision: repair. The association brings or sends the unit back (``instructions``: where, when)."""
    text = _clean_text(
        instructions,
        field="instructions",
        limit=MESSAGE_MAX,
        missing=_("Indiquez à l'association où et quand rapporter l'ordinateur."),
    )
    return _decide(ticket, to=S.TO_RETURN, by=by, note=text)


@transaction.atomic
def ticket_receive(*, ticket: Ticket, by, note: str = "") -> Ticket:
    """The unit is back at the workshop: in repair."""
    return _decide(ticket, to=S.IN_REPAIR, by=by, note=(note or "").strip() or _("Ordinateur reçu à l'atelier."))


@transaction.atomic
def ticket_give_back(*, ticket: Ticket, by, note: str) -> Ticket:
    """The repaired unit is back with the association: the ticket ends."""
    text = _clean_text(note, field="note", limit=MESSAGE_MAX, missing=_("Indiquez ce qui a été réparé."))
    return _decide(ticket, to=S.RETURNED, by=by, note=text, stamps=("closed_at",))


@transaction.atomic
def ticket_close(*, ticket: Ticket, by, reason: str) -> Ticket:
    """No fault found, or solved by the association: the ticket ends without repair nor replacement."""
    text = _clean_text(
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
    replacement = Computer.objects.filter(pk=replacement_id).first()
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
    return _decide(ticket, to=S.REPLACED, by=by, note=message, stamps=("closed_at",), replacement=replacement)
