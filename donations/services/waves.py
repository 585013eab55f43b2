"""Waves: creating them, planning them, editing the proposal, confirming, distributing, closing.

Every status change goes through ``core.transitions.transition`` and ``Wave.TRANSITIONS``, with an
append-only ``WaveEvent``; every change to a proposal is journaled too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import DomainError, TransitionError
from core.transitions import transition, transition_many
from donations import selectors
from donations.models import Allocation, Wave, WaveEvent
from donations.planner import Plan, describe, explain_quantity, plan_wave
from donations.services._common import french, organiser_of_wave, ready_stock_count
from donations.services.allocations import (
    ConfirmResult,
    _grant_problems,
    confirm_allocations,
    lock_allocations,
    notify_confirmed,
    quantity_floor,
    schedule_appointments,
)
from donations.services.slots import not_enough_places, places_summary

W = Wave.Status

TRANSITIONS = Wave.TRANSITIONS
# The fields the handover slots are made from.
SCHEDULE_FIELDS = {"handover_starts_on", "handover_ends_on", "opening_hours", "slot_minutes", "desk_capacity"}


def _lock(wave: Wave) -> Wave:
    try:
        return Wave.objects.select_related("campaign").select_for_update(of=("self",)).get(pk=wave.pk)
    except Wave.DoesNotExist:
        raise DomainError(_("Cette vague n'existe plus.")) from None


def _require_planning(wave: Wave) -> None:
    if wave.status == W.CLOSED:
        raise DomainError(_("Cette vague est close : elle ne peut plus être planifiée ni modifiée."))
    if wave.status != W.PLANNING:
        raise DomainError(
            _("Cette vague est « %(status)s » : sa proposition ne peut plus être modifiée.")
            % {"status": wave.get_status_display()}
        )


def _check_capacity(capacity: int | None, stock: int | None = None, *, organiser_id: int | None = None) -> None:
    if capacity is None:
        return
    stock = ready_stock_count(organiser_id=organiser_id) if stock is None else stock
    if capacity > stock:
        raise ValidationError(
            {
                "capacity": _(
                    "La capacité (%(capacity)s) dépasse le stock prêt (%(stock)s ordinateurs) : "
                    "réduisez-la ou attendez que d'autres ordinateurs soient prêts."
                )
                % {"capacity": capacity, "stock": stock}
            }
        )


# Creating and editing a wave -------------------------------------------------------------------


def wave_check(*, wave: Wave) -> None:
    """The checks of ``wave_save`` without writing: for forms that show errors next to the fields."""
    if wave.pk is not None and Wave.objects.filter(pk=wave.pk).exclude(status=W.PLANNING).exists():
        raise DomainError(_("Seule une vague en préparation peut être modifiée."))
    _check_capacity(wave.capacity, organiser_id=organiser_of_wave(wave) if wave.campaign_id else None)


@transaction.atomic
def wave_save(*, wave: Wave, by, changed: Iterable[str] = ()) -> Wave:
    """Create a wave, or change one that is still being planned."""
    creating = wave.pk is None
    if not creating:
        current = _lock(wave)
        if current.status != W.PLANNING:
            raise DomainError(_("Seule une vague en préparation peut être modifiée."))
        wave.status = current.status  # the status only changes through core.transitions
    else:
        wave.status = W.PLANNING
    _check_capacity(wave.capacity, organiser_id=organiser_of_wave(wave) if wave.campaign_id else None)
    wave.full_clean()
    wave.save()
    if creating:
        WaveEvent.record(wave=wave, by=by, kind=WaveEvent.Kind.CREATED, to_status=wave.status)
    elif changed:
        labels = [str(Wave._meta.get_field(name).verbose_name) for name in changed if name != "status"]
        if set(changed) & SCHEDULE_FIELDS:
            # A wave being planned has no booking yet: its slots follow its new schedule (made again on demand).
            wave.slots.filter(allocations__isnull=True).delete()
        WaveEvent.record(wave=wave, by=by, kind=WaveEvent.Kind.UPDATED, note=", ".join(labels))
    return wave


# Planning -------------------------------------------------------------------------------------


@transaction.atomic
def wave_plan(*, wave: Wave, by) -> Plan:
    """Compute the proposal of a wave being planned; it replaces the previous proposal."""
    wave = _lock(wave)
    _require_planning(wave)
    stock = ready_stock_count(organiser_id=organiser_of_wave(wave))
    try:
        _check_capacity(wave.capacity, stock)
    except ValidationError as exc:
        raise DomainError(exc.message_dict["capacity"][0], field="capacity") from None
    campaign = wave.campaign
    candidates = selectors.planning_candidates(wave)
    with french():
        plan = plan_wave(
            candidates,
            capacity=wave.capacity,
            stock=stock,
            minimum=campaign.min_per_association,
            maximum=campaign.max_per_association,
            final_lot=wave.is_final_lot,
        )
    # A wave being planned only holds proposals: nothing reserved, nothing to release.
    wave.allocations.filter(status=Allocation.Status.PROPOSED).delete()
    Allocation.objects.bulk_create(
        [
            Allocation(
                wave=wave,
                application_id=line.candidate.application_id,
                quantity=line.quantity,
                planned_quantity=line.quantity,
                position=line.position,
                reason=line.reason,
            )
            for line in plan.lines
        ],
    )
    wave.planned_at = timezone.now()
    wave.plan_skipped = [
        {
            "application": s.candidate.application_id,
            "association": s.candidate.association,
            "code": s.code,
            "reason": s.reason,
        }
        for s in plan.skipped
    ]
    wave.save(update_fields=["planned_at", "plan_skipped"])
    with french():
        note = ngettext(
            "%(units)s ordinateurs proposés à %(n)s association (capacité %(capacity)s, stock prêt %(stock)s)",
            "%(units)s ordinateurs proposés à %(n)s associations (capacité %(capacity)s, stock prêt %(stock)s)",
            len(plan.lines),
        ) % {"units": plan.total, "n": len(plan.lines), "capacity": wave.capacity, "stock": stock}
    WaveEvent.record(wave=wave, by=by, kind=WaveEvent.Kind.PLANNED, note=note)
    return plan


def _quantity_error(name: str, quantity, floor: int, ceiling: int) -> str | None:
    if quantity is None or not isinstance(quantity, int):
        return _("%(association)s : indiquez un nombre entier.") % {"association": name}
    if ceiling < floor:
        return _("%(association)s : il lui reste %(left)s ordinateurs à recevoir, sous le minimum de %(min)s.") % {
            "association": name,
            "left": max(ceiling, 0),
            "min": floor,
        }
    if not floor <= quantity <= ceiling:
        return _("%(association)s : la quantité doit être comprise entre %(min)s et %(max)s.") % {
            "association": name,
            "min": floor,
            "max": ceiling,
        }
    return None


@transaction.atomic
def wave_edit_plan(*, wave: Wave, by, quantities: dict[int, int], remove: Iterable[int] = ()) -> list[str]:
    """Change quantities and remove lines of a proposal, all at once or not at all.

    Raises ``ValidationError`` keyed ``quantity_<allocation id>`` (and ``__all__`` for totals).
    Returns the changes made, in words.
    """
    wave = _lock(wave)
    _require_planning(wave)
    lines = {a.pk: a for a in lock_allocations(list(wave.allocations.values_list("pk", flat=True)))}
    remove = set(remove)
    unknown = (set(quantities) | remove) - set(lines)
    if unknown:
        raise DomainError(_("Certaines lignes ne sont plus dans la proposition : rechargez la page."))
    candidates = {c.application_id: c for c in selectors.planning_candidates(wave)}
    campaign = wave.campaign
    floor = quantity_floor(wave)
    errors: dict[str, str] = {}
    new_quantities: dict[int, int] = {}
    for pk, allocation in lines.items():
        if pk in remove:
            continue
        quantity = quantities.get(pk, allocation.quantity)
        candidate = candidates.get(allocation.application_id)
        name = allocation.application.association.legal_name
        ceiling = min(campaign.max_per_association, candidate.remaining) if candidate else 0
        error = _quantity_error(name, quantity, floor, ceiling)
        if error:
            errors[f"quantity_{pk}"] = error
        new_quantities[pk] = quantity
    total = sum(q for q in new_quantities.values() if isinstance(q, int))
    if total > wave.capacity:
        errors["__all__"] = _("Le total (%(total)s) dépasse la capacité de la vague (%(capacity)s).") % {
            "total": total,
            "capacity": wave.capacity,
        }
    if errors:
        raise ValidationError(errors)
    changes: list[str] = []
    changed = []
    for pk, quantity in new_quantities.items():
        allocation = lines[pk]
        if allocation.quantity != quantity:
            changes.append(f"{allocation.application.association.legal_name} : {allocation.quantity} → {quantity}")
            allocation.quantity = quantity
            # The recorded reason follows the quantity: the planner's words described the one it proposed.
            candidate = candidates[allocation.application_id]
            with french():
                allocation.reason = explain_quantity(
                    quantity=quantity,
                    granted=candidate.granted,
                    elsewhere=candidate.received + candidate.planned_elsewhere,
                    set_by_team="adjusted" if quantity != allocation.planned_quantity else "",
                    final_lot=wave.is_final_lot,
                )
            changed.append(allocation)
    if changed:
        Allocation.objects.bulk_update(changed, ["quantity", "reason"])
    if remove:
        with french():
            for pk in sorted(remove):
                changes.append(
                    _("%(association)s retirée de la proposition") % {"association": lines[pk].application.association}
                )
        Allocation.objects.filter(pk__in=remove, status=Allocation.Status.PROPOSED).delete()
        _renumber(wave)
    if changes:
        WaveEvent.record(wave=wave, by=by, kind=WaveEvent.Kind.EDITED, note="\n".join(changes))
    return changes


def _renumber(wave: Wave) -> None:
    allocations = list(wave.allocations.live().order_by("position", "pk"))
    for index, allocation in enumerate(allocations, start=1):
        allocation.position = index
    Allocation.objects.bulk_update(allocations, ["position"])


@transaction.atomic
def wave_add_application(*, wave: Wave, application, quantity: int, by) -> Allocation:
    """Add an approved application that the planner left out (or that was removed) to a proposal."""
    wave = _lock(wave)
    _require_planning(wave)
    campaign = wave.campaign
    if application.campaign_id != campaign.pk or application.status != type(application).Status.APPROVED:
        raise ValidationError({"application": _("Seule une candidature acceptée de cette campagne peut être ajoutée.")})
    if wave.allocations.live().filter(application=application).exists():
        raise ValidationError({"application": _("Cette association est déjà dans la proposition.")})
    candidates = selectors.planning_candidates(wave, application_ids=[application.pk])
    if not candidates:
        raise ValidationError({"application": _("Cette candidature n'est plus acceptée.")})
    candidate = candidates[0]
    ceiling = min(campaign.max_per_association, candidate.remaining)
    error = _quantity_error(candidate.association, quantity, quantity_floor(wave), ceiling)
    if error:
        raise ValidationError({"quantity": error})
    total = wave.allocations.live().aggregate(n=Sum("quantity"))["n"] or 0
    if total + quantity > wave.capacity:
        raise ValidationError(
            {
                "quantity": _("Avec %(quantity)s de plus, le total (%(total)s) dépasserait la capacité (%(capacity)s).")
                % {"quantity": quantity, "total": total + quantity, "capacity": wave.capacity}
            }
        )
    position = (wave.allocations.live().aggregate(n=Max("position"))["n"] or 0) + 1
    with french():
        reason = _("ajoutée par l'équipe de la campagne : %(base)s") % {"base": describe(candidate)}
        note = _("%(association)s ajoutée : %(quantity)s") % {
            "association": candidate.association,
            "quantity": quantity,
        }
    allocation = Allocation(wave=wave, application=application, quantity=quantity, position=position, reason=reason)
    allocation.full_clean(exclude=["wave", "application"])
    allocation.save()
    WaveEvent.record(wave=wave, by=by, kind=WaveEvent.Kind.EDITED, note=note)
    return allocation


# Confirming, distributing, closing ---------------------------------------------------------------


@transaction.atomic
def wave_confirm(*, wave: Wave, by, notify: bool = True) -> ConfirmResult:
    """Freeze the proposal and reserve units for every line, each line entirely or not at all.

    Refused (nothing changed) when the proposal is empty, above capacity or stock, when a line
    is out of bounds, or when concurrent confirmations left no unit for any line. A line that
    loses its units to a concurrent confirmation stays proposed and is reported; it can be
    confirmed alone later.
    """
    wave = _lock(wave)
    if wave.status != W.PLANNING:
        if wave.status == W.CLOSED:
            raise TransitionError(_("Cette vague est close."))
        raise TransitionError(_("Cette vague est déjà confirmée."))
    allocations = lock_allocations(
        list(wave.allocations.filter(status=Allocation.Status.PROPOSED).values_list("pk", flat=True))
    )
    if not allocations:
        raise DomainError(_("La proposition est vide : calculez-la ou ajoutez des associations avant de confirmer."))
    total = sum(a.quantity for a in allocations)
    if total > wave.capacity:
        raise DomainError(
            _("Le total proposé (%(total)s) dépasse la capacité de la vague (%(capacity)s).")
            % {"total": total, "capacity": wave.capacity}
        )
    stock = ready_stock_count(organiser_id=organiser_of_wave(wave))
    if total > stock:
        raise DomainError(
            _("Stock prêt insuffisant : %(total)s ordinateurs proposés, %(stock)s prêts. Rien n'a été confirmé.")
            % {"total": total, "stock": stock}
        )
    problems = _grant_problems(allocations)
    if problems:
        raise DomainError(" ".join(problems.values()))
    places = places_summary(wave, needed=len(allocations))
    if places["scheduled"] and places["short"]:
        # Said before anything is reserved; schedule_appointments checks again under the slots' lock.
        raise not_enough_places(wave, needed=len(allocations), places=places["places"], days=places["days"])
    with french():
        note = ngettext(
            "%(units)s ordinateurs pour %(n)s association",
            "%(units)s ordinateurs pour %(n)s associations",
            len(allocations),
        ) % {"units": total, "n": len(allocations)}
    transition(wave, to=W.CONFIRMED, by=by, note=note, confirmed_at=timezone.now())
    result = confirm_allocations(allocations, by=by, note=str(wave))
    if not result.confirmed:
        # Concurrent confirmations took the stock meanwhile: the wave stays in planning, unchanged.
        raise DomainError(" ".join(reason for _allocation, reason in result.refused))
    schedule_appointments(result.confirmed, wave=wave, by=by)
    if notify:  # seed_demo confirms without emailing the fictional associations
        notify_confirmed(result.confirmed)
    return result


@transaction.atomic
def wave_start_distribution(*, wave: Wave, by) -> Wave:
    wave = _lock(wave)
    return transition(wave, to=W.DISTRIBUTING, by=by)


@transaction.atomic
def wave_close(*, wave: Wave, by, note: str = "") -> Wave:
    """Close a wave once every confirmed allocation is handed over; pending proposals are cancelled."""
    wave = _lock(wave)
    if W.CLOSED not in TRANSITIONS[wave.status]:
        transition(wave, to=W.CLOSED, by=by)  # raises with the right message
    waiting = wave.allocations.filter(status=Allocation.Status.CONFIRMED).count()
    if waiting:
        raise DomainError(
            ngettext(
                "%(n)s attribution attend encore sa remise : enregistrez-la ou annulez-la avant de clore la vague.",
                "%(n)s attributions attendent encore leur remise : enregistrez-les ou annulez-les avant de clore "
                "la vague.",
                waiting,
            )
            % {"n": waiting}
        )
    pending = lock_allocations(
        list(wave.allocations.filter(status=Allocation.Status.PROPOSED).values_list("pk", flat=True))
    )
    with french():
        transition_many(
            pending,
            to=Allocation.Status.CANCELLED,
            by=by,
            note=_("vague close sans confirmation"),
            cancelled_at=timezone.now(),
        )
    return transition(wave, to=W.CLOSED, by=by, note=note, closed_at=timezone.now())
