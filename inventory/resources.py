"""django-import-export glue: the export of the filtered list, and the import adapter.

The import keeps django-import-export's screens (upload, preview, confirm) but not its row-by-row
engine: ``ComputerResource.import_data`` reads the whole file with ``inventory.importing``, checks
every row before anything is written, and writes through ``inventory.services.computers_import``
(all or nothing, a history row per unit). The result is translated into django-import-export's
``Result`` so that its templates show the preview, the totals and each error with its row and column.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources
from import_export.formats.base_formats import Format
from import_export.results import Error, Result, RowResult
from tablib import Dataset

from core.errors import DomainError
from core.spreadsheets import neutralize
from inventory.importing import (
    COLUMNS,
    MAX_LISTED_ERRORS,
    PREVIEW_ROWS,
    ImportFileError,
    ImportPlan,
    Table,
    plan_import,
    read_table,
)
from inventory.models import Computer

# Formats: the content decides (a spreadsheet saved as .csv by mistake is still read) ------------


class TableDataset(Dataset):
    """A tablib Dataset that carries an ``inventory.importing.Table`` (rows of any width, with their line)."""

    inventory_table: Table | None = None

    def __bool__(self) -> bool:
        return bool(self.inventory_table and self.inventory_table.rows)


class _InventoryFormat(Format):
    """Hands the raw bytes to ``inventory.importing.read_table``; the dataset carries the table."""

    title = ""
    extension = ""
    content_type = "application/octet-stream"

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return self.title

    def get_extension(self):
        return self.extension

    def get_content_type(self):
        return self.content_type

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def can_import(self):
        return True

    def can_export(self):
        return True

    def create_dataset(self, in_stream):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        table = read_table(in_stream)
        dataset = TableDataset(headers=[h or f"({i + 1})" for i, h in enumerate(table.headers)])
        dataset.inventory_table = table  # rows of any width, with their line in the file
        return dataset

    def export_data(self, dataset, **kwargs):
        return dataset.export(self.tablib_format, **kwargs)


class CSVFormat(_InventoryFormat):
    title = "csv"
    extension = "csv"
    content_type = "text/csv"
    tablib_format = "csv"

    def export_data(self, dataset, **kwargs):
        # UTF-8 with a BOM and semicolons: what French Excel opens correctly with a double click.
        text = dataset.export("csv", delimiter=";")
        return "\ufeff".encode() + text.encode("utf-8")


class XLSXFormat(_InventoryFormat):
    title = "xlsx"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    tablib_format = "xlsx"


FORMATS = [CSVFormat, XLSXFormat]


# Resource ---------------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return _("oui") if value else _("non")


class ComputerResource(resources.ModelResource):
    """Columns of the export; the import reads the same names (see ``inventory.importing.COLUMNS``)."""

    numero_inventaire = fields.Field(attribute="asset_tag", column_name="numero_inventaire")
    fabricant = fields.Field(attribute="manufacturer", column_name="fabricant")
    modele = fields.Field(attribute="model", column_name="modele")
    numero_serie = fields.Field(attribute="serial_number", column_name="numero_serie")
    numero_serie_disque = fields.Field(attribute="disk_serial", column_name="numero_serie_disque")
    lot = fields.Field(column_name="lot")
    format = fields.Field(column_name="format")
    processeur = fields.Field(attribute="cpu", column_name="processeur")
    ram_go = fields.Field(attribute="ram_gb", column_name="ram_go")
    stockage_go = fields.Field(attribute="storage_gb", column_name="stockage_go")
    type_stockage = fields.Field(column_name="type_stockage")
    systeme = fields.Field(attribute="os", column_name="systeme")
    etat = fields.Field(attribute="grade", column_name="etat")
    clavier = fields.Field(column_name="clavier")
    souris = fields.Field(column_name="souris")
    piece_a_remplacer = fields.Field(column_name="piece_a_remplacer")
    notes = fields.Field(attribute="notes", column_name="notes")
    statut = fields.Field(column_name="statut")
    statut_depuis = fields.Field(column_name="statut_depuis")
    effacement = fields.Field(column_name="effacement")
    donateur = fields.Field(column_name="donateur")

    class Meta:
        model = Computer
        name = gettext_lazy("Ordinateurs")
        # The import's columns, in its order, then what only the export writes.
        fields = (*(column.key for column in COLUMNS), "statut", "statut_depuis", "effacement", "donateur")
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__()
        self.user = kwargs.get("user")
        self.lot = kwargs.get("lot")  # chosen on the import form, for every row
        self.partial = bool(kwargs.get("partial"))  # import the valid rows, hand back the refused ones

    # Export ------------------------------------------------------------------------------------

    def export_field(self, field, instance, **kwargs):
        # Text typed at import (notes, model...) must not run as a formula in the user's spreadsheet.
        return neutralize(super().export_field(field, instance, **kwargs))

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("lot__donor", "wipe_record")

    def dehydrate_lot(self, computer):
        return computer.lot.reference

    def dehydrate_format(self, computer):
        return computer.get_form_factor_display()

    def dehydrate_type_stockage(self, computer):
        return computer.get_storage_type_display() if computer.storage_type else ""

    def dehydrate_clavier(self, computer):
        return _yes_no(computer.has_keyboard)

    def dehydrate_souris(self, computer):
        return _yes_no(computer.has_mouse)

    def dehydrate_piece_a_remplacer(self, computer):
        return _yes_no(computer.needs_spare_part)

    def dehydrate_statut(self, computer):
        return computer.get_status_display()

    def dehydrate_statut_depuis(self, computer):
        return computer.status_changed_at.strftime("%d/%m/%Y %H:%M") if computer.status_changed_at else ""

    def dehydrate_effacement(self, computer):
        record = computer.wipe_record
        if record is None:
            return _("échec") if computer.wipe_failed else ""
        if record.kind == record.Kind.EXEMPTION:
            return _("exemption : %(type)s") % {"type": record.get_exemption_display()}
        return f"{record.get_method_display()} – {record.report_reference} ({record.performed_on:%d/%m/%Y})"

    def dehydrate_donateur(self, computer):
        return computer.lot.donor.name

    # Import ------------------------------------------------------------------------------------

    def get_user_visible_fields(self):
        return [self.fields[c.key] for c in COLUMNS if c.key in self.fields]

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        from inventory.services import ImportRejected, computers_import

        user = kwargs.get("user") or self.user
        file_name = kwargs.get("file_name") or ""
        table = getattr(dataset, "inventory_table", None) or _table_from_dataset(dataset)
        if dry_run:
            plan = plan_import(table, lot=self.lot, partial=self.partial, user=user)
            return build_result(plan, dry_run=True, partial=self.partial, table=table)
        try:
            plan = computers_import(table=table, by=user, file_name=file_name, lot=self.lot, partial=self.partial)
        except ImportRejected as rejected:
            return build_result(rejected.plan, dry_run=False)
        except DomainError as error:
            result = Result()
            result.append_base_error(Error(error))
            return result
        return build_result(plan, dry_run=False, partial=self.partial, table=table)


def _table_from_dataset(dataset: Dataset) -> Table:
    rows = [["" if v is None else str(v).strip() for v in row] for row in dataset]
    return Table(headers=[str(h or "") for h in dataset.headers or []], rows=rows, lines=list(range(2, len(rows) + 2)))


def _display(field: str, value):
    if isinstance(value, bool):
        return _yes_no(value)
    if value in ("", None):
        return ""
    choices = CHOICE_LABELS.get(field)
    if choices:
        return choices.get(value, value)
    return value


CHOICE_LABELS = {
    name: dict(Computer._meta.get_field(name).flatchoices) for name in ("form_factor", "storage_type", "grade")
}


def _cell_html(value, old=None, changed=False):
    if changed:
        return format_html("<del>{}</del> <ins>{}</ins>", "" if old is None else old, "" if value is None else value)
    return "" if value is None else value


def build_result(plan: ImportPlan, *, dry_run: bool, partial: bool = False, table: Table | None = None) -> Result:
    """django-import-export's Result for the preview page: totals, the first rows, every error.

    ``partial``: refused rows do not stop the import; the preview shows the valid rows and, apart, the refused
    ones with their reasons (``inventory_refused_lines``); ``inventory_table`` keeps the file for their download."""
    result = Result()
    result.total_rows = plan.total_rows
    result.diff_headers = [str(c.label) for c in plan.columns]
    result.inventory_plan = plan
    result.inventory_table = table
    result.inventory_partial = partial
    result.inventory_refused_lines = len({issue.line for issue in plan.errors})
    for message in plan.file_errors:
        result.append_base_error(Error(ImportFileError(message)))
    if plan.file_errors:
        return result
    if plan.errors and not partial:
        by_line: dict[int, dict[str, list[str]]] = {}
        for issue in plan.errors:
            column = issue.column or NON_FIELD_ERRORS
            text = issue.message if not issue.value else f"{issue.message} (« {issue.value} »)"
            by_line.setdefault(issue.line, {}).setdefault(column, []).append(text)
        for line in sorted(by_line)[:MAX_LISTED_ERRORS]:
            result.append_invalid_row(line, {}, ValidationError(by_line[line]))
        result.totals[RowResult.IMPORT_TYPE_INVALID] = len(by_line)
        return result
    for planned in plan.rows:
        result.totals[planned.action] += 1
    for planned in plan.rows[:PREVIEW_ROWS]:
        row = RowResult()
        row.import_type = planned.action
        row.number = planned.line
        computer = planned.computer
        row.diff = []
        for column in plan.columns:
            if column.field == "lot":
                value = planned.values["lot"].reference
            else:
                value = planned.values.get(column.field, getattr(computer, column.field, ""))
            value = _display(column.field, value)
            changed = column.field in planned.changes
            old = planned.changes[column.field][0] if changed else None
            if changed:
                old = _display(column.field, old)
            row.diff.append(_cell_html(value, old, changed))
        if computer is not None and computer.pk:
            row.object_id = computer.pk
            row.instance = computer
        result.append_row_result(row)
    return result
