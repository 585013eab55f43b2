"""Writes of a stock partner's token: units of a lot by serial number, and wipe results.

Both go through the stock services the admin uses (``inventory.services.computers_import`` and
``computers_record_wipe``): the same checks, the same history rows (the token's service account as the
actor). Each request is all or nothing: one refused unit and nothing is written; every error of the
request is reported at once, by field (``units[3].ram_gb``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.models import ApiToken
from core.errors import DomainError
from inventory import services as stock
from inventory.importing import COLUMNS, Table
from inventory.models import Computer, Lot, WipeRecord
from inventory.validators import normalize_manufacturer, normalize_reference, normalize_serial

# The fields of a unit, as the import's columns name them (the lot comes from the URL).
UNIT_COLUMNS = {column.field: column for column in COLUMNS if column.field != "lot"}
REQUIRED_UNIT_FIELDS = tuple(c.field for c in COLUMNS if c.required and c.field != "lot")
BOOLEAN_UNIT_FIELDS = ("has_keyboard", "has_mouse", "needs_spare_part")
NUMBER_UNIT_FIELDS = ("ram_gb", "storage_gb")


@dataclass
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message": str(self.message)}


class RequestRejected(DomainError):
    """The request has errors: nothing was written. ``errors`` lists them, by field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__(_("La requête contient %(n)s erreur(s) : rien n'a été enregistré.") % {"n": len(errors)})
        self.errors = errors


@dataclass
class UnitsOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units: list[dict] = field(default_factory=list)


def _cell(name: str, value, path: str, errors: list[FieldError]) -> str | None:
    """The text of one value, as a spreadsheet cell would hold it (the import parses it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        if name not in BOOLEAN_UNIT_FIELDS:
            errors.append(FieldError(path, _("texte attendu, pas un booléen")))
            return None
        return "oui" if value else "non"
    if isinstance(value, int | float):
        if name not in NUMBER_UNIT_FIELDS and name not in ("serial_number", "asset_tag", "model", "notes"):
            errors.append(FieldError(path, _("texte attendu, pas un nombre")))
            return None
        if isinstance(value, float) and not math.isfinite(value):
            errors.append(FieldError(path, _("nombre attendu")))
            return None
        return str(value)
    if isinstance(value, str):
        return value
    errors.append(FieldError(path, _("texte, nombre ou booléen attendu (pas une liste ni un objet)")))
    return None


# A unit that repeats an earlier one of the same request (its serial number, or its asset tag).
DUPLICATE_SERIAL = gettext_lazy("numéro de série en double dans la requête (déjà units[%(n)s])")
DUPLICATE_TAG = gettext_lazy("numéro d'inventaire en double dans la requête (déjà units[%(n)s])")


def _seen_before(seen: dict, key, index: int, errors: list[FieldError], field: str, message) -> bool:
    """Whether ``key`` came with an earlier unit of the request (an error then names that unit); else ``key`` is
    remembered as the unit ``index``'s."""
    if key in seen:
        errors.append(FieldError(field, message % {"n": seen[key]}))
        return True
    seen[key] = index
    return False


def _read_units(units) -> tuple[list[tuple[int, dict[str, str]]], list[FieldError]]:
    errors: list[FieldError] = []
    if not isinstance(units, list):
        return [], [FieldError("units", _("liste d'unités attendue"))]
    if not units:
        return [], [FieldError("units", _("au moins une unité attendue"))]
    from django.conf import settings

    if len(units) > settings.API_MAX_UNITS:
        return [], [
            FieldError(
                "units",
                _("%(max)s unités au plus par requête (ici %(n)s) : envoyez-les en plusieurs fois.")
                % {"max": settings.API_MAX_UNITS, "n": len(units)},
            )
        ]
    read = []
    seen_serials: dict[tuple[str, str], int] = {}
    seen_tags: dict[str, int] = {}
    for index, unit in enumerate(units):
        path = f"units[{index}]"
        if not isinstance(unit, dict):
            errors.append(FieldError(path, _("objet attendu (une unité)")))
            continue
        cells, ok = {}, True
        for name in sorted(unit):
            if name not in UNIT_COLUMNS:
                errors.append(
                    FieldError(
                        f"{path}.{name}"[:200],
                        _("champ inconnu ; champs possibles : %(fields)s") % {"fields": ", ".join(UNIT_COLUMNS)},
                    )
                )
                ok = False
                continue
            text = _cell(name, unit[name], f"{path}.{name}", errors)
            if text is None:
                ok = False
            else:
                cells[name] = text
        for name in REQUIRED_UNIT_FIELDS:
            if name in cells and cells[name].strip() == "" or name not in unit:
                errors.append(FieldError(f"{path}.{name}", _("valeur obligatoire")))
                ok = False
        if not ok:
            continue
        # Duplicates across the whole request (the import checks them within each group of fields).
        key = (normalize_manufacturer(cells["manufacturer"]), normalize_serial(cells["serial_number"]))
        if _seen_before(seen_serials, key, index, errors, f"{path}.serial_number", DUPLICATE_SERIAL):
            continue
        tag = normalize_reference(cells.get("asset_tag", ""))
        if tag and _seen_before(seen_tags, tag, index, errors, f"{path}.asset_tag", DUPLICATE_TAG):
            continue
        read.append((index, cells))
    return read, errors


def units_upsert(*, token: ApiToken, lot: Lot, units) -> UnitsOutcome:
    """Create or update the units of ``lot`` matched by (manufacturer, serial number), through the admin's import.

    A field left out of a unit is left as it is; a field sent empty (``""`` or ``null``) is emptied. Sending the
    same units twice changes nothing the second time (no write, no history row).
    """
    read, errors = _read_units(units)
    if errors:
        raise RequestRejected(errors)
    # A serial already in another lot: refused here, before the import would name that lot and its unit (another
    # donor's or partner's stock is none of this token's business).
    keys = {(normalize_manufacturer(c["manufacturer"]), normalize_serial(c["serial_number"])): i for i, c in read}
    elsewhere = (
        Computer.objects.filter(serial_number__in={serial for _m, serial in keys})
        .exclude(lot=lot)
        .values_list("manufacturer", "serial_number")
    )
    for key in elsewhere:
        if key in keys:
            errors.append(
                FieldError(f"units[{keys[key]}].serial_number", _("numéro de série déjà enregistré dans un autre lot"))
            )
    if errors:
        errors.sort(key=_error_order)
        raise RequestRejected(errors)
    # The import reads a table whose columns are the fields sent: one table per set of fields, so that a unit
    # never empties a field it did not send.
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, str]]]] = {}
    for index, cells in read:
        groups.setdefault(tuple(sorted(cells)), []).append((index, cells))
    outcome = UnitsOutcome()
    results: dict[int, dict] = {}
    try:
        with transaction.atomic():
            for names, rows in groups.items():
                headers = [UNIT_COLUMNS[name].key for name in names] + ["lot"]
                table = Table(
                    headers=headers,
                    rows=[[cells[name] for name in names] + [lot.reference] for _i, cells in rows],
                    lines=[index for index, _c in rows],
                    encoding="JSON",
                )
                try:
                    plan = stock.computers_import(table=table, by=token.actor, scoped=False)
                except stock.ImportRejected as rejected:
                    field_of = {UNIT_COLUMNS[name].key: name for name in names}
                    for message in rejected.plan.file_errors:
                        errors.append(FieldError("units", message))
                    for issue in rejected.plan.errors:
                        name = next((n for h, n in field_of.items() if h == issue.column), None)
                        path = f"units[{issue.line}]" + (f".{name}" if name else "")
                        errors.append(FieldError(path, issue.message))
                    continue
                for row in plan.rows:
                    results[row.line] = {
                        "manufacturer": row.computer.manufacturer,
                        "serial_number": row.computer.serial_number,
                        "asset_tag": row.computer.asset_tag,
                        "result": {"new": "created", "update": "updated", "skip": "unchanged"}[row.action],
                    }
            if errors:
                raise RequestRejected(errors)
    except DomainError as error:
        if isinstance(error, RequestRejected):
            error.errors.sort(key=_error_order)
            raise
        raise RequestRejected([FieldError("units", str(error))])
    for index in sorted(results):
        outcome.units.append(results[index])
        setattr(outcome, results[index]["result"], getattr(outcome, results[index]["result"]) + 1)
    return outcome


def _error_order(error: FieldError):
    head = error.field.split("]")[0]
    number = head.split("[")[-1]
    return (int(number) if number.isdigit() else -1, error.field)


# Wipes ------------------------------------------------------------------------------------------

WIPE_TEMPLATE_FIELDS = stock.WIPE_TEMPLATE_FIELDS


@dataclass
class WipesOutcome:
    recorded: int = 0
    unchanged: int = 0
    units: list[dict] = field(default_factory=list)


def _signature(values: dict) -> tuple:
    return tuple(values.get(name) or "" for name in WIPE_TEMPLATE_FIELDS)


def _record_signature(record: WipeRecord) -> tuple:
    return _signature({name: getattr(record, name) for name in WIPE_TEMPLATE_FIELDS})


def wipes_record(*, token: ApiToken, lot: Lot, wipes: list[dict]) -> WipesOutcome:
    """Record wipe results (or exemptions) of units of ``lot``, through ``computers_record_wipe``.

    ``wipes`` are validated items (``api.serializers.WipeSerializer``). A wipe identical to the unit's latest
    record is not recorded again: sending the same results twice changes nothing the second time.
    """
    errors: list[FieldError] = []
    keys = [(normalize_manufacturer(w["manufacturer"]), normalize_serial(w["serial_number"])) for w in wipes]
    latest = WipeRecord.objects.filter(computer=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    computers = {
        (c.manufacturer, c.serial_number): c
        for c in Computer.objects.filter(lot=lot, serial_number__in={serial for _m, serial in keys}).annotate(
            latest_wipe_id=Subquery(latest)
        )
    }
    latest_records = WipeRecord.objects.in_bulk([c.latest_wipe_id for c in computers.values() if c.latest_wipe_id])
    seen: dict[tuple[str, str], int] = {}
    groups: dict[tuple, list[tuple[int, Computer]]] = {}
    outcome = WipesOutcome()
    results: dict[int, dict] = {}
    for index, (wipe, key) in enumerate(zip(wipes, keys, strict=True)):
        path = f"wipes[{index}]"
        computer = computers.get(key)
        if computer is None:
            errors.append(
                FieldError(
                    f"{path}.serial_number", _("aucune unité de ce lot ne porte ce fabricant et ce numéro de série")
                )
            )
            continue
        if key in seen:
            errors.append(
                FieldError(
                    f"{path}.serial_number", _("unité en double dans la requête (déjà wipes[%(n)s])") % {"n": seen[key]}
                )
            )
            continue
        seen[key] = index
        values = {name: wipe.get(name) for name in WIPE_TEMPLATE_FIELDS}
        values["performed_on"] = values["performed_on"] or timezone.localdate()
        previous = latest_records.get(computer.latest_wipe_id)
        if previous is not None and _record_signature(previous) == _signature(values):
            results[index] = {"manufacturer": key[0], "serial_number": key[1], "result": "unchanged"}
            continue
        groups.setdefault(_signature(values), []).append((index, computer, wipe.get("note") or ""))
    if errors:
        raise RequestRejected(errors)
    with transaction.atomic():
        for signature, items in groups.items():
            template = dict(zip(WIPE_TEMPLATE_FIELDS, signature, strict=True))
            template["performed_on"] = template["performed_on"] or None
            notes = {note for _i, _c, note in items}
            batches = [items] if len(notes) == 1 else [[item] for item in items]
            for batch in batches:
                try:
                    result = stock.computers_record_wipe(
                        computer_ids=[c.pk for _i, c, _n in batch], by=token.actor, note=batch[0][2], **template
                    )
                except DomainError as error:
                    for index, _c, _n in batch:
                        errors.append(
                            FieldError(f"wipes[{index}]" + (f".{error.field}" if error.field else ""), str(error))
                        )
                    continue
                refused = {refusal.computer.pk: refusal.reason for refusal in result.refused}
                for index, computer, _n in batch:
                    if computer.pk in refused:
                        errors.append(FieldError(f"wipes[{index}]", refused[computer.pk]))
                    elif computer.pk in result.missing:
                        errors.append(FieldError(f"wipes[{index}]", _("unité supprimée entre-temps")))
                    else:
                        results[index] = {
                            "manufacturer": computer.manufacturer,
                            "serial_number": computer.serial_number,
                            "result": "recorded",
                        }
        if errors:
            errors.sort(key=_error_order)
            raise RequestRejected(errors)  # rolls back what the other groups wrote
    for index in sorted(results):
        outcome.units.append(results[index])
        setattr(outcome, results[index]["result"], getattr(outcome, results[index]["result"]) + 1)
    return outcome
