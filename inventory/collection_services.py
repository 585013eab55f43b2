"""Collections: a donor proposes 1 to 5 slots for the stock team to come and take a lot at its site; the lot's
stock team confirms one (the others are declined with it) or asks for other slots; then records the collection.

Every status change goes through ``Collection.TRANSITIONS`` (``core.transitions``) with its history row; the donor
is emailed after the commit (``core.emails.notify``, through the outbox). Kept apart from ``inventory.services``,
which is about units, for its size.
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from campaigns.models import CampaignDonor
from core.emails import notify
from core.textlimits import text_errors
from core.transitions import transition
from inventory.models import (
    COLLECTION_MAX_SLOTS,
    OPEN_COLLECTION_STATUSES,
    Collection,
    CollectionEvent,
    CollectionSlot,
    Lot,
)

logger = logging.getLogger(__name__)

SLOT_FIELDS = ("date", "starts_at", "ends_at", "address", "access_notes")
SLOT_HORIZON_DAYS = 365


def slot_errors(slots: list[dict], *, now: datetime.datetime | None = None) -> list[tuple[int | None, str, str]]:
    """Every refusal of the proposed slots as (slot index or None for the whole list, field, French message).

    The form shows them beside each field; the service raises them again (the rules live here)."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    errors: list[tuple[int | None, str, str]] = []
    if not slots:
        errors.append((None, "slots", _("Proposez au moins un créneau.")))
    if len(slots) > COLLECTION_MAX_SLOTS:
        errors.append(
            (None, "slots", _("Proposez au plus %(n)s créneaux.") % {"n": COLLECTION_MAX_SLOTS}),
        )
    valid: list[tuple[int, dict]] = []
    for index, slot in enumerate(slots):
        day, start, end = slot.get("date"), slot.get("starts_at"), slot.get("ends_at")
        before = len(errors)
        for name in ("date", "starts_at", "ends_at", "address"):
            if not slot.get(name):
                errors.append((index, name, _("Ce champ est obligatoire.")))
        for name in ("address", "access_notes"):
            message = text_errors(slot.get(name) or "")
            if message:
                errors.append((index, name, message))
        if day and day < today:
            errors.append((index, "date", _("Ce jour est déjà passé : proposez un jour à venir.")))
        elif day and day > today + datetime.timedelta(days=SLOT_HORIZON_DAYS):
            errors.append((index, "date", _("Proposez un jour dans l'année qui vient.")))
        elif day == today and start and start <= now.time():
            errors.append((index, "starts_at", _("Cette heure est déjà passée : proposez une heure à venir.")))
        if start and end and end <= start:
            errors.append((index, "ends_at", _("L'heure de fin doit suivre l'heure de début.")))
        if len(errors) == before:
            valid.append((index, slot))
    for position, (index, slot) in enumerate(valid):
        for other_index, other in valid[:position]:
            if (
                slot["date"] == other["date"]
                and slot["starts_at"] < other["ends_at"]
                and other["starts_at"] < slot["ends_at"]
            ):
                errors.append(
                    (index, "starts_at", _("Ce créneau chevauche le créneau n° %(n)s.") % {"n": other_index + 1})
                )
                break
    return errors


def _raise_slot_errors(errors: list[tuple[int | None, str, str]]) -> None:
    if errors:
        messages = [
            msg if index is None else _("Créneau n° %(n)s : %(msg)s") % {"n": index + 1, "msg": msg}
            for index, _field, msg in errors
        ]
        raise ValidationError({"slots": messages})


def _new_lot_reference(donor, day: datetime.date) -> str:
    base = (slugify(donor.name).upper()[:20].strip("-") or "LOT") + f"-{day:%Y}-"
    taken = set(Lot.objects.filter(reference__startswith=base).values_list("reference", flat=True))
    number = len(taken) + 1
    while f"{base}{number:02d}" in taken:
        number += 1
    return f"{base}{number:02d}"


def _recipients(collection: Collection) -> dict[str, str]:
    """The donor's people told about a collection: who proposed it, and the contact on site if they have an email."""
    recipients: dict[str, str] = {}
    user = collection.proposed_by
    if user is not None and user.email:
        recipients[user.email.lower()] = getattr(user, "language", "") or "fr"
    if collection.contact_email:
        recipients.setdefault(collection.contact_email.lower(), "fr")
    return recipients


@transaction.atomic
def collection_propose(
    *,
    by,
    slots: list[dict],
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
    models_description: str = "",
    lot: Lot | None = None,
    pledge: CampaignDonor | None = None,
    expected_count: int | None = None,
) -> Collection:
    """A donor proposes slots to collect ``lot``, or announces a new lot for ``pledge`` (its quantity and models)
    and proposes slots to collect it. Nothing is written when anything is refused."""
    if (lot is None) == (pledge is None):
        raise ValueError("give a lot or a pledge")
    slots = [{name: slot.get(name) for name in SLOT_FIELDS} for slot in slots]
    for slot in slots:
        for name in ("address", "access_notes"):
            slot[name] = (slot[name] or "").strip()
    errors: dict[str, list[str]] = {}
    for name, value in (
        ("contact_name", contact_name),
        ("contact_phone", contact_phone),
        ("models_description", models_description),
    ):
        message = text_errors(value or "")
        if message:
            errors.setdefault(name, []).append(message)
    if not (contact_name or "").strip():
        errors.setdefault("contact_name", []).append(_("Ce champ est obligatoire."))
    if not (contact_phone or "").strip():
        errors.setdefault("contact_phone", []).append(_("Ce champ est obligatoire."))
    if pledge is not None and (expected_count is None or expected_count < 1):
        errors.setdefault("expected_count", []).append(_("Indiquez combien d'ordinateurs seront à collecter."))
    if errors:
        raise ValidationError(errors)
    _raise_slot_errors(slot_errors(slots))

    if lot is None:
        first = min(slot["date"] for slot in slots)
        lot = Lot(
            donor=pledge.donor,
            organiser=pledge.campaign.organiser,
            reference=_new_lot_reference(pledge.donor, first),
            arrival_date=first,
            site=_("À réceptionner (collecte proposée)"),
            expected_count=expected_count,
            notes=models_description,
        )
        lot.full_clean()
        lot.save()
    else:
        lot = Lot.objects.select_for_update().get(pk=lot.pk)
        if lot.collections.filter(status__in=OPEN_COLLECTION_STATUSES).exists():
            raise ValidationError({"slots": [_("Ce lot a déjà une collecte en cours.")]})
        if expected_count:
            lot.expected_count = expected_count
            lot.save(update_fields=["expected_count"])
    collection = Collection(
        lot=lot,
        models_description=(models_description or "").strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        contact_email=(contact_email or "").strip().lower(),
        proposed_by=by,
    )
    collection.full_clean(exclude=["lot", "confirmed_slot", "proposed_by"])
    try:
        with transaction.atomic():
            collection.save()
    except IntegrityError:  # another person proposed slots for the same lot at the same moment
        raise ValidationError({"slots": [_("Ce lot a déjà une collecte en cours.")]}) from None
    CollectionSlot.objects.bulk_create([CollectionSlot(collection=collection, **slot) for slot in slots])
    CollectionEvent.record(by=by, collection=collection, to_status=collection.status)
    logger.info("collection proposed", extra={"collection_id": collection.pk, "lot_id": lot.pk})
    return collection


def _lock(collection: Collection) -> Collection:
    return (
        Collection.objects.select_for_update(of=("self",))
        .select_related("lot", "lot__donor", "lot__organiser", "proposed_by")
        .get(pk=collection.pk)
    )


def _context(collection: Collection, **extra) -> dict:
    return {
        "lot": collection.lot.reference,
        "organiser": collection.lot.organiser.name,
        "space_path": reverse("donors:space") + f"#lot-{slugify(collection.lot.reference)}",
        **extra,
    }


@transaction.atomic
def collection_confirm(*, collection: Collection, slot: CollectionSlot, by, note: str = "") -> Collection:
    """Confirm one of the proposed slots (the others are declined with it); the lot is expected that day and
    the donor is emailed. Two people confirming at once: the first wins, the second is refused."""
    collection = _lock(collection)
    Collection.TRANSITIONS.check(collection, Collection.Status.CONFIRMED)
    if slot.collection_id != collection.pk:
        raise ValidationError({"slot": [_("Ce créneau n'appartient pas à cette collecte.")]})
    note = (note or "").strip()
    collection = transition(
        collection,
        to=Collection.Status.CONFIRMED,
        by=by,
        note=note or str(slot),
        stamps=("decided_at",),
        confirmed_slot=slot,
        staff_message=note,
    )
    Lot.objects.filter(pk=collection.lot_id).update(arrival_date=slot.date)
    context = _context(
        collection,
        # The outbox keeps the context as JSON: the day as ISO text (date_words reads it), times as « 09:00 ».
        day=slot.date.isoformat(),
        starts_at=slot.starts_at.strftime("%H:%M"),
        ends_at=slot.ends_at.strftime("%H:%M"),
        address=slot.address,
        note=note,
    )
    notify(_recipients(collection), "collection_confirmed", context)
    return collection


@transaction.atomic
def collection_ask_other_slots(*, collection: Collection, by, message: str) -> Collection:
    """None of the slots suits the stock team: the proposal is declined with a message, and the donor is asked
    (by email) to propose other slots."""
    message = (message or "").strip()
    problem = text_errors(message) if message else _("Dites au donateur quels jours ou heures conviendraient.")
    if problem:
        raise ValidationError({"message": [problem]})
    if len(message) > 2000:
        raise ValidationError({"message": [_("2 000 caractères au plus.")]})
    collection = _lock(collection)
    collection = transition(
        collection,
        to=Collection.Status.DECLINED,
        by=by,
        note=message,
        stamps=("decided_at",),
        staff_message=message,
    )
    notify(_recipients(collection), "collection_other_slots", _context(collection, message=message))
    return collection


@transaction.atomic
def collection_cancel(*, collection: Collection, by, reason: str = "") -> Collection:
    """Cancel a proposed or confirmed collection (the donor's plans changed, the lot will not be collected)."""
    reason = (reason or "").strip()
    collection = _lock(collection)
    return transition(collection, to=Collection.Status.CANCELLED, by=by, note=reason, stamps=("decided_at",))


@transaction.atomic
def collection_mark_collected(*, collection: Collection, by, note: str = "") -> Collection:
    """The stock team took the lot on its confirmed slot: the lot now counts what it received against what was
    announced."""
    collection = _lock(collection)
    return transition(collection, to=Collection.Status.COLLECTED, by=by, note=note, stamps=("collected_at",))
