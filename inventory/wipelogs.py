"""Reading the reports of the wiping tools and matching them to units (reads only: the import is a service).

Three formats, recognised by their content (the extension must agree with it):

- **nwipe logs** (``.log``, ``.txt``): the text log nwipe writes. Its « Drive Status » table gives, per drive,
  the result (« Erased », « -FAILED- », « UABORTED »), the duration and « model/serial »; the line under it
  gives the time the table was written, the method (« DoD Short », « PRNG Stream », « Fill With Zeros »…) and
  the verification (``NV`` none, ``VL`` last pass, ``VA`` all passes). « Invoking method … on /dev/sdX » lines,
  when present, give each drive's start.
- **Blancco XML reports**: ``<entries name="erasure">`` elements with ``<entry name="…">`` values
  (erasure standard, start and end, state, verification) and an ``<entries name="target">`` for the drive
  (serial, model, capacity); the product name and version and the document id come from the description.
- **Blancco CSV exports**: one line per drive with the same facts (English or French headers).

Each drive becomes a ``DriveWipe``, its method in NIST SP 800-88 words (clear, purge or destroy). A report
is matched to its unit by the disk serial recorded on the unit, or else by the unit's own serial
(``check_reports``): no unit, two units, a unit that left the workshop, or a drive of that report already
recorded are listed with their reason.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventory.models import Computer, WipeEvidence, WipeRecord
from inventory.validators import normalize_serial

# A real report is a few kilobytes (an nwipe log of a long session, some hundreds): anything larger is refused
# before being read.
MAX_REPORT_BYTES = 2 * 1024 * 1024
MAX_FILES = 200
MAX_DRIVES_PER_FILE = 500
EXTENSIONS = {"log": "nwipe", "txt": "nwipe", "xml": "blancco_xml", "csv": "blancco_csv"}
# Statuses in which a wipe may be recorded (as in ``inventory.services.WIPE_STATUSES``).
WIPE_STATUSES = frozenset({Computer.Status.RECEIVED, Computer.Status.RECONDITIONING, Computer.Status.SCRAPPED})

M = WipeRecord.Method


class ReportError(Exception):
    """A report that cannot be read: ``message`` says why, in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class DriveWipe:
    """One drive's wipe, as a report tells it."""

    disk_serial: str
    disk_model: str
    capacity: str
    method: str  # a WipeRecord.Method
    method_label: str  # the tool's own words
    tool: str
    tool_version: str
    started_at: datetime.datetime | None
    ended_at: datetime.datetime
    verification: str
    result: str  # a WipeRecord.Result
    reference: str


@dataclass
class ParsedReport:
    name: str
    data: bytes
    sha256: str
    format: str
    extension: str
    drives: list[DriveWipe]

    @property
    def format_label(self) -> str:
        return str(WipeEvidence.Format(self.format).label)


# Methods in NIST SP 800-88 terms ----------------------------------------------------------------------

# Looked for in this order, in the lower-cased name of the tool's method: the first match decides.
_METHOD_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("destroy", "destruction", "shred", "degauss"), M.DESTROY),
    (("verify zeros", "verify ones", "verify only", "verification only"), ""),  # checks, erases nothing
    (
        (
            "purge",
            "secure erase",
            "secure_erase",
            "sanitize",
            "sanitise",
            "crypto",
            "ssd erasure",
            "nvme format",
            "format nvm",
            "block erase",
            "firmware",
        ),
        M.NIST_PURGE,
    ),
    (
        (
            "clear",
            "zero",
            "fill with",
            "one fill",
            "overwrite",
            "dod",
            "gutmann",
            "prng",
            "random",
            "rcmp",
            "hmg",
            "is5",
            "infosec",
            "bsi",
            "vsitr",
            "navso",
            "afssi",
            "gost",
            "schneier",
            "aperiodic",
            "bit toggle",
        ),
        M.NIST_CLEAR,
    ),
]


def nist_method(label: str) -> str:
    """The NIST SP 800-88 method of a tool's method name; raises ReportError for a check or an unknown name."""
    key = " ".join((label or "").lower().split())
    for words, method in _METHOD_WORDS:
        if any(word in key for word in words):
            if not method:
                raise ReportError(
                    _("la méthode « %(method)s » vérifie le disque sans l'effacer") % {"method": _short(label)}
                )
            return method
    raise ReportError(
        _(
            "méthode d'effacement « %(method)s » non reconnue "
            "(ni Clear, ni Purge, ni destruction au sens NIST SP 800-88)"
        )
        % {"method": _short(label)}
    )


# Reading helpers ----------------------------------------------------------------------------------


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(str(value or "").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _clip(value: str, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise ReportError(_("fichier binaire (octets nuls) : ce n'est pas un rapport texte"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise ReportError(_("le fichier contient des caractères de contrôle : ce n'est pas un rapport texte"))
    return text


def _aware(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_LOCAL_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M")


def parse_time(value: str, *, what: str) -> datetime.datetime:
    """A report's time: ISO 8601 (with or without its offset), or day/month/year; naive means Paris time."""
    text = " ".join((value or "").split())
    if not text:
        raise ReportError(_("%(what)s absente") % {"what": what})
    iso = _OFFSET.sub(r"\1:\2", text.replace("Z", "+00:00")) if "T" in text or text[:4].isdigit() else text
    try:
        return _aware(datetime.datetime.fromisoformat(iso))
    except ValueError:
        pass
    for fmt in _LOCAL_FORMATS:
        try:
            return _aware(datetime.datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise ReportError(_("%(what)s illisible : « %(value)s »") % {"what": what, "value": _short(text, 40)})


def _serial(value: str) -> str:
    serial = normalize_serial(value)
    if not serial:
        raise ReportError(_("numéro de série du disque absent"))
    if len(serial) > 64:
        raise ReportError(_("numéro de série du disque trop long (64 caractères au plus)"))
    return serial


_PASSED = {"erased", "successful", "success", "succeeded", "completed", "passed", "pass", "ok", "reussi", "efface"}
_FAILED = {
    "failed",
    "failure",
    "fail",
    "-failed-",
    "uaborted",
    "aborted",
    "incomplete",
    "unsuccessful",
    "not erased",
    "insanity",
    "echec",
    "interrompu",
}


def _result(value: str) -> str:
    key = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().lower().strip(" -*!")
    if key in _PASSED:
        return WipeRecord.Result.PASSED
    if key in _FAILED or key.strip("-") in _FAILED:
        return WipeRecord.Result.FAILED
    raise ReportError(_("résultat « %(value)s » non reconnu") % {"value": _short(value, 30)})


# nwipe ---------------------------------------------------------------------------------------------

_NWIPE_TIME = r"\[(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})\]"
_NWIPE_VERSION = re.compile(r"\bnwipe(?: version)? v?(\d+\.\d+(?:\.\d+)?)\b", re.IGNORECASE)
_NWIPE_INVOKE = re.compile(_NWIPE_TIME + r".*Invoking method '([^']+)' on (?:/dev/)?(\S+)")
_NWIPE_TOTAL = re.compile(_NWIPE_TIME + r"\s*Total Throughput [^,]*,\s*(.+?),\s*(\d+)R\+(N?B)\+(NV|VL|VA)\s*$")
_NWIPE_DRIVE = re.compile(
    r"^\s*!?\s*(?:/dev/)?(\S+)\s*\|([^|]{1,10})\|[^|]*\|\s*(\d+):(\d{2}):(\d{2})\s*\|\s*(.*?)\s*$"
)
_NWIPE_VERIFICATION = {
    "NV": "aucune vérification (NV)",
    "VL": "dernière passe vérifiée (VL)",
    "VA": "toutes les passes vérifiées (VA)",
}


def _check_drive_count(drives: list, *, empty: str) -> None:
    """A report lists one drive at least (else the error ``empty``), and ``MAX_DRIVES_PER_FILE`` at most."""
    if not drives:
        raise ReportError(empty)
    if len(drives) > MAX_DRIVES_PER_FILE:
        raise ReportError(_("trop de disques dans un seul rapport"))


def _nwipe_time(value: str) -> datetime.datetime:
    try:
        return _aware(datetime.datetime.strptime(value, "%Y/%m/%d %H:%M:%S"))
    except ValueError:
        raise ReportError(_("date illisible dans le journal nwipe : « %(value)s »") % {"value": value})


def parse_nwipe(text: str, *, sha256: str) -> list[DriveWipe]:
    lines = text.splitlines()
    if not any("nwipe" in line.lower() or "Drive Status" in line for line in lines[:400]):
        raise ReportError(_("ce n'est pas un journal nwipe"))
    version = ""
    starts: dict[str, datetime.datetime] = {}
    total = None
    drive_lines: list[re.Match] = []
    in_table = False
    for line in lines:
        if not version and (found := _NWIPE_VERSION.search(line)):
            version = found.group(1)
        if found := _NWIPE_INVOKE.search(line):
            starts.setdefault(found.group(3), _nwipe_time(found.group(1)))
        if "Drive Status" in line:
            in_table, drive_lines = True, []  # a log of several sessions: the last table counts
            continue
        if in_table:
            if found := _NWIPE_TOTAL.search(line):
                total, in_table = found, False
            elif (found := _NWIPE_DRIVE.match(line)) and "Device" not in line:
                drive_lines.append(found)
    if not drive_lines:
        raise ReportError(_("ce journal nwipe ne contient pas le tableau « Drive Status » de fin d'effacement"))
    if total is None:
        raise ReportError(_("la ligne « Total Throughput » du journal nwipe est absente : effacement interrompu ?"))
    if len(drive_lines) > MAX_DRIVES_PER_FILE:
        raise ReportError(_("trop de disques dans un seul rapport"))
    written = _nwipe_time(total.group(1))
    method_label = total.group(2).strip()
    method = nist_method(method_label)
    verification = _NWIPE_VERIFICATION[total.group(5)]
    drives = []
    for found in drive_lines:
        device = found.group(1)
        duration = datetime.timedelta(
            hours=int(found.group(3)), minutes=int(found.group(4)), seconds=int(found.group(5))
        )
        model, _slash, serial = found.group(6).rpartition("/")
        started = starts.get(device)
        ended = started + duration if started else written
        drives.append(
            DriveWipe(
                disk_serial=_serial(serial),
                disk_model=_clip(model, 120),
                capacity="",
                method=method,
                method_label=_clip(method_label, 60),
                tool="nwipe",
                tool_version=_clip(version, 40),
                started_at=started or written - duration,
                ended_at=ended,
                verification=verification,
                result=_result(found.group(2)),
                reference=f"nwipe {sha256[:12]} {_clip(device, 20)}",
            )
        )
    return drives


# Blancco XML -------------------------------------------------------------------------------------


def _entries(element) -> dict[str, str]:
    """The ``<entry name="…">`` children of an element, by name (lower case)."""
    return {
        (child.get("name") or "").strip().lower(): (child.text or "").strip()
        for child in element
        if child.tag == "entry" and child.get("name")
    }


def _group(element, name: str):
    for child in element:
        if child.tag == "entries" and (child.get("name") or "").strip().lower() == name:
            return child
    return None


def _first(values: dict[str, str], *names: str) -> str:
    for name in names:
        if values.get(name):
            return values[name]
    return ""


def parse_blancco_xml(data: bytes, *, sha256: str) -> list[DriveWipe]:
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ReportError(_("XML refusé : il déclare une DTD ou des entités (risque d'expansion)"))
    except SafeElementTree.ParseError:
        raise ReportError(_("ce fichier .xml n'est pas un XML lisible"))
    if root.find(".//blancco_erasure_report") is None and root.find(".//blancco_data") is None:
        raise ReportError(_("ce XML n'est pas un rapport Blancco (élément « blancco_erasure_report » absent)"))
    description: dict[str, str] = {}
    for holder in root.iter("description_entries"):
        description.update(_entries(holder))
    document_id = (root.findtext(".//document_id") or "").strip()
    tool = _clip(_first(description, "product_name", "software_name") or "Blancco Drive Eraser", 120)
    version = _clip(_first(description, "product_version", "software_version", "version"), 40)
    erasures = [e for e in root.iter("entries") if (e.get("name") or "").strip().lower() == "erasure"]
    _check_drive_count(erasures, empty=_("ce rapport Blancco ne contient aucun effacement"))
    drives = []
    for index, erasure in enumerate(erasures, start=1):
        values = _entries(erasure)
        target = _group(erasure, "target")
        disk = _entries(target) if target is not None else {}
        if not disk:
            raise ReportError(_("effacement n° %(n)s : le disque (« target ») n'est pas décrit") % {"n": index})
        label = _first(values, "erasure_standard_name", "erasure_standard", "standard", "method")
        if not label:
            raise ReportError(_("effacement n° %(n)s : norme d'effacement absente") % {"n": index})
        ended = parse_time(_first(values, "end_time", "erasure_end_time"), what=_("heure de fin"))
        start_text = _first(values, "start_time", "erasure_start_time")
        drives.append(
            DriveWipe(
                disk_serial=_serial(_first(disk, "serial", "serial_number")),
                disk_model=_clip(" ".join(filter(None, [disk.get("vendor", ""), disk.get("model", "")])), 120),
                capacity=_clip(disk.get("capacity", ""), 40),
                method=nist_method(label),
                method_label=_clip(label, 60),
                tool=tool,
                tool_version=version,
                started_at=parse_time(start_text, what=_("heure de début")) if start_text else None,
                ended_at=ended,
                verification=_clip(_first(values, "verification", "verification_result", "verified"), 120),
                result=_result(_first(values, "state", "status", "result")),
                reference=_clip(
                    f"Blancco {document_id} #{index}" if document_id else f"Blancco {sha256[:12]} #{index}", 120
                ),
            )
        )
    return drives


# Blancco CSV -------------------------------------------------------------------------------------


def header_key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header or "").encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "serial": (
        "disk_serial",
        "drive_serial",
        "serial",
        "serial_number",
        "disk_serial_number",
        "numero_de_serie_du_disque",
        "numero_de_serie",
    ),
    "model": ("disk_model", "drive_model", "model", "modele", "modele_du_disque"),
    "vendor": ("disk_vendor", "vendor", "fabricant"),
    "capacity": ("disk_capacity", "capacity", "capacite"),
    "standard": ("erasure_standard", "erasure_standard_name", "standard", "method", "methode", "norme"),
    "start": ("start_time", "erasure_start", "erasure_start_time", "debut", "heure_de_debut"),
    "end": ("end_time", "erasure_end", "erasure_end_time", "fin", "heure_de_fin"),
    "verification": ("verification", "verification_result", "verified"),
    "result": ("state", "status", "result", "erasure_status", "erasure_state", "resultat", "etat"),
    "reference": ("report_uuid", "report_id", "document_id", "uuid", "reference"),
    "tool": ("product_name", "software", "software_name", "outil"),
    "version": ("product_version", "software_version", "version"),
}
CSV_REQUIRED = ("serial", "standard", "end", "result")


def parse_blancco_csv(text: str, *, sha256: str) -> list[DriveWipe]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error:
        raise ReportError(_("ce fichier .csv n'est pas un CSV lisible"))
    if not rows:
        raise ReportError(_("le fichier est vide"))
    aliases = {alias: key for key, names in CSV_COLUMNS.items() for alias in names}
    columns: dict[str, int] = {}
    for index, header in enumerate(rows[0]):
        key = aliases.get(header_key(header))
        if key and key not in columns:
            columns[key] = index
    missing = [key for key in CSV_REQUIRED if key not in columns]
    if missing:
        raise ReportError(
            _("ce CSV n'est pas un export Blancco : colonnes absentes (%(columns)s)")
            % {"columns": ", ".join(CSV_COLUMNS[key][0] for key in missing)}
        )
    body = rows[1:]
    _check_drive_count(body, empty=_("ce CSV ne contient aucun effacement"))
    drives = []
    for line, row in enumerate(body, start=2):

        def cell(key: str, row=row) -> str:
            index = columns.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        try:
            start = cell("start")
            reference = cell("reference")
            drives.append(
                DriveWipe(
                    disk_serial=_serial(cell("serial")),
                    disk_model=_clip(" ".join(filter(None, [cell("vendor"), cell("model")])), 120),
                    capacity=_clip(cell("capacity"), 40),
                    method=nist_method(cell("standard")),
                    method_label=_clip(cell("standard"), 60),
                    tool=_clip(cell("tool") or "Blancco Drive Eraser", 120),
                    tool_version=_clip(cell("version"), 40),
                    started_at=parse_time(start, what=_("heure de début")) if start else None,
                    ended_at=parse_time(cell("end"), what=_("heure de fin")),
                    verification=_clip(cell("verification"), 120),
                    result=_result(cell("result")),
                    reference=_clip(
                        f"Blancco {reference}" if reference else f"Blancco {sha256[:12]} ligne {line}", 120
                    ),
                )
            )
        except ReportError as error:
            raise ReportError(_("ligne %(line)s : %(reason)s") % {"line": line, "reason": error.message})
    return drives


# One file ------------------------------------------------------------------------------------------


def safe_name(name: str) -> str:
    """The file's own name (no folder), printable, at most 100 characters."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:100] or "rapport"


def read_report(name: str, data: bytes) -> ParsedReport:
    """Parse one report file; raises ReportError saying why it cannot be used."""
    name = safe_name(name)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = EXTENSIONS.get(extension)
    if kind is None:
        raise ReportError(
            _("format non pris en charge : un journal nwipe (.log, .txt) ou un rapport Blancco (.xml, .csv)")
        )
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(
            _("fichier trop volumineux (%(max)s Mo au plus pour un rapport)")
            % {"max": MAX_REPORT_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise ReportError(_("le fichier est vide"))
    sha256 = hashlib.sha256(data).hexdigest()
    if kind == WipeEvidence.Format.BLANCCO_XML:
        if b"\x00" in data:
            raise ReportError(_("ce fichier .xml n'est pas un XML lisible"))
        drives = parse_blancco_xml(data, sha256=sha256)
    elif kind == WipeEvidence.Format.BLANCCO_CSV:
        drives = parse_blancco_csv(_decode(data), sha256=sha256)
    else:
        drives = parse_nwipe(_decode(data), sha256=sha256)
    return ParsedReport(name=name, data=data, sha256=sha256, format=kind, extension=extension, drives=drives)


# Matching ------------------------------------------------------------------------------------------


@dataclass
class DriveCheck:
    wipe: DriveWipe
    computer: Computer | None = None
    reason: str = ""  # why it cannot be recorded
    already: bool = False  # this drive of this report is already recorded

    @property
    def importable(self) -> bool:
        return self.computer is not None and not self.reason and not self.already


@dataclass
class FileCheck:
    name: str
    report: ParsedReport | None = None
    error: str = ""  # the whole file is unusable
    drives: list[DriveCheck] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.error) or any(d.reason for d in self.drives)

    @property
    def already(self) -> bool:
        return not self.error and bool(self.drives) and all(d.already for d in self.drives)

    @property
    def importable(self) -> list[DriveCheck]:
        return [d for d in self.drives if d.importable]

    @property
    def reasons(self) -> list[str]:
        if self.error:
            return [self.error]
        return [
            _("disque %(serial)s : %(reason)s") % {"serial": _short(d.wipe.disk_serial, 30), "reason": d.reason}
            for d in self.drives
            if d.reason
        ]


@dataclass
class WipeImportPlan:
    files: list[FileCheck]
    applied: bool = False
    recorded: int = 0

    @property
    def rejected(self) -> list[FileCheck]:
        return [f for f in self.files if f.rejected]

    @property
    def importable(self) -> list[DriveCheck]:
        return [d for f in self.files for d in f.importable]

    @property
    def already(self) -> int:
        return sum(1 for f in self.files for d in f.drives if d.already)

    def summary(self) -> str:
        parts = [
            ngettext("%(n)s effacement enregistré", "%(n)s effacements enregistrés", self.recorded)
            % {"n": self.recorded}
            if self.applied
            else ngettext("%(n)s effacement à enregistrer", "%(n)s effacements à enregistrer", len(self.importable))
            % {"n": len(self.importable)},
            ngettext("%(n)s rapport refusé", "%(n)s rapports refusés", len(self.rejected)) % {"n": len(self.rejected)},
            ngettext("%(n)s disque déjà importé", "%(n)s disques déjà importés", self.already) % {"n": self.already},
        ]
        return ", ".join(parts)


def _unit_names(computers: list[Computer]) -> str:
    return ", ".join(sorted(c.asset_tag for c in computers))


def check_reports(files: list[tuple[str, bytes]], *, lock: bool = False, user=None) -> WipeImportPlan:
    """Read every file and match each drive to its unit; writes nothing. A constant number of queries
    whatever the number of files (the units, then the drives already recorded). ``lock``: inside the
    import's transaction, the matched units are locked (ordered by key) until it ends.
    """
    checks: list[FileCheck] = []
    if len(files) > MAX_FILES:
        raise ReportError(_("%(max)s rapports au plus par import") % {"max": MAX_FILES})
    seen_files: dict[str, str] = {}
    for name, data in files:
        check = FileCheck(name=safe_name(name))
        try:
            check.report = read_report(name, data)
        except ReportError as error:
            check.error = error.message
        else:
            if check.report.sha256 in seen_files:
                check.report, check.error = (
                    None,
                    _("même contenu que « %(other)s »") % {"other": seen_files[check.report.sha256]},
                )
            else:
                seen_files[check.report.sha256] = check.name
                check.drives = [DriveCheck(wipe=wipe) for wipe in check.report.drives]
        checks.append(check)

    drives = [d for c in checks for d in c.drives]
    serials = {d.wipe.disk_serial for d in drives}
    by_disk: dict[str, list[Computer]] = defaultdict(list)
    by_unit: dict[str, list[Computer]] = defaultdict(list)
    if serials:
        units = Computer.objects.filter(Q(disk_serial__in=serials) | Q(serial_number__in=serials)).order_by("pk")
        if user is not None:
            # Only the units of the lots of the user's organisers: another organiser's drive matches no unit.
            from campaigns.scoping import scope_to_user

            units = scope_to_user(units, user, "lot__organiser", acting=True)
        if lock:
            units = units.select_for_update()
        for computer in units.only("pk", "asset_tag", "serial_number", "disk_serial", "status", "manufacturer"):
            if computer.disk_serial in serials:
                by_disk[computer.disk_serial].append(computer)
            if computer.serial_number in serials:
                by_unit[computer.serial_number].append(computer)
    recorded = set()
    checksums = [c.report.sha256 for c in checks if c.report]
    if checksums:
        recorded = set(
            WipeRecord.objects.filter(evidence__sha256__in=checksums).values_list("evidence__sha256", "disk_serial")
        )
    now = timezone.now()
    for check in checks:
        in_file: set[str] = set()
        for drive in check.drives:
            serial = drive.wipe.disk_serial
            if (check.report.sha256, serial) in recorded:
                drive.already = True
                continue
            if serial in in_file:
                drive.reason = _("ce disque figure deux fois dans le rapport")
                continue
            in_file.add(serial)
            candidates = by_disk.get(serial) or by_unit.get(serial) or []
            if not candidates:
                drive.reason = _("aucun ordinateur ne porte ce numéro de série de disque, ni ce numéro de série")
            elif len(candidates) > 1:
                drive.reason = _(
                    "plusieurs ordinateurs portent ce numéro de série (%(units)s) : précisez le disque de chacun"
                ) % {"units": _unit_names(candidates)}
            elif drive.wipe.ended_at > now:
                drive.reason = _("l'effacement se termine dans le futur (%(date)s)") % {
                    "date": timezone.localtime(drive.wipe.ended_at).strftime("%d/%m/%Y %H:%M")
                }
            elif drive.wipe.started_at and drive.wipe.started_at > drive.wipe.ended_at:
                drive.reason = _("l'effacement finit avant d'avoir commencé")
            else:
                computer = candidates[0]
                drive.computer = computer
                if computer.status not in WIPE_STATUSES:
                    drive.reason = _(
                        "%(unit)s est « %(status)s » : un effacement s'enregistre à l'atelier ou avant le recyclage"
                    ) % {
                        "unit": computer.asset_tag,
                        "status": computer.get_status_display(),
                    }
    return WipeImportPlan(files=checks)
