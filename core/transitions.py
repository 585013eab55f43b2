"""The one way to change a status: check the move against the model's table, apply it, journal it.

Each model with a lifecycle declares, next to its ``Status``, one ``Transitions`` table::

    class Campaign(models.Model):
        class Status(models.TextChoices): ...

        TRANSITIONS = Transitions(
            {Status.DRAFT: {Status.OPEN}, Status.OPEN: {Status.CLOSED}, Status.CLOSED: set()},
            journal="donations.CampaignEvent",  # the history table ("app_label.Model", a core.models.Journal)
            subject="campaign",  # its foreign key to the journaled row
            kind=None,  # the journal's ``kind`` for a status row (None: the table has no kinds)
            refused=gettext_lazy("Impossible de passer une campagne « %(from)s » à « %(to)s »."),
        )

and services move rows with::

    # one row, already locked by the caller (select_for_update), or lock=True to lock it here:
    campaign = transition(campaign, to=Campaign.Status.OPEN, by=user, note="…", lock=True)
    # several locked rows (or a queryset, locked here in pk order): all checked, then one UPDATE
    # (in slices) and one bulk INSERT of history rows:
    transition_many(allocations, to=Allocation.Status.CONFIRMED, by=user, notes={pk: "…"})

``transition`` / ``transition_many`` take:

- ``to``: the target status; a move the table refuses raises ``core.errors.TransitionError`` with the
  table's French message (``already`` when the row is already there, if the table has one), and
  changes nothing;
- ``by``: the acting user (or None for the system), kept on the history row with their name
  (``Journal.record(by=...)``);
- ``note``: the history row's note (``notes``: per pk, for ``transition_many``);
- ``stamps``: names of timestamp fields set to the moment of the move (the history rows get the
  same moment), e.g. ``stamps=("confirmed_at",)``;
- any other keyword: a field of the row set with the status (``decision_reason=…``);
- ``table``: another table of the same model (e.g. ``Allocation.APPOINTMENT_TRANSITIONS``);
  by default ``type(obj).TRANSITIONS``.

A ``Transitions`` is also a read-only mapping ``{status: allowed targets}`` (``TRANSITIONS[s]``), with
``allows(from, to)``, ``check(obj, to)`` (raise without moving, for services that must refuse
before doing other work), ``moves()`` and ``forbidden()`` (for tests and pages).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

from core.errors import TransitionError
from core.models import actor_label

SLICE = 10_000  # rows per UPDATE (SQLite caps the parameters of one statement at 32,766)
BATCH = 5_000  # history rows per INSERT


class Transitions(Mapping):
    """A model's table of allowed status moves, and how a move is saved and journaled."""

    def __init__(
        self,
        table: Mapping[str, Iterable[str]],
        *,
        journal: str,
        subject: str,
        refused: str,
        already: str | None = None,
        params: Callable[[Any], dict] | None = None,
        field: str = "status",
        kind: str | None = "status",
        clean: Iterable[str] | None = None,
        save_fields: Iterable[str] | None = (),
    ):
        """
        ``refused`` is formatted with ``from`` and ``to`` (status labels); ``already`` (used when the row
        is already in the target status) with ``status``; both also with ``params(obj)`` if given.
        ``clean``: run ``full_clean(exclude=clean)`` before saving (None: no full_clean).
        ``save_fields``: fields always saved with the status (e.g. ``updated_at``); None saves the whole
        row (``save()``) instead of ``save(update_fields=...)``.
        """
        self.table = {str(source): frozenset(targets) for source, targets in table.items()}
        self.journal = journal
        self.subject = subject
        self.refused = refused
        self.already = already
        self.params = params
        self.field = field
        self.kind = kind
        self.clean = None if clean is None else tuple(clean)
        self.save_fields = None if save_fields is None else tuple(save_fields)
        unknown = {t for targets in self.table.values() for t in targets} - set(self.table)
        assert not unknown, f"targets missing from the table: {unknown}"

    # A read-only mapping {status: allowed targets} -------------------------------------------------

    def __getitem__(self, status: str) -> frozenset[str]:
        return self.table[status]

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"Transitions({self.table!r})"

    def allows(self, current: str, to: str) -> bool:
        return to in self.table.get(current, ())

    def moves(self) -> set[tuple[str, str]]:
        """Every allowed (from, to)."""
        return {(source, target) for source, targets in self.table.items() for target in targets}

    def forbidden(self) -> set[tuple[str, str]]:
        """Every (from, to) between known statuses that the table refuses."""
        return {(s, t) for s in self.table for t in self.table} - self.moves()

    def final(self) -> tuple[str, ...]:
        """The statuses a row never leaves (no move out of them), in the table's order."""
        return tuple(source for source, targets in self.table.items() if not targets)

    def sources(self, to: str) -> frozenset[str]:
        """The statuses from which ``to`` can be reached."""
        return frozenset(source for source, targets in self.table.items() if to in targets)

    # Checking -------------------------------------------------------------------------------------

    def journal_model(self) -> type[models.Model]:
        return apps.get_model(self.journal)

    def refusal(self, obj, to: str) -> str | None:
        """The message refusing to move ``obj`` to ``to``, or None when the table allows it."""
        current = getattr(obj, self.field)
        if self.allows(current, to):
            return None
        choices = type(obj)._meta.get_field(self.field).choices
        labels = dict(choices or ())
        extra = self.params(obj) if self.params else {}
        if current == to and self.already is not None:
            return self.already % {"status": labels.get(to, to), **extra}
        return self.refused % {"from": labels.get(current, current), "to": labels.get(to, to), **extra}

    def check(self, obj, to: str) -> None:
        """Raise ``TransitionError`` if ``obj`` may not move to ``to``."""
        message = self.refusal(obj, to)
        if message is not None:
            raise TransitionError(message)


def _table(obj_or_model, table: Transitions | None) -> Transitions:
    if table is not None:
        return table
    return obj_or_model.TRANSITIONS


def transition(
    obj,
    *,
    to: str,
    by,
    note: str = "",
    table: Transitions | None = None,
    lock: bool = False,
    stamps: Iterable[str] = (),
    **changes,
):
    """Move one row to ``to`` if its table allows it: set the status, ``stamps`` and ``changes``,
    save, and write one history row with the actor. Returns the row (the locked copy if ``lock``).

    The caller holds the row locked (``select_for_update``) inside a transaction, or passes
    ``lock=True`` to re-read it ``FOR UPDATE`` here. Raises ``TransitionError`` and changes nothing
    when the move is not allowed.
    """
    rules = _table(type(obj), table)
    if lock:
        obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    rules.check(obj, to)
    now = timezone.now()
    current = getattr(obj, rules.field)
    setattr(obj, rules.field, to)
    stamped = {name: now for name in stamps}
    for name, value in {**stamped, **changes}.items():
        setattr(obj, name, value)
    if rules.clean is not None:
        obj.full_clean(exclude=list(rules.clean))
    if rules.save_fields is None:
        obj.save()
    else:
        obj.save(update_fields=[rules.field, *stamped, *changes, *rules.save_fields])
    kind = {} if rules.kind is None else {"kind": rules.kind}
    rules.journal_model().record(
        by=by, **{rules.subject: obj}, **kind, from_status=current, to_status=to, note=note, created_at=now
    )
    return obj


def transition_many(
    objs: Iterable | models.QuerySet,
    *,
    to: str,
    by,
    note: str = "",
    notes: Mapping[int, str] | None = None,
    table: Transitions | None = None,
    stamps: Iterable[str] = (),
    slice_size: int | None = None,
    batch_size: int | None = None,
    **changes,
) -> list:
    """Move several rows to ``to``: every row is checked before any is written (the first refused
    one raises ``TransitionError`` and nothing changes), then one UPDATE per slice of rows and one
    bulk INSERT of history rows (one per row, same moment, ``notes.get(pk, note)``).

    ``objs`` are rows the caller locked (in pk order), or a queryset that is locked here in pk order.
    The objects in memory are updated too. Returns them as a list. No ``full_clean`` and no ``save``:
    the table's ``clean``/``save_fields`` do not apply; pass every field to set.
    """
    if isinstance(objs, models.QuerySet):
        objs = list(objs.select_for_update(of=("self",)).order_by("pk"))
    else:
        objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    rules = _table(model, table)
    for obj in objs:
        rules.check(obj, to)
    now = timezone.now()
    stamped = {name: now for name in stamps}
    ids = [obj.pk for obj in objs]
    size = slice_size or SLICE
    for start in range(0, len(ids), size):
        model.objects.filter(pk__in=ids[start : start + size]).update(**{rules.field: to}, **stamped, **changes)
    journal = rules.journal_model()
    label = actor_label(by)
    kind = {} if rules.kind is None else {"kind": rules.kind}
    journal.objects.bulk_create(
        [
            journal(
                **{rules.subject: obj},
                actor=by,
                actor_label=label,
                **kind,
                from_status=getattr(obj, rules.field),
                to_status=to,
                note=(notes or {}).get(obj.pk, note),
                created_at=now,
            )
            for obj in objs
        ],
        batch_size=batch_size or BATCH,
    )
    for obj in objs:
        setattr(obj, rules.field, to)
        for name, value in {**stamped, **changes}.items():
            setattr(obj, name, value)
    return objs
