"""Unit import files as a donor's stock sheet comes in (CSV with a BOM and semicolons, or XLSX): the usual columns
and the writers, shared by the import tests and the import benchmark."""

import io

# The columns of a donor's usual sheet, in its order (the importer reads them in any order; see
# ``inventory.importing.COLUMNS`` for every column it knows).
UNIT_COLUMNS = [
    "numero_inventaire",
    "fabricant",
    "modele",
    "numero_serie",
    "lot",
    "processeur",
    "ram_go",
    "stockage_go",
    "type_stockage",
    "systeme",
    "etat",
    "clavier",
    "souris",
]


def csv_bytes(header, body, *, delimiter=";", encoding="utf-8-sig") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(str(c) for c in row) for row in body]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(header, body) -> bytes:
    """One sheet; short whole numbers (quantities, not serial numbers) written as numbers, as a spreadsheet does."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in body:
        sheet.append([int(c) if isinstance(c, str) and c.isdigit() and len(c) < 5 else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
