"""Reading and checking a spreadsheet of units before anything is written.

``read_table`` turns the bytes of a CSV (any delimiter, UTF-8 or Windows-1252) or XLSX file into
headers and rows, refusing with a clear French message what cannot be read. ``plan_import`` checks
every row against the file itself and the database with a constant number of queries, and says for
each row whether it creates a unit, updates the unit matched by (manufacturer, serial number) or
changes nothing; ``inventory.services.computers_import`` writes a plan that has no error.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.scoping import scope_to_user
from core.spreadsheets import unneutralize
from inventory.models import Computer, Lot
from inventory.validators import normalize_manufacturer, normalize_reference, normalize_serial

MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024
# Above this many rows the preview shows the first ones and the totals.
PREVIEW_ROWS = 200
MAX_LISTED_ERRORS = 1000
# What an XLSX may hold, whatever its <dimension> declares: the header, MAX_ROWS units and some
# blank lines; no more columns than an export writes, with room to spare.
MAX_SHEET_LINES = MAX_ROWS + 1000
MAX_COLUMNS = 64
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be read as a table of units; the message says why, in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# Reading ----------------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    lines: list[int]  # the line (spreadsheet row) of each row, the header being line 1
    encoding: str = ""


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise ImportFileError(
            _(
                "Ce fichier n'est pas un fichier texte CSV lisible (encodage non reconnu). "
                "Enregistrez-le depuis votre tableur au format « CSV UTF-8 » ou « Classeur Excel (.xlsx) »."
            )
        )
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # What Excel writes by default in France ("CSV (séparateur : point-virgule)").
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "L'encodage de ce fichier n'est pas reconnu (ni UTF-8 ni Windows-1252). "
                "Enregistrez-le au format « CSV UTF-8 » ou « Classeur Excel (.xlsx) »."
            )
        )


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    if not text.strip():
        raise ImportFileError(_("Le fichier est vide."))
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max([";", ",", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as error:
        raise ImportFileError(_("Le fichier CSV est mal formé : %(error)s") % {"error": error})
    return _table(records, encoding=encoding)


def _read_xlsx(data: bytes) -> Table:
    """The first sheet's cells, bounded by the real content, never by what the file declares.

    The sheet's ``<dimension>`` is ignored (a 2 KB file may declare a million rows of 16,384
    columns); reading stops at the first line past ``MAX_SHEET_LINES`` whatever that line holds
    (an empty ``<row>`` or a gap counts as much as a full one), and no more than ``MAX_COLUMNS``
    columns are kept. The uncompressed size of the workbook is capped before anything is parsed.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    from openpyxl.worksheet._reader import WorkSheetParser

    unreadable = ImportFileError(_("Ce fichier n'est pas un classeur Excel (.xlsx) lisible."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise unreadable
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(
            _(
                "Ce classeur décompressé pèserait plus de %(size)s Mo : enregistrez-le en CSV UTF-8 "
                "ou découpez-le en plusieurs fichiers."
            )
            % {"size": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise unreadable
    try:
        if not book.worksheets:
            raise ImportFileError(_("Le classeur ne contient aucune feuille."))
        sheet = book.worksheets[0]
        records: list[list[str]] = []
        beyond: list[int] = []  # lines holding a value past MAX_COLUMNS
        try:
            with sheet._get_source() as source:
                parser = WorkSheetParser(
                    source,
                    sheet._shared_strings,
                    data_only=True,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                for line, cells in parser.parse():
                    if line > MAX_SHEET_LINES:
                        raise ImportFileError(_too_many_lines())
                    # Lines missing from the file (a gap in the numbering) are empty lines.
                    records.extend([] for _gap in range(len(records) + 1, line))
                    record = [""] * min(MAX_COLUMNS, max((c["column"] for c in cells), default=0))
                    for cell in cells:
                        if cell["column"] > MAX_COLUMNS:
                            if cell["value"] not in (None, "") and (not beyond or beyond[-1] != line):
                                beyond.append(line)
                            continue
                        record[cell["column"] - 1] = _cell_text(cell["value"])
                    if len(records) < line:
                        records.append(record)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError):
            raise unreadable
    finally:
        book.close()
    if beyond:
        raise ImportFileError(
            _(
                "La ligne %(line)s a des valeurs au-delà de la colonne %(max)s : un import lit au plus "
                "%(max)s colonnes. Supprimez les colonnes en trop."
            )
            % {"line": beyond[0], "max": MAX_COLUMNS}
        )
    return _table(records, encoding="XLSX")


def _too_many_lines() -> str:
    return _(
        "La feuille compte plus de %(lines)s lignes (lignes vides comprises) ; un import accepte au plus "
        "%(max)s ordinateurs. Supprimez les lignes vides en fin de feuille ou découpez le fichier."
    ) % {
        "lines": f"{MAX_SHEET_LINES:,}".replace(",", "\u202f"),
        "max": f"{MAX_ROWS:,}".replace(",", "\u202f"),
    }


def _too_many_rows(count: int) -> str:
    return _(
        "Le fichier contient %(count)s lignes d'ordinateurs ; un import en accepte au plus %(max)s. "
        "Découpez-le en plusieurs fichiers."
    ) % {"count": f"{count:,}".replace(",", "\u202f"), "max": f"{MAX_ROWS:,}".replace(",", "\u202f")}


def _table(records: list[list[str]], *, encoding: str) -> Table:
    # A cell our export marked as text ("'=...") reads back as it was typed.
    records = [[unneutralize((cell or "").strip()) for cell in record] for record in records]
    lines = list(range(1, len(records) + 1))
    # Leading blank lines are skipped: the first non-blank line holds the column names.
    while records and not any(records[0]):
        records.pop(0)
        lines.pop(0)
    if not records:
        raise ImportFileError(_("Le fichier est vide."))
    headers = records[0]
    while headers and not headers[-1]:
        headers.pop()
    rows, row_lines = [], []
    for record, line in zip(records[1:], lines[1:], strict=True):
        if any(record):
            rows.append(record)
            row_lines.append(line)
    if not rows:
        raise ImportFileError(_("Le fichier ne contient que la ligne des en-têtes : aucun ordinateur à importer."))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_too_many_rows(len(rows)))
    return Table(headers=headers, rows=rows, lines=row_lines, encoding=encoding)


def read_table(data: bytes) -> Table:
    """The table of a CSV or XLSX file, whatever format was chosen: the content decides."""
    if not data or not data.strip():
        raise ImportFileError(_("Le fichier est vide."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("Le fichier pèse plus de %(size)s Mo : découpez-le en plusieurs fichiers.")
            % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("Ce fichier est au format Excel 97-2003 (.xls) : enregistrez-le en .xlsx ou en CSV UTF-8.")
        )
    return _read_csv(data)


# Columns ----------------------------------------------------------------------------------------


def header_key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header or "").encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


class CellError(ValueError):
    pass


def _text(max_length: int, normalize: Callable[[str], str] | None = None):
    def parse(value: str):
        if any(ord(ch) < 32 and ch not in "\t" for ch in value):
            raise CellError(_("caractères invisibles non autorisés"))
        value = normalize(value) if normalize else " ".join(value.split())
        if len(value) > max_length:
            raise CellError(_("%(max)s caractères au plus (%(n)s ici)") % {"max": max_length, "n": len(value)})
        return value

    return parse


_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Zéèêô]*)\s*$")


def _quantity(*, maximum: int, units: dict[str, int], example: str):
    def parse(value: str):
        if value == "":
            return None
        match = _NUMBER.match(value.replace("\u202f", "").replace("\xa0", ""))
        unit = match.group(2).lower() if match else ""
        if not match or unit not in units:
            raise CellError(
                _("nombre attendu, par exemple %(example)s (ici « %(value)s »)") % {"example": example, "value": value}
            )
        try:
            number = Decimal(match.group(1).replace(",", ".")) * units[unit]
        except InvalidOperation:
            raise CellError(_("nombre attendu, par exemple %(example)s") % {"example": example})
        if number != number.to_integral_value() or not 1 <= number <= maximum:
            raise CellError(
                _("nombre entier entre 1 et %(max)s attendu (ici « %(value)s »)") % {"max": maximum, "value": value}
            )
        return int(number)

    return parse


def _choice(choices: type, synonyms: dict[str, str], *, default: str = ""):
    table = {header_key(v): v for v in choices.values}
    table.update({header_key(str(label)): v for v, label in choices.choices})
    table.update({header_key(k): v for k, v in synonyms.items()})

    def parse(value: str):
        if value == "":
            return default
        key = header_key(value)
        if key in table:
            return table[key]
        raise CellError(
            _("valeur inconnue « %(value)s » ; valeurs possibles : %(choices)s")
            % {"value": value, "choices": ", ".join(str(label) for _v, label in choices.choices)}
        )

    return parse


_TRUE = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
_FALSE = {"non", "n", "no", "faux", "false", "0"}


def _boolean(default: bool):
    def parse(value: str):
        key = header_key(value)
        if key == "":
            return default
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise CellError(_("« oui » ou « non » attendu (ici « %(value)s »)") % {"value": value})

    return parse


def _grade(value: str):
    if value == "":
        return ""
    letter = value.strip()[:1].upper()
    if letter in Computer.Grade.values and (len(value.strip()) == 1 or not value.strip()[1].isalnum()):
        return letter
    raise CellError(_("état A, B ou C attendu (ici « %(value)s »)") % {"value": value})


@dataclass(frozen=True)
class Column:
    key: str
    field: str
    label: str
    parse: Callable[[str], object]
    required: bool = False
    help: str = ""
    aliases: tuple[str, ...] = ()


GB = {"": 1, "go": 1, "gb": 1, "g": 1, "gio": 1, "gib": 1, "to": 1000, "tb": 1000, "t": 1000}

COLUMNS: list[Column] = [
    Column(
        "numero_inventaire",
        "asset_tag",
        gettext_lazy("numéro d'inventaire"),
        _text(32, normalize_reference),
        help=gettext_lazy("facultatif : s'il est vide, le numéro est attribué dans le lot (LOT-0001…)"),
        aliases=("asset_tag", "inventaire", "numero_d_inventaire", "n_inventaire", "etiquette"),
    ),
    Column(
        "fabricant",
        "manufacturer",
        gettext_lazy("fabricant"),
        _text(64, normalize_manufacturer),
        required=True,
        help=gettext_lazy("Dell, HP, Lenovo…"),
        aliases=("manufacturer", "marque", "constructeur"),
    ),
    Column(
        "modele",
        "model",
        gettext_lazy("modèle"),
        _text(120),
        required=True,
        help=gettext_lazy("OptiPlex 7070 SFF…"),
        aliases=("model",),
    ),
    Column(
        "numero_serie",
        "serial_number",
        gettext_lazy("numéro de série"),
        _text(64, normalize_serial),
        required=True,
        help=gettext_lazy("unique par fabricant ; sert à retrouver l'ordinateur lors d'un nouvel import"),
        aliases=("serial_number", "serial", "numero_de_serie", "n_serie", "n_de_serie", "sn", "service_tag"),
    ),
    Column(
        "numero_serie_disque",
        "disk_serial",
        gettext_lazy("numéro de série du disque"),
        _text(64, normalize_serial),
        help=gettext_lazy(
            "facultatif : tel que l'affichent nwipe ou Blancco, pour rattacher leurs rapports d'effacement"
        ),
        aliases=("disk_serial", "serie_disque", "n_serie_disque", "numero_de_serie_du_disque", "drive_serial"),
    ),
    Column(
        "lot",
        "lot",
        gettext_lazy("lot"),
        _text(40, normalize_reference),
        required=True,
        help=gettext_lazy(
            "référence d'un lot déjà créé, par exemple ORANGE-2026-01 ; inutile quand le lot est choisi sur le "
            "formulaire d'import"
        ),
        aliases=("reference_lot", "lot_reference"),
    ),
    Column(
        "format",
        "form_factor",
        gettext_lazy("format"),
        _choice(
            Computer.FormFactor,
            {"bureau": "desktop", "tour": "desktop", "sff": "desktop", "usff": "mini"},
            default=Computer.FormFactor.DESKTOP,
        ),
        help=gettext_lazy("vide = ordinateur de bureau"),
        aliases=("form_factor",),
    ),
    Column(
        "processeur",
        "cpu",
        gettext_lazy("processeur"),
        _text(120),
        help=gettext_lazy("Intel Core i5-9500…"),
        aliases=("cpu",),
    ),
    Column(
        "ram_go",
        "ram_gb",
        gettext_lazy("mémoire vive (Go)"),
        _quantity(maximum=1024, units=GB, example="8"),
        help=gettext_lazy("nombre entier : 8, 16…"),
        aliases=("ram_gb", "ram", "memoire", "memoire_go", "memoire_vive", "memoire_vive_go"),
    ),
    Column(
        "stockage_go",
        "storage_gb",
        gettext_lazy("stockage (Go)"),
        _quantity(maximum=100_000, units=GB, example="256"),
        help=gettext_lazy("nombre entier : 256, 512… (1 To = 1000)"),
        aliases=("storage_gb", "stockage", "disque", "disque_go"),
    ),
    Column(
        "type_stockage",
        "storage_type",
        gettext_lazy("type de stockage"),
        _choice(Computer.StorageType, {"ssd_sata": "ssd", "disque_dur": "hdd", "aucun": "none", "sans": "none"}),
        help=gettext_lazy("SSD, NVMe, HDD ou aucun"),
        aliases=("storage_type",),
    ),
    Column(
        "systeme",
        "os",
        gettext_lazy("système installé"),
        _text(80),
        help=gettext_lazy("Windows 10 Pro, Ubuntu 22.04…"),
        aliases=("os", "systeme_installe", "systeme_d_exploitation"),
    ),
    Column("etat", "grade", gettext_lazy("état"), _grade, help=gettext_lazy("A, B ou C"), aliases=("grade",)),
    Column(
        "clavier",
        "has_keyboard",
        gettext_lazy("clavier fourni"),
        _boolean(True),
        help=gettext_lazy("oui/non, vide = oui"),
        aliases=("has_keyboard", "clavier_fourni"),
    ),
    Column(
        "souris",
        "has_mouse",
        gettext_lazy("souris fournie"),
        _boolean(True),
        help=gettext_lazy("oui/non, vide = oui"),
        aliases=("has_mouse", "souris_fournie"),
    ),
    Column(
        "piece_a_remplacer",
        "needs_spare_part",
        gettext_lazy("pièce à remplacer"),
        _boolean(False),
        help=gettext_lazy("oui/non, vide = non"),
        aliases=("needs_spare_part",),
    ),
    Column("notes", "notes", gettext_lazy("notes"), _text(2000)),
]
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
FIELD_TO_KEY = {c.field: c.key for c in COLUMNS}
# Columns written by the export that an import may carry but does not read.
EXPORT_ONLY_COLUMNS = {"statut", "statut_depuis", "effacement", "donateur", "effacement_en_echec", "id"}
# The columns that the file of refused rows adds (``rejected_rows_csv``): ignored when that file, corrected, comes
# back.
REJECTED_LINE_COLUMN, REJECTED_REASON_COLUMN = "ligne_d_origine", "motif_du_refus"
EXPORT_ONLY_COLUMNS |= {REJECTED_LINE_COLUMN, REJECTED_REASON_COLUMN}

_ALIASES = {header_key(alias): c.key for c in COLUMNS for alias in (c.key, *c.aliases)}
_ALIASES.update({header_key(str(c.label)): c.key for c in COLUMNS})


# Planning ---------------------------------------------------------------------------------------


@dataclass
class CellIssue:
    line: int
    column: str  # the column's name as written in the file
    message: str
    value: str = ""


@dataclass
class PlannedRow:
    line: int
    action: str  # "new", "update", "skip"
    values: dict  # field name -> parsed value (lot: a Lot)
    cells: dict  # column key -> text of the file
    computer: Computer | None = None  # the matched unit (update, skip)
    changes: dict = field(default_factory=dict)  # field -> (old, new)


@dataclass
class ImportPlan:
    file_errors: list[str] = field(default_factory=list)
    errors: list[CellIssue] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)  # the file's columns we read, in file order
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    total_rows: int = 0

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.errors)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def _chunks(values: list, size: int = 5000):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _map_headers(table: Table, plan: ImportPlan, *, lot_chosen: bool = False) -> dict[int, Column]:
    mapping: dict[int, Column] = {}
    seen: dict[str, str] = {}
    unknown = []
    for index, header in enumerate(table.headers):
        key = _ALIASES.get(header_key(header))
        if key is None:
            if header_key(header) in EXPORT_ONLY_COLUMNS:
                plan.ignored_columns.append(header)
            elif header.strip() == "":
                unknown.append(_("(colonne %(n)s sans nom)") % {"n": index + 1})
            else:
                unknown.append(f"« {header} »")
            continue
        if key in seen:
            plan.file_errors.append(
                _("Les colonnes « %(a)s » et « %(b)s » désignent toutes deux « %(key)s ».")
                % {"a": seen[key], "b": header, "key": key}
            )
            continue
        seen[key] = header
        mapping[index] = COLUMNS_BY_KEY[key]
    if unknown:
        plan.file_errors.append(
            _("Colonnes inconnues : %(columns)s. Colonnes possibles : %(expected)s.")
            % {"columns": ", ".join(unknown), "expected": ", ".join(c.key for c in COLUMNS)}
        )
    missing = [c.key for c in COLUMNS if c.required and c.key not in seen and not (lot_chosen and c.key == "lot")]
    if missing:
        plan.file_errors.append(_("Colonnes obligatoires absentes : %(columns)s.") % {"columns": ", ".join(missing)})
    plan.columns = [mapping[i] for i in sorted(mapping)]
    return mapping


def plan_import(
    table: Table, *, lock: bool = False, lot: Lot | None = None, partial: bool = False, user=None
) -> ImportPlan:
    """Check every row; say what each one would do. Nothing is written.

    ``lot``: the lot chosen on the import form, for every row; a ``lot`` column may still be there, and each of
    its cells must then name that lot (or be empty). ``partial``: the valid rows are numbered and planned even when
    others are refused (``plan.rows`` holds only the valid rows; ``plan.errors`` says why each other row is refused).
    With ``user``, only the lots of the organisers they work for are known: another organiser's lot is
    « lot inconnu », as a lot that does not exist.

    Queries: one for the lots named in the file, one (per 5000 serials) for the units they match,
    one (per 5000 tags) for the asset tags they use, one per lot for its numbering.
    """
    chosen = lot
    plan = ImportPlan(encoding=table.encoding, total_rows=len(table.rows))
    mapping = _map_headers(table, plan, lot_chosen=chosen is not None)
    if plan.file_errors:
        return plan
    header_of = {column.key: table.headers[index] for index, column in mapping.items()}
    width = len(table.headers)

    # 1. Parse every cell.
    parsed: list[tuple[int, dict, dict, bool]] = []
    for record, line in zip(table.rows, table.lines, strict=True):
        values, cells, ok = {}, {}, True
        if len(record) > width and any(record[width:]):
            plan.errors.append(
                CellIssue(
                    line,
                    _("(hors colonnes)"),
                    _("valeurs au-delà de la dernière colonne nommée"),
                    " ; ".join(v for v in record[width:] if v),
                )
            )
            ok = False
        for index, column in mapping.items():
            text = record[index] if index < len(record) else ""
            cells[column.key] = text
            if column.required and text == "" and not (chosen is not None and column.key == "lot"):
                plan.errors.append(CellIssue(line, header_of[column.key], _("valeur obligatoire"), text))
                ok = False
                continue
            try:
                values[column.field] = column.parse(text)
            except CellError as error:
                plan.errors.append(CellIssue(line, header_of[column.key], str(error), text))
                ok = False
        # A row with a bad cell is never imported, but its other cells are still checked below,
        # so that the operator sees every error of the file in one go.
        parsed.append((line, values, cells, ok))

    # 2. What the database already holds, in a few queries.
    good = [(line, values, cells) for line, values, cells, _ok in parsed]
    references = sorted({values["lot"] for _l, values, _c in good if values.get("lot")})
    known_lots = Lot.objects.all() if user is None else scope_to_user(Lot.objects.all(), user, "organiser", acting=True)
    lots = {lot.reference: lot for lot in known_lots.filter(reference__in=references)}
    serials = sorted({values["serial_number"] for _l, values, _c in good if values.get("serial_number")})
    existing: dict[tuple[str, str], Computer] = {}
    base = Computer.objects.select_related("lot")
    if lock:
        base = base.select_for_update(of=("self",))
    for chunk in _chunks(serials):
        for computer in base.filter(serial_number__in=chunk):
            existing[(computer.manufacturer, computer.serial_number)] = computer
    tags = sorted({values["asset_tag"] for _l, values, _c in good if values.get("asset_tag")})
    tag_owner: dict[str, tuple[int, str, str]] = {}
    for chunk in _chunks(tags):
        for pk, tag, maker, serial in Computer.objects.filter(asset_tag__in=chunk).values_list(
            "pk", "asset_tag", "manufacturer", "serial_number"
        ):
            tag_owner[tag] = (pk, maker, serial)

    # 3. Check each row against the file and the database.
    first_line_of_serial: dict[tuple[str, str], int] = {}
    first_line_of_tag: dict[str, int] = {}
    new_rows: list[PlannedRow] = []
    for line, values, cells, parsed_ok in parsed:
        row_ok = parsed_ok
        has_key = bool(values.get("manufacturer")) and bool(values.get("serial_number"))
        key = (values.get("manufacturer"), values.get("serial_number"))
        lot = lots.get(values["lot"]) if values.get("lot") else None
        if chosen is not None:
            if values.get("lot") and values["lot"] != chosen.reference:
                plan.errors.append(
                    CellIssue(
                        line,
                        header_of["lot"],
                        _("ce n'est pas le lot choisi pour l'import (%(ref)s)") % {"ref": chosen.reference},
                        cells["lot"],
                    )
                )
                row_ok = False
            lot = chosen
        elif lot is None and values.get("lot"):
            plan.errors.append(
                CellIssue(
                    line,
                    header_of["lot"],
                    _("lot inconnu : créez d'abord le lot « %(ref)s »") % {"ref": values["lot"]},
                    cells["lot"],
                )
            )
            row_ok = False
        if has_key and key in first_line_of_serial:
            plan.errors.append(
                CellIssue(
                    line,
                    header_of["numero_serie"],
                    _("numéro de série en double dans le fichier (déjà à la ligne %(line)s)")
                    % {"line": first_line_of_serial[key]},
                    cells["numero_serie"],
                )
            )
            row_ok = False
        elif has_key:
            first_line_of_serial[key] = line
        tag = values.get("asset_tag") or ""
        if tag:
            if tag in first_line_of_tag:
                plan.errors.append(
                    CellIssue(
                        line,
                        header_of["numero_inventaire"],
                        _("numéro d'inventaire en double dans le fichier (déjà à la ligne %(line)s)")
                        % {"line": first_line_of_tag[tag]},
                        cells["numero_inventaire"],
                    )
                )
                row_ok = False
            else:
                first_line_of_tag[tag] = line
        match = existing.get(key) if has_key else None
        if match is not None and lot is not None and match.lot_id != lot.pk:
            plan.errors.append(
                CellIssue(
                    line,
                    header_of["numero_serie"],
                    _("numéro de série déjà enregistré dans un autre lot (%(lot)s, ordinateur %(tag)s)")
                    % {"lot": match.lot.reference, "tag": match.asset_tag},
                    cells["numero_serie"],
                )
            )
            row_ok = False
        if tag and tag in tag_owner and (match is None or tag_owner[tag][0] != match.pk):
            _pk, maker, serial = tag_owner[tag]
            plan.errors.append(
                CellIssue(
                    line,
                    header_of["numero_inventaire"],
                    _("numéro d'inventaire déjà porté par un autre ordinateur (%(maker)s %(serial)s)")
                    % {"maker": maker, "serial": serial},
                    cells["numero_inventaire"],
                )
            )
            row_ok = False
        if not row_ok:
            continue
        values["lot"] = lot
        if match is None:
            row = PlannedRow(line=line, action="new", values=values, cells=cells)
            new_rows.append(row)
        else:
            if not tag:
                values.pop("asset_tag", None)
            changes = {}
            for name, new in values.items():
                old = getattr(match, name)
                if name == "lot":
                    if match.lot_id != new.pk:
                        changes[name] = (match.lot_id, new.reference)
                elif old != new:
                    changes[name] = (old, new)
            if changes and match.status == Computer.Status.HANDED_OVER:
                column_key = FIELD_TO_KEY[next(iter(changes))]
                plan.errors.append(
                    CellIssue(
                        line,
                        header_of[column_key],
                        _("ordinateur déjà remis à une association : sa fiche ne peut plus être modifiée"),
                        cells.get(column_key, ""),
                    )
                )
                continue
            row = PlannedRow(
                line=line,
                action="update" if changes else "skip",
                values=values,
                cells=cells,
                computer=match,
                changes=changes,
            )
        plan.rows.append(row)

    plan.errors.sort(key=lambda issue: issue.line)

    # 4. Number the new units that came without an asset tag, within their lot.
    if not plan.errors or partial:
        untagged: dict[int, list[PlannedRow]] = {}
        for row in new_rows:
            if not row.values.get("asset_tag"):
                untagged.setdefault(row.values["lot"].pk, []).append(row)
        for rows in untagged.values():
            lot = rows[0].values["lot"]
            prefix = f"{lot.reference}-"
            taken = set(Computer.objects.filter(asset_tag__startswith=prefix).values_list("asset_tag", flat=True))
            taken |= {t for t in first_line_of_tag if t.startswith(prefix)}
            from inventory.services import next_asset_tags

            for row, tag in zip(rows, next_asset_tags(lot, len(rows), taken=taken), strict=True):
                row.values["asset_tag"] = tag
    return plan


# Files given to the operator ----------------------------------------------------------------------


def _csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a BOM and semicolons (what French Excel opens with a double click), cells kept as text."""
    from core.spreadsheets import neutralize_row

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(neutralize_row(headers))
    writer.writerows(neutralize_row(row) for row in rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def rejected_rows_csv(table: Table, plan: ImportPlan) -> bytes:
    """The rows of ``table`` that ``plan`` refuses, as they were in the file, with their line and the reasons.

    Once corrected, the file can be imported again as it is: the two added columns are ignored."""
    reasons: dict[int, list[str]] = {}
    for issue in plan.errors:
        text = f"{issue.column} : {issue.message}" if issue.column else str(issue.message)
        reasons.setdefault(issue.line, []).append(text)
    width = len(table.headers)
    rows = [
        [*(record + [""] * width)[:width], str(line), " ; ".join(reasons[line])]
        for record, line in zip(table.rows, table.lines, strict=True)
        if line in reasons
    ]
    return _csv_bytes([*table.headers, REJECTED_LINE_COLUMN, REJECTED_REASON_COLUMN], rows)


# The template file: the columns an import reads (the lot is chosen on the form) and one example row.
TEMPLATE_EXAMPLE = {
    "numero_inventaire": "",
    "fabricant": "Dell",
    "modele": "OptiPlex 7070 SFF",
    "numero_serie": "CN0ABC123",
    "format": "bureau",
    "processeur": "Intel Core i5-9500",
    "ram_go": "8",
    "stockage_go": "256",
    "type_stockage": "SSD",
    "systeme": "Windows 10 Pro",
    "etat": "A",
    "clavier": "oui",
    "souris": "oui",
    "piece_a_remplacer": "non",
    "notes": "",
}


def template_table() -> tuple[list[str], list[str]]:
    headers = [c.key for c in COLUMNS if c.key != "lot"]
    return headers, [TEMPLATE_EXAMPLE.get(key, "") for key in headers]


def template_csv() -> bytes:
    headers, example = template_table()
    return _csv_bytes(headers, [example])


def template_xlsx() -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    headers, example = template_table()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(gettext_lazy("Ordinateurs"))[:31]
    sheet.append(headers)
    sheet.append(example)
    for cells in sheet.iter_cols(min_row=1, max_row=2):
        cells[0].font = Font(bold=True)
        sheet.column_dimensions[cells[0].column_letter].width = max(12, len(str(cells[1].value or "")) + 4)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
