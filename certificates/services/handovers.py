"""Certificates' life: creation when allocations are confirmed, generation state, queueing, the signed handover.

One table of allowed generation states (``Handover.TRANSITIONS``); every change goes through
``core.transitions.transition``, which writes an append-only ``HandoverEvent`` with the acting user (none for
the worker). Renders are queued after the transaction commits; when the broker is unreachable the request
still succeeds and the periodic sweep (``rendering.handovers_requeue_stuck``) queues them later.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates import selectors
from certificates.models import Handover, HandoverEvent
from certificates.services.signatures import clean_scan, clean_signatures
from core.emails import apply_each_on_commit, follow_up_queue
from core.errors import DomainError, TransitionError
from core.models import actor_label
from core.transitions import transition
from core.words import date_words
from donations import services as donations_services
from donations.models import Allocation, Wave

logger = logging.getLogger(__name__)

S = Handover.State

# The one table of allowed changes of a certificate's generation state lives next to the model.
TRANSITIONS = Handover.TRANSITIONS


def pending_stuck_after() -> datetime.timedelta:
    """A render queued this long ago and still pending was lost (broker down at commit): the sweep re-queues it."""
    return datetime.timedelta(seconds=settings.CERTIFICATES_PENDING_STUCK_SECONDS)


def rendering_stuck_after() -> datetime.timedelta:
    """A render started this long ago and not finished died with its worker (the task's hard limit is 120 s)."""
    return datetime.timedelta(seconds=settings.CERTIFICATES_RENDERING_STUCK_SECONDS)


SWEEP_BATCH = 500

CERTIFIED = selectors.CERTIFIED_ALLOCATION_STATUSES


def _storage():
    return Handover._meta.get_field("pdf").storage


def _lock(pk: int) -> Handover | None:
    return (
        Handover.objects.select_for_update(of=("self",))
        .select_related("allocation", "wave__campaign")
        .filter(pk=pk)
        .first()
    )


# Queueing -------------------------------------------------------------------------------------


def queue_options() -> dict:
    """Where follow-up tasks go: ``CERTIFICATES_QUEUE`` if set, else the queue of the running task."""
    return follow_up_queue("CERTIFICATES_QUEUE")


def queue_renders(handover_ids: Iterable[int]) -> None:
    """After commit, send one render task per certificate. A broker outage never fails the request."""
    apply_each_on_commit(
        "certificates.tasks.render_handover",
        handover_ids,
        log=logger,
        failed="Render of certificate %s failed in-process",
        lost="Broker unreachable: %s certificate render(s) left to the periodic sweep",
        options=queue_options(),
    )


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
    result = GenerateResult()
    allocation_ids = Allocation.objects.filter(wave=wave, status__in=CERTIFIED).values_list("pk", flat=True)
    created = handover_ensure_for_allocations(list(allocation_ids), by=by)
    result.created = len(created)
    now = timezone.now()
    failed = list(
        Handover.objects.for_wave(wave).live().filter(state=S.FAILED).select_for_update(of=("self",)).order_by("pk")
    )
    for handover in failed:
        transition(handover, to=S.PENDING, by=by, note=_("Relancée : « tout générer »"), queued_at=now, attempts=0)
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
    transition(locked, to=S.PENDING, by=by, note=_("Relancée depuis le guichet"), queued_at=timezone.now(), attempts=0)
    queue_renders([locked.pk])
    return locked


# Recording the signed handover ----------------------------------------------------------------


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
    before_appointment_confirmed: bool = False,
) -> Handover:
    """Record the signed handover at the counter, all or nothing.

    The units handed over move to « handed over » and the allocation to « handed over » (through the
    donations service); refused units go back to reconditioning, the refusal note in their history,
    until the stock checks them again. The signatures (or the scan) are
    stored, and the signed certificate is rendered after commit, then emailed to the association.

    A handover dated before its appointment day is refused unless ``before_appointment_confirmed``:
    the counter confirms that the association really came early (not a slip on the wrong row).
    """
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
        cleaned = clean_signatures(
            (
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
            ),
            errors=errors,
        )
    if errors:
        raise ValidationError(errors)

    locked = _lock(handover.pk)
    if locked is None:
        raise DomainError(_("Cette attestation n'existe plus."))
    if locked.is_signed:
        raise DomainError(
            _("La remise de l'attestation %(number)s est déjà enregistrée (le %(date)s).")
            % {"number": locked.number, "date": date_words(locked.handed_over_on)}
        )
    allocation = locked.allocation
    if allocation.status != Allocation.Status.CONFIRMED:
        raise DomainError(
            _("L'attribution est « %(status)s » : la remise ne peut pas être enregistrée.")
            % {"status": allocation.get_status_display()}
        )
    if (
        allocation.appointment_date
        and handed_over_on < allocation.appointment_date
        and not before_appointment_confirmed
    ):
        raise ValidationError(
            {
                "confirm_early": _(
                    "Le rendez-vous de %(association)s est le %(date)s : cochez la case pour confirmer "
                    "une remise avant cette date."
                )
                % {
                    "association": allocation.application.association.legal_name,
                    "date": date_words(allocation.appointment_date, "l j F Y"),
                }
            }
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
            transition(locked, to=S.PENDING, by=by, note=_("Attestation signée à produire"), **changes)
        locked.refused_computers.set(refused)
        HandoverEvent.record(handover=locked, by=by, kind=HandoverEvent.Kind.SIGNED, note=history)
    except Exception:
        for path in saved:
            storage.delete(path)
        raise
    queue_renders([locked.pk])
    return locked
