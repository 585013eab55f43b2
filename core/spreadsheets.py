"""Cells that a spreadsheet would run as a formula, kept as text: one rule for every export.

A CSV or XLSX cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or with a tab, carriage
return or line feed, which some spreadsheets skip before looking for one) is read by Excel and
LibreOffice as a formula: ``=HYPERLINK(...)`` becomes a live link, ``+1+1`` is computed. Every
export passes its text cells through ``neutralize``, which puts an apostrophe in front (Excel's own
"this is text" marker); ``unneutralize`` removes it when such a file comes back through an import.
Numbers, dates and booleans are left alone: they are never formulas.
"""

from __future__ import annotations

# Leading characters that turn a cell into a formula (full-width forms included: LibreOffice maps them).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_formula_like(value: str) -> bool:
    return value.lstrip(" ")[:1] in FORMULA_TRIGGERS if value else False


def neutralize(value):
    """``value`` as a spreadsheet will show it as text; anything but a string is returned as is."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def neutralize_row(values) -> list:
    return [neutralize(value) for value in values]


def unneutralize(value: str) -> str:
    """The text of a cell written by ``neutralize`` (an import reading back one of our exports)."""
    if value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value
