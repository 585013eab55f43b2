"""Every write on the stock goes through these functions.

One table of allowed status changes (``TRANSITIONS``) and one table saying which service performs
which of them (``MOVES``). Services that act on a selection lock the rows ordered by primary key,
write with a constant number of queries whatever the number of units (one UPDATE, one bulk INSERT of
history rows) and leave one append-only ``ComputerEvent`` per unit with the acting user.

Two kinds of bulk services:

- the operator's (``computers_start_reconditioning``, ``computers_mark_ready``, ``computers_scrap``,
  ``computers_record_wipe``) apply what is allowed and return, per unit, what was refused and why;
- the donations app's (``computers_reserve``, ``computers_release``, ``computers_hand_over``,
  ``computers_refuse_at_handover``) are all or nothing: they raise ``TransitionError`` naming the
  refused units and change nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import DomainError, TransitionError
from core.models import actor_label
from core.transitions import transition_many
from inventory.models import (
    DEFAULT_CHECKLIST,
    ChecklistItem,
    Computer,
    ComputerEvent,
    FunctionalTest,
    FunctionalTestResult,
    Lot,
    StockPartner,
    WipeEvidence,
    WipeRecord,
)
from inventory.validators import normalize_manufacturer, normalize_reference, normalize_serial

logger = logging.getLogger(__name__)

S = Computer.Status

TRANSITIONS = Computer.TRANSITIONS

# Which service performs which transitions: (from statuses, to status). Reserved and handed over
# are set only by the donations app (reserve, release, hand_over).
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "start_reconditioning": (frozenset({S.RECEIVED, S.READY}), S.RECONDITIONING),
    "mark_ready": (frozenset({S.RECONDITIONING}), S.READY),
    "scrap": (frozenset({S.RECEIVED, S.RECONDITIONING, S.READY}), S.SCRAPPED),
    "reserve": (frozenset({S.READY}), S.RESERVED),
    "release": (frozenset({S.RESERVED}), S.READY),
    "hand_over": (frozenset({S.RESERVED}), S.HANDED_OVER),
    "refuse_at_handover": (frozenset({S.RESERVED}), S.RECONDITIONING),
    "return_faulty": (frozenset({S.HANDED_OVER}), S.RECONDITIONING),
}
assert all(to in TRANSITIONS[source] for sources, to in MOVES.values() for source in sources)
assert {(s, t) for s, targets in TRANSITIONS.items() for t in targets} == {
    (s, to) for sources, to in MOVES.values() for s in sources
}, "every allowed transition has exactly one service"

# A wipe (or an exemption) is recorded while the unit is in the workshop, or before recycling.
WIPE_STATUSES = frozenset({S.RECEIVED, S.RECONDITIONING, S.SCRAPPED})

# What a unit is, besides its identity (asset tag, maker, model, serial number): its hardware and condition.
DESCRIPTION_FIELDS = (
    "form_factor",
    "cpu",
    "ram_gb",
    "storage_gb",
    "storage_type",
    "os",
    "grade",
    "has_keyboard",
    "has_mouse",
    "needs_spare_part",
)
# Fields an operator may correct on a unit (status and wipe evidence only change through services).
EDITABLE_FIELDS = (
    "asset_tag",
    "manufacturer",
    "model",
    "serial_number",
    "disk_serial",
    *DESCRIPTION_FIELDS,
    "lot",
    "notes",
)
# What a wipe says besides its note: the stock form's fields, and what the API's batch wipes share as a template.
WIPE_TEMPLATE_FIELDS = (
    "kind",
    "method",
    "tool",
    "tool_version",
    "performed_on",
    "result",
    "report_reference",
    "exemption",
    "exemption_reason",
)
LOT_FIELDS = ("donor", "reference", "arrival_date", "site", "expected_count", "partner", "notes")
# A lot is received for one organiser, once: it never moves to another organiser's stock.
LOT_CREATE_FIELDS = ("organiser", *LOT_FIELDS)

SPARE_PART_ON_READY = gettext_lazy(
    "Un ordinateur prêt ou réservé ne peut pas attendre une pièce : remettez-le d'abord en reconditionnement."
)
# How many refused units a TransitionError names before summing up the rest.
NAMED_IN_ERRORS = 20
# Selections are written in slices of this many units: one query per slice (SQLite caps the number
# of parameters of a query at 32,766), so up to 10,000 units the number of queries is constant.
SLICE = 10_000
BATCH = 5_000  # rows per INSERT


def _slices(ids: list[int]):
    for start in range(0, len(ids), SLICE):
        yield ids[start : start + SLICE]


@dataclass(frozen=True)
class Refusal:
    computer: Computer
    reason: str


@dataclass
class BulkResult:
    """What an operator's bulk service did: the units changed, and each refused unit with its reason."""

    done: list[Computer] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.done)


def _ids(computer_ids: Iterable) -> list[int]:
    try:
        return sorted({int(pk) for pk in computer_ids})
    except (TypeError, ValueError):
        raise DomainError(_("Identifiants d'ordinateurs invalides."))


def _lock(ids: list[int]) -> list[Computer]:
    """The computers, locked in primary-key order so that concurrent requests cannot deadlock."""
    if not ids:
        return []
    computers = []
    for chunk in _slices(ids):
        computers += Computer.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
    return computers


def _sort_out(ids: list[int], computers: list[Computer], refusal: Callable[[Computer], str | None]) -> BulkResult:
    """The selection ``ids`` of a bulk service, once its units are locked (``computers``): the ones it may change,
    the ones ``refusal`` gives a reason to refuse, and the identifiers of the units that do not exist."""
    result = BulkResult(missing=sorted(set(ids) - {c.pk for c in computers}))
    for computer in computers:
        reason = refusal(computer)
        if reason:
            result.refused.append(Refusal(computer, reason))
        else:
            result.done.append(computer)
    return result


# A unit's pointer to its current wipe record or functional test, and the flag of a failed one.
_POINTERS = {WipeRecord: ("wipe_record", "wipe_failed"), FunctionalTest: ("functional_test", "functional_test_failed")}


def _point_to_newest(done: list[Computer], *, model, passed: bool, now) -> None:
    """After a bulk write of wipe records or functional tests (``model``): each unit points to its newest row
    (just written, highest key) and its failure flag is cleared, or, when it did not pass, to none, flagged."""
    field, failed_flag = _POINTERS[model]
    done_ids = [c.pk for c in done]
    if passed:
        newest = model.objects.filter(computer=OuterRef("pk")).order_by("-pk").values("pk")[:1]
        values = {field: Subquery(newest), failed_flag: False, "updated_at": now}
    else:
        values = {field: None, failed_flag: True, "updated_at": now}
    for chunk in _slices(done_ids):
        Computer.objects.filter(pk__in=chunk).update(**values)


def _same_status_events(pairs, *, kind: str, by, now) -> None:
    """One history row per (unit, note) of a bulk write that leaves the units' status as it is."""
    label = actor_label(by)
    ComputerEvent.objects.bulk_create(
        [
            ComputerEvent(
                computer_id=c.pk,
                kind=kind,
                actor=by,
                actor_label=label,
                from_status=c.status,
                to_status=c.status,
                note=note,
                created_at=now,
            )
            for c, note in pairs
        ],
        batch_size=BATCH,
    )


def _name(computer: Computer) -> str:
    return f"{computer.asset_tag} ({computer.manufacturer} {computer.serial_number})"


def _refusal(computer: Computer, move: str) -> str | None:
    """Why ``computer`` cannot take ``move`` (None when it can)."""
    sources, to = MOVES[move]
    current = computer.status
    if move == "scrap" and current == S.RESERVED:
        return _(
            "réservé pour une association : retirez-le d'abord de son attribution "
            "(refusé à la remise ou attribution annulée), puis mettez-le au rebut"
        )
    if current not in sources or not TRANSITIONS.allows(current, to):
        return TRANSITIONS.refused % {"from": S(current).label, "to": S(to).label}
    if to in Computer.CLEARED_STATUSES and computer.wipe_record_id is None:
        if computer.wipe_failed:
            return _("le dernier effacement a échoué : il doit être refait")
        return _("aucun effacement réussi ni exemption enregistré")
    if to in Computer.CLEARED_STATUSES and computer.functional_test_id is None:
        if computer.functional_test_failed:
            return _("le dernier test fonctionnel a échoué : réparez, puis enregistrez un nouveau test réussi")
        return _("aucun test fonctionnel réussi enregistré (décret n° 2022-190 : toutes les fonctions testées)")
    if move == "mark_ready" and computer.needs_spare_part:
        return _("une pièce est à remplacer")
    return None


def _write_moves(computers: list[Computer], *, to: str, by, note: str, **changes) -> None:
    """Write the checked status change of locked computers: one UPDATE, one bulk INSERT of history."""
    transition_many(
        computers,
        to=to,
        by=by,
        note=note,
        stamps=("status_changed_at", "updated_at"),
        slice_size=SLICE,
        batch_size=BATCH,
        **changes,
    )


def _apply(move: str, *, computer_ids: Iterable, by, note: str = "", check=None, **changes) -> BulkResult:
    """Operator's bulk move: apply what is allowed (and what ``check``, if given, does not refuse), report the rest."""
    ids = _ids(computer_ids)
    with transaction.atomic():
        result = _sort_out(ids, _lock(ids), lambda c: _refusal(c, move) or (check(c) if check else None))
        _write_moves(result.done, to=MOVES[move][1], by=by, note=note, **changes)
    return result


def _all_or_nothing(move: str, *, computer_ids: Iterable, by, note: str = "", **changes) -> int:
    """Donations' bulk move: every unit moves, or none and a TransitionError names the refused ones."""
    ids = _ids(computer_ids)
    if not ids:
        return 0
    with transaction.atomic():
        computers = _lock(ids)
        problems = [_("n° %(pk)s : introuvable") % {"pk": pk} for pk in sorted(set(ids) - {c.pk for c in computers})]
        for computer in computers:
            reason = _refusal(computer, move)
            if reason:
                problems.append(f"{_name(computer)} : {reason}")
        if problems:
            named = "; ".join(problems[:NAMED_IN_ERRORS])
            if len(problems) > NAMED_IN_ERRORS:
                named += " " + _("et %(n)s autres") % {"n": len(problems) - NAMED_IN_ERRORS}
            raise TransitionError(
                ngettext(
                    "Aucun ordinateur n'a été modifié : %(n)s ordinateur est refusé (%(list)s).",
                    "Aucun ordinateur n'a été modifié : %(n)s ordinateurs sont refusés (%(list)s).",
                    len(problems),
                )
                % {"n": len(problems), "list": named}
            )
        _write_moves(computers, to=MOVES[move][1], by=by, note=note, **changes)
    return len(computers)


# Donations app ----------------------------------------------------------------------------------


def computers_reserve(*, computer_ids: list[int], by, note: str = "") -> int:
    """ready -> reserved for every unit, or none (TransitionError naming the refused units)."""
    return _all_or_nothing("reserve", computer_ids=computer_ids, by=by, note=note)


def computers_release(*, computer_ids: list[int], by, note: str = "") -> int:
    """reserved -> ready for every unit, or none."""
    return _all_or_nothing("release", computer_ids=computer_ids, by=by, note=note)


def computers_hand_over(*, computer_ids: list[int], by, note: str = "") -> int:
    """reserved -> handed over for every unit, or none."""
    return _all_or_nothing("hand_over", computer_ids=computer_ids, by=by, note=note)


def computers_refuse_at_handover(*, computer_ids: list[int], by, note: str = "") -> int:
    """reserved -> reconditioning for every unit, or none: the association refused them at the handover.

    A refused unit is suspect (« disque non détecté »): it goes back to the workshop, not to the ready
    stock, so that no wave can give it to another association before an operator checked it and marked
    it ready again. ``note`` (the refusal and its reason) is kept in each unit's history.
    """
    note = (note or "").strip() or _("Refusé à la remise")
    return _all_or_nothing("refuse_at_handover", computer_ids=computer_ids, by=by, note=note)


def computers_return_faulty(*, computer_ids: list[int], by, note: str = "") -> int:
    """handed over -> reconditioning for every unit, or none: a faulty unit replaced under warranty (support app,
    through donations' swap). Its wipe evidence is cleared: the association used it, so it is wiped again
    before it can be ready."""
    note = (note or "").strip() or _("Revenu en panne d'une association")
    return _all_or_nothing("return_faulty", computer_ids=computer_ids, by=by, note=note, wipe_record=None)


# Operators --------------------------------------------------------------------------------------


def computers_start_reconditioning(*, computer_ids: Iterable[int], by, note: str = "") -> BulkResult:
    """received (or ready, to fix something) -> reconditioning."""
    return _apply("start_reconditioning", computer_ids=computer_ids, by=by, note=note)


def computers_mark_ready(*, computer_ids: Iterable[int], by, note: str = "") -> BulkResult:
    """reconditioning -> ready, only with a passed wipe or an exemption, a passed functional test, no missing part."""
    return _apply("mark_ready", computer_ids=computer_ids, by=by, note=note)


def computers_scrap(
    *,
    computer_ids: Iterable[int],
    by,
    reason: str,
    cause: str = Computer.ScrapCause.OTHER,
    storage_outcome: str,
    recycler: str,
    storage_certificate: str = "",
    recycler_reference: str = "",
    parts_kept: str = "",
) -> BulkResult:
    """Any status before handover -> scrapped (sent to an approved WEEE take-back), with its end of life.

    ``storage_outcome`` says what happened to the storage: destroyed (with the destruction certificate's
    reference), wiped (only for units whose validated wipe is a real wipe, not an exemption), removed and kept,
    or no drive. ``recycler`` is the take-back organisation (éco-organisme or approved operator).
    """
    reason, recycler = (reason or "").strip(), (recycler or "").strip()
    storage_certificate = (storage_certificate or "").strip()
    if not reason:
        raise DomainError(_("Indiquez le motif de mise au rebut."), field="reason")
    if cause not in Computer.ScrapCause.values:
        raise DomainError(_("Choisissez la cause de mise au rebut."), field="cause")
    if storage_outcome not in Computer.StorageOutcome.values or storage_outcome == Computer.StorageOutcome.UNRECORDED:
        raise DomainError(_("Indiquez ce qu'est devenu le support de stockage."), field="storage_outcome")
    if storage_outcome == Computer.StorageOutcome.DESTROYED and not storage_certificate:
        raise DomainError(
            _("Indiquez la référence du certificat de destruction du support."), field="storage_certificate"
        )
    if not recycler:
        raise DomainError(_("Indiquez la filière de reprise (éco-organisme ou opérateur agréé)."), field="recycler")
    computer_ids = _ids(computer_ids)
    check = None
    if storage_outcome == Computer.StorageOutcome.WIPED:
        wiped = set(
            Computer.objects.filter(pk__in=computer_ids, wipe_record__kind=WipeRecord.Kind.WIPE).values_list(
                "pk", flat=True
            )
        )

        def check(computer: Computer) -> str | None:
            if computer.pk in wiped:
                return None
            return _("aucun effacement réussi enregistré : le support doit être détruit, retiré, ou effacé d'abord")

    return _apply(
        "scrap",
        computer_ids=computer_ids,
        by=by,
        note=reason,
        check=check,
        scrap_reason=reason,
        scrap_cause=cause,
        storage_outcome=storage_outcome,
        storage_certificate=storage_certificate if storage_outcome == Computer.StorageOutcome.DESTROYED else "",
        recycler=recycler,
        recycler_reference=(recycler_reference or "").strip(),
        parts_kept=(parts_kept or "").strip(),
    )


def _wipe_note(record: WipeRecord) -> str:
    if record.kind == WipeRecord.Kind.EXEMPTION:
        return _("Exemption : %(type)s – %(reason)s") % {
            "type": record.get_exemption_display(),
            "reason": record.exemption_reason,
        }
    parts = [record.get_method_display(), record.get_result_display()]
    if record.tool:
        parts.append(f"{record.tool} {record.tool_version}".strip())
    if record.report_reference:
        parts.append(_("rapport %(ref)s") % {"ref": record.report_reference})
    return " – ".join(parts)


def _wipe_refusal(computer: Computer) -> str | None:
    """Why a unit's wipe cannot be recorded now, or None: it is recorded in the workshop or before recycling."""
    if computer.status in WIPE_STATUSES:
        return None
    if computer.status == S.READY:
        return _("déjà prêt : remettez-le d'abord en reconditionnement pour l'effacer de nouveau")
    return _("statut « %(status)s » : l'ordinateur a quitté l'atelier") % {"status": computer.get_status_display()}


def computers_record_wipe(
    *,
    computer_ids: Iterable[int],
    by,
    kind: str = WipeRecord.Kind.WIPE,
    method: str = "",
    tool: str = "",
    tool_version: str = "",
    performed_on: datetime.date | None = None,
    result: str = "",
    report_reference: str = "",
    exemption: str = "",
    exemption_reason: str = "",
    note: str = "",
    started_at: datetime.datetime | None = None,
    ended_at: datetime.datetime | None = None,
    verification: str = "",
    disk_serial: str = "",
    evidence: WipeEvidence | None = None,
) -> BulkResult:
    """Record the same wipe (or exemption) for a selection: one record and one history row per unit.

    The latest record decides: a passed wipe or an exemption clears the unit for handover, a failed
    wipe withdraws the clearance and flags the unit. Only inventory operators may record one.
    """
    if by is None or not by.has_perm("inventory.record_wipe"):
        raise DomainError(_("Seuls les opérateurs de stock peuvent enregistrer un effacement des données."))
    template = WipeRecord(
        kind=kind,
        method=method if kind == WipeRecord.Kind.WIPE else "",
        tool=(tool or "").strip(),
        tool_version=(tool_version or "").strip(),
        performed_on=performed_on or timezone.localdate(),
        result=result if kind == WipeRecord.Kind.WIPE else "",
        report_reference=(report_reference or "").strip(),
        exemption=exemption if kind == WipeRecord.Kind.EXEMPTION else "",
        exemption_reason=(exemption_reason or "").strip() if kind == WipeRecord.Kind.EXEMPTION else "",
        started_at=started_at,
        ended_at=ended_at,
        verification=(verification or "").strip(),
        disk_serial=(disk_serial or "").strip(),
        evidence=evidence,
        actor=by,
        actor_label=actor_label(by),
    )
    if template.performed_on > timezone.localdate():
        raise DomainError(_("La date de l'effacement ne peut pas être dans le futur."), field="performed_on")
    try:
        template.full_clean(exclude=["computer", "evidence"], validate_unique=False)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages))

    ids = _ids(computer_ids)
    with transaction.atomic():
        outcome = _sort_out(ids, _lock(ids), _wipe_refusal)
        if not outcome.done:
            return outcome
        fields = {
            f.attname: getattr(template, f.attname) for f in WipeRecord._meta.concrete_fields if not f.primary_key
        }
        fields.pop("computer_id")
        now = timezone.now()
        fields["created_at"] = now
        WipeRecord.objects.bulk_create([WipeRecord(computer_id=c.pk, **fields) for c in outcome.done], batch_size=BATCH)
        _point_to_newest(outcome.done, model=WipeRecord, passed=template.clears, now=now)
        text = _wipe_note(template)
        if note:
            text = f"{text}\n{note}"
        _same_status_events(((c, text) for c in outcome.done), kind=ComputerEvent.Kind.WIPE, by=by, now=now)
    return outcome


# Functional tests -------------------------------------------------------------------------------

# A functional test is recorded while the unit is in the workshop.
TEST_STATUSES = frozenset({S.RECEIVED, S.RECONDITIONING})
NOTE_MAX = FunctionalTestResult._meta.get_field("note").max_length


@dataclass(frozen=True)
class ItemResult:
    """One item of a checklist as the tester found it."""

    label: str
    passed: bool
    note: str = ""


def checklist_create_default(*, campaign) -> list[ChecklistItem]:
    """Give ``campaign`` the default checklist, unless it already has items (safe to call twice)."""
    if ChecklistItem.objects.filter(campaign=campaign).exists():
        return []
    return ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(campaign=campaign, label=str(label), help_text=str(text), position=10 * (i + 1))
            for i, (label, text) in enumerate(DEFAULT_CHECKLIST)
        ]
    )


def _test_note(test: FunctionalTest, results: list[ItemResult], note: str) -> str:
    failed = [r for r in results if not r.passed]
    if not failed:
        text = ngettext(
            "Réussi : %(n)s point vérifié (%(checklist)s).",
            "Réussi : les %(n)s points vérifiés (%(checklist)s).",
            len(results),
        ) % {"n": len(results), "checklist": test.checklist}
    else:
        names = ", ".join(f"{r.label} ({r.note})" if r.note else r.label for r in failed)
        text = _("En échec : %(items)s.") % {"items": names}
    return f"{text}\n{note}" if note else text


def computers_record_functional_test(
    *,
    computer_ids: Iterable[int],
    by,
    results: list[ItemResult],
    performed_at: datetime.datetime | None = None,
    note: str = "",
) -> BulkResult:
    """Record the same functional test for a selection: one test, its items and one history row per unit.

    ``results`` must cover exactly the items of each unit's checklist (``selectors.checklists_for``): a unit whose
    checklist differs (another campaign, or changed meanwhile) is refused. The test passes only if every item
    passed. The latest test decides: a passed one allows the unit to be marked ready, a failed one withdraws it
    and flags the unit. Only inventory operators may record one, on units in the workshop.
    """
    from inventory.selectors import checklists_for

    if by is None or not by.has_perm("inventory.record_functional_test"):
        raise DomainError(_("Seuls les opérateurs de stock peuvent enregistrer un test fonctionnel."))
    results = [
        ItemResult(label=(r.label or "").strip(), passed=bool(r.passed), note=(r.note or "").strip()) for r in results
    ]
    labels = [r.label for r in results]
    if not results or any(not label for label in labels) or len(set(labels)) != len(labels):
        raise DomainError(_("Indiquez le résultat de chaque point de la liste de contrôle, une fois chacun."))
    for item in results:
        if len(item.note) > NOTE_MAX:
            raise DomainError(
                _("La note de « %(item)s » fait %(max)s caractères au plus.") % {"item": item.label, "max": NOTE_MAX}
            )
        if "\x00" in item.note:
            raise DomainError(_("La note de « %(item)s » contient des caractères invalides.") % {"item": item.label})
    now = timezone.now()
    performed_at = performed_at or now
    if performed_at > now:
        raise DomainError(_("La date du test ne peut pas être dans le futur."), field="performed_at")
    passed = all(r.passed for r in results)

    ids = _ids(computer_ids)
    with transaction.atomic():
        computers = _lock(ids)
        checklists = checklists_for([c.pk for c in computers])

        def refusal(computer: Computer) -> str | None:
            checklist = checklists[computer.pk]
            if computer.status == S.READY:
                return _("déjà prêt : remettez-le d'abord en reconditionnement pour le tester de nouveau")
            if computer.status not in TEST_STATUSES:
                return _("statut « %(status)s » : l'ordinateur a quitté l'atelier") % {
                    "status": computer.get_status_display()
                }
            if sorted(checklist.labels) != sorted(labels):
                return _(
                    "sa liste de contrôle (« %(checklist)s ») n'est pas celle du formulaire : testez-le à part"
                ) % {"checklist": checklist.name}
            return None

        outcome = _sort_out(ids, computers, refusal)
        if not outcome.done:
            return outcome
        label = actor_label(by)
        order = {name: i for i, name in enumerate(checklists[outcome.done[0].pk].labels)}
        results.sort(key=lambda r: order.get(r.label, len(order)))
        tests = FunctionalTest.objects.bulk_create(
            [
                FunctionalTest(
                    computer_id=c.pk,
                    checklist=checklists[c.pk].name,
                    passed=passed,
                    performed_at=performed_at,
                    actor=by,
                    actor_label=label,
                    created_at=now,
                )
                for c in outcome.done
            ],
            batch_size=BATCH,
        )
        FunctionalTestResult.objects.bulk_create(
            [
                FunctionalTestResult(test_id=test.pk, position=i, label=r.label, passed=r.passed, note=r.note)
                for test in tests
                for i, r in enumerate(results)
            ],
            batch_size=BATCH,
        )
        _point_to_newest(outcome.done, model=FunctionalTest, passed=passed, now=now)
        _same_status_events(
            ((c, _test_note(test, results, note)) for c, test in zip(outcome.done, tests, strict=True)),
            kind=ComputerEvent.Kind.FUNCTIONAL_TEST,
            by=by,
            now=now,
        )
    return outcome


# Single units and lots --------------------------------------------------------------------------


def _clean_computer_fields(fields: dict) -> dict:
    if "manufacturer" in fields:
        fields["manufacturer"] = normalize_manufacturer(fields["manufacturer"])
    if "serial_number" in fields:
        fields["serial_number"] = normalize_serial(fields["serial_number"])
    if "disk_serial" in fields:
        fields["disk_serial"] = normalize_serial(fields["disk_serial"])
    if "asset_tag" in fields:
        fields["asset_tag"] = normalize_reference(fields["asset_tag"])
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("Champs non modifiables : %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    return fields


def _checked_save(instance) -> None:
    """Save ``instance`` once the model's own checks pass; what they refuse is a DomainError."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages))
    instance.save()


def _save_by_hand(computer: Computer, *, by, kind: str, note: str, from_status: str = "") -> None:
    """Save a unit entered or corrected by hand, with its history row."""
    _checked_save(computer)
    ComputerEvent.record(
        by=by, computer=computer, kind=kind, from_status=from_status, to_status=computer.status, note=note
    )


@transaction.atomic
def computer_create(*, by, note: str = "", **fields) -> Computer:
    """A unit entered by hand: status received, with its first history row."""
    fields = _clean_computer_fields(fields)
    computer = Computer(**fields)
    if not computer.asset_tag and computer.lot_id:
        computer.asset_tag = next_asset_tags(computer.lot, 1)[0]
    _save_by_hand(computer, by=by, kind=ComputerEvent.Kind.CREATED, note=note or _("Saisie manuelle"))
    return computer


def describe_changes(before: dict, after: dict) -> str:
    labels = {f.name: str(f.verbose_name) for f in Computer._meta.fields}
    parts = []
    for name, old in before.items():
        new = after[name]
        if old != new:
            parts.append(f"{labels.get(name, name)} : {_display(old)} → {_display(new)}")
    return "; ".join(parts)


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("oui")
    if value is False:
        return _("non")
    return str(value)


@transaction.atomic
def computer_update(*, computer: Computer, by, **fields) -> Computer:
    """Correct the description of a unit; the history keeps what changed."""
    fields = _clean_computer_fields(fields)
    locked = Computer.objects.select_for_update().get(pk=computer.pk)
    if locked.status == S.HANDED_OVER:
        raise DomainError(_("Cet ordinateur a été remis à une association : sa fiche ne peut plus être modifiée."))
    if fields.get("needs_spare_part") and not locked.needs_spare_part and locked.status in (S.READY, S.RESERVED):
        raise DomainError(SPARE_PART_ON_READY, field="needs_spare_part")
    before = {name: getattr(locked, name) for name in fields}
    for name, value in fields.items():
        setattr(locked, name, value)
    after = {name: getattr(locked, name) for name in fields}
    changes = describe_changes(before, after)
    if not changes:
        return locked
    _save_by_hand(locked, by=by, kind=ComputerEvent.Kind.UPDATED, note=changes, from_status=locked.status)
    return locked


def next_asset_tags(lot: Lot, count: int, taken: set[str] | None = None) -> list[str]:
    """``count`` free asset tags numbered in the lot: <lot reference>-0001, -0002..."""
    prefix = f"{lot.reference}-"
    if taken is None:
        taken = set(Computer.objects.filter(asset_tag__startswith=prefix).values_list("asset_tag", flat=True))
    tags, number = [], 0
    while len(tags) < count:
        number += 1
        tag = f"{prefix}{number:04d}"
        if tag not in taken:
            tags.append(tag)
            taken.add(tag)
    return tags


LOT_REFERENCE_MAX = 24  # asset tags are numbered <reference>-0001 and must fit in 32 characters


def _lot_reference(value: str) -> str:
    reference = normalize_reference(value)
    if len(reference) > LOT_REFERENCE_MAX:
        raise DomainError(
            _("La référence du lot fait %(max)s caractères au plus.") % {"max": LOT_REFERENCE_MAX}, field="reference"
        )
    return reference


@transaction.atomic
def lot_create(*, by, **fields) -> Lot:
    unknown = set(fields) - set(LOT_CREATE_FIELDS)
    if unknown:
        raise DomainError(_("Champs inconnus : %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    fields["reference"] = _lot_reference(fields.get("reference", ""))
    lot = Lot(**fields)
    _checked_save(lot)
    logger.info("lot created", extra={"lot_id": lot.pk, "by_id": getattr(by, "pk", None)})
    return lot


@transaction.atomic
def lot_update(*, lot: Lot, by, **fields) -> Lot:
    unknown = set(fields) - set(LOT_FIELDS)
    if unknown:
        raise DomainError(_("Champs inconnus : %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if "reference" in fields:
        fields["reference"] = _lot_reference(fields["reference"])
    locked = Lot.objects.select_for_update().get(pk=lot.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    _checked_save(locked)
    logger.info("lot updated", extra={"lot_id": locked.pk, "by_id": getattr(by, "pk", None), "fields": sorted(fields)})
    return locked


# Import -----------------------------------------------------------------------------------------


class ImportRejected(DomainError):
    """The file has errors: nothing was written. ``plan`` lists them (row, column, reason)."""

    def __init__(self, plan):
        super().__init__(
            ngettext(
                "Le fichier contient %(n)s erreur : aucun ordinateur n'a été importé.",
                "Le fichier contient %(n)s erreurs : aucun ordinateur n'a été importé.",
                len(plan.errors) + len(plan.file_errors),
            )
            % {"n": len(plan.errors) + len(plan.file_errors)}
        )
        self.plan = plan


def computers_import(
    *, table, by, file_name: str = "", lot: Lot | None = None, partial: bool = False, scoped: bool = True
):
    """Create or update the units of a checked table, all or nothing. Returns the plan that was written.

    Rows are matched to existing units by (manufacturer, serial number): importing the same file
    twice updates (or leaves alone) the units of the first import instead of duplicating them.
    ``lot``: the lot chosen on the form for every row. ``partial``: the valid rows are written and the refused
    ones left out (``plan.errors`` says why); a file that cannot be read as a whole is still refused.
    """
    from django.db import IntegrityError

    from inventory.importing import plan_import

    try:
        with transaction.atomic():
            # ``scoped``: only the lots of the organisers ``by`` works for (the API's service accounts work for
            # none: the API checks the token's lots itself and passes ``scoped=False``).
            plan = plan_import(table, lock=True, lot=lot, partial=partial, user=by if scoped else None)
            if plan.file_errors or (plan.errors and not partial):
                raise ImportRejected(plan)
            now = timezone.now()
            label = actor_label(by)
            origin = _("Import du fichier « %(name)s »") % {"name": file_name} if file_name else _("Import")
            new_rows = [row for row in plan.rows if row.action == "new"]
            created = Computer.objects.bulk_create(
                [
                    Computer(status=S.RECEIVED, status_changed_at=now, created_at=now, updated_at=now, **row.values)
                    for row in new_rows
                ],
                batch_size=2000,
            )
            if created and created[0].pk is None:  # a database that does not return the new keys
                by_tag = dict(
                    Computer.objects.filter(asset_tag__in=[c.asset_tag for c in created]).values_list("asset_tag", "pk")
                )
                for computer in created:
                    computer.pk = by_tag[computer.asset_tag]
            updated_rows = [row for row in plan.rows if row.action == "update"]
            changed_fields = sorted({name for row in updated_rows for name in row.changes})
            for row in updated_rows:
                for name in row.changes:
                    setattr(row.computer, name, row.values[name])
                row.computer.updated_at = now
            if updated_rows:
                Computer.objects.bulk_update(
                    [row.computer for row in updated_rows], [*changed_fields, "updated_at"], batch_size=1000
                )
            events = [
                ComputerEvent(
                    computer_id=computer.pk,
                    kind=ComputerEvent.Kind.CREATED,
                    actor=by,
                    actor_label=label,
                    to_status=S.RECEIVED,
                    note=_("%(origin)s, ligne %(line)s") % {"origin": origin, "line": row.line},
                    created_at=now,
                )
                for row, computer in zip(new_rows, created, strict=True)
            ]
            events += [
                ComputerEvent(
                    computer_id=row.computer.pk,
                    kind=ComputerEvent.Kind.UPDATED,
                    actor=by,
                    actor_label=label,
                    from_status=row.computer.status,
                    to_status=row.computer.status,
                    note=f"{origin}, {_('ligne')} {row.line} : "
                    + describe_changes(
                        {n: old for n, (old, _new) in row.changes.items()},
                        {n: new for n, (_old, new) in row.changes.items()},
                    ),
                    created_at=now,
                )
                for row in updated_rows
            ]
            ComputerEvent.objects.bulk_create(events, batch_size=2000)
            for row, computer in zip(new_rows, created, strict=True):
                row.computer = computer
    except IntegrityError:
        # Someone changed the stock between the check and the write: nothing was written.
        raise DomainError(
            _("Le stock a été modifié pendant l'import : aucun ordinateur n'a été importé. Relancez l'import.")
        )
    return plan


# Wipe reports of the wiping tools --------------------------------------------------------------------


def _store_evidence(report, *, by, stored: list[str]) -> WipeEvidence:
    """The report's evidence row, created with its file on first import (found by checksum afterwards)."""
    from django.core.files.base import ContentFile

    evidence = WipeEvidence.objects.filter(sha256=report.sha256).first()
    if evidence is not None:
        return evidence
    evidence = WipeEvidence(
        original_name=report.name,
        format=report.format,
        extension=report.extension,
        size=len(report.data),
        sha256=report.sha256,
        actor=by,
        actor_label=actor_label(by),
    )
    evidence.file.save(report.name, ContentFile(report.data), save=False)
    stored.append(evidence.file.name)
    evidence.save()
    return evidence


def wipe_reports_import(*, files: list[tuple[str, bytes]], by, partial: bool = False):
    """Import reports of the wiping tools (nwipe logs, Blancco XML or CSV): one wipe record per drive matched
    to its unit, through ``computers_record_wipe``, the original file kept as evidence.

    All or nothing: when a report is refused (unreadable, a drive matching no unit or two), nothing is
    recorded, unless ``partial`` asks to record the drives that matched. A drive already recorded from the
    same file (same checksum) is skipped: importing a report twice records nothing more. Returns the plan
    (``inventory.wipelogs.WipeImportPlan``), with ``applied`` and ``recorded`` set.
    """
    from inventory.wipelogs import check_reports

    if by is None or not by.has_perm("inventory.record_wipe"):
        raise DomainError(_("Seuls les opérateurs de stock peuvent enregistrer un effacement des données."))
    stored: list[str] = []
    storage = WipeEvidence._meta.get_field("file").storage
    try:
        with transaction.atomic():
            plan = check_reports(files, lock=True, user=by)
            if plan.rejected and not partial:
                return plan
            for check in plan.files:
                drives = sorted(check.importable, key=lambda d: d.wipe.ended_at)
                if not drives:
                    continue
                evidence = _store_evidence(check.report, by=by, stored=stored)
                for drive in drives:
                    wipe = drive.wipe
                    outcome = computers_record_wipe(
                        computer_ids=[drive.computer.pk],
                        by=by,
                        method=wipe.method,
                        tool=wipe.tool,
                        tool_version=wipe.tool_version,
                        performed_on=timezone.localdate(wipe.ended_at),
                        result=wipe.result,
                        report_reference=wipe.reference,
                        started_at=wipe.started_at,
                        ended_at=wipe.ended_at,
                        verification=wipe.verification,
                        disk_serial=wipe.disk_serial,
                        evidence=evidence,
                        note=_("Rapport importé : %(name)s (%(method)s)")
                        % {"name": check.report.name, "method": wipe.method_label},
                    )
                    if not outcome.done:
                        reasons = [r.reason for r in outcome.refused] or [_("ordinateur introuvable")]
                        raise DomainError(
                            _("%(unit)s : %(reason)s") % {"unit": drive.computer.asset_tag, "reason": reasons[0]}
                        )
                    plan.recorded += 1
            plan.applied = True
    except IntegrityError:
        _delete_stored(storage, stored)
        raise DomainError(_("Ces rapports viennent d'être importés par ailleurs : recommencez pour voir le résultat."))
    except BaseException:
        _delete_stored(storage, stored)
        raise
    if not plan.applied:
        return plan
    logger.info("wipe reports imported: %s records from %s files", plan.recorded, len(files))
    return plan


def _delete_stored(storage, names: list[str]) -> None:
    """Files written by a transaction that was rolled back: no row points to them any more."""
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.warning("Could not delete wipe report %s", name, exc_info=True)


# Stock partners ---------------------------------------------------------------------------------

PARTNER_FIELDS = ("name", "siret", "contact_email")


@transaction.atomic
def stock_partner_save(*, by, partner: StockPartner | None = None, **fields) -> StockPartner:
    """Create a refurbisher (``partner`` None) or correct its details."""
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise DomainError(_("Champs inconnus : %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if partner is None:
        partner = StockPartner()
    else:
        partner = StockPartner.objects.select_for_update().get(pk=partner.pk)
    for name, value in fields.items():
        setattr(partner, name, " ".join(value.split()) if name == "name" else value)
    _checked_save(partner)
    logger.info("stock partner saved", extra={"partner_id": partner.pk, "by_id": getattr(by, "pk", None)})
    return partner


@transaction.atomic
def stock_partner_set_organisers(*, by, partner: StockPartner, organisers, within) -> StockPartner:
    """The organisers ``partner`` works for, among ``within`` (the ones ``by`` may act for): the others it works
    for are kept, so that a Lyon team never takes a refurbisher away from Marseille by saving its page."""
    partner = StockPartner.objects.select_for_update().get(pk=partner.pk)
    allowed = set(within.values_list("pk", flat=True))
    chosen = {organiser.pk for organiser in organisers}
    if chosen - allowed:
        raise DomainError(_("Vous ne pouvez choisir que vos organisateurs."), field="organisers")
    kept = set(partner.organisers.exclude(pk__in=allowed).values_list("pk", flat=True))
    partner.organisers.set(kept | chosen)
    logger.info(
        "stock partner organisers set",
        extra={"partner_id": partner.pk, "by_id": getattr(by, "pk", None), "organisers": sorted(kept | chosen)},
    )
    return partner
