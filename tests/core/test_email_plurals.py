"""Emails that count computers agree with their number: a final lot may give a single computer (« 1 ordinateur »)."""

import pytest

from core.emails import render_email
from tests.core.test_hostile_emails import _counters, _email_template_dirs, _variables

# (template, counter, French for 1, French for 3, English for 1, English for 3)
CASES = [
    (
        "allocation_confirmed",
        "quantity",
        "1 ordinateur (avec clavier et souris) vous est réservé",
        "3 ordinateurs (avec clavier et souris) vous sont réservés",
        "1 computer (with keyboard and mouse) is reserved",
        "3 computers (with keyboard and mouse) are reserved",
    ),
    (
        "application_approved",
        "granted",
        "1 ordinateur (avec clavier et souris) vous est accordé",
        "3 ordinateurs (avec clavier et souris) vous sont accordés",
        "1 computer (with keyboard and mouse) is granted",
        "3 computers (with keyboard and mouse) are granted",
    ),
    (
        "allocation_cancelled",
        "quantity",
        "L'attribution de 1 ordinateur",
        "L'attribution de 3 ordinateurs",
        "The allocation of 1 computer ",
        "The allocation of 3 computers",
    ),
    (
        "handover_signed",
        "handed_over_count",
        "1 ordinateur remis",
        "3 ordinateurs remis",
        "1 computer handed over",
        "3 computers handed over",
    ),
    (
        "allocation_appointment",
        "quantity",
        "venir chercher son ordinateur",
        "venir chercher ses 3 ordinateurs",
        "to collect its computer",
        "to collect its 3 computers",
    ),
    (
        "allocation_appointment_reminder",
        "quantity",
        "venir chercher son ordinateur",
        "venir chercher ses 3 ordinateurs",
        "to collect its computer",
        "to collect its 3 computers",
    ),
    (
        "allocation_slot_booked",
        "quantity",
        "vient chercher son ordinateur",
        "vient chercher ses 3 ordinateurs",
        "collects its computer",
        "collects its 3 computers",
    ),
    (
        "allocation_slot_requested",
        "quantity",
        "la remise de son ordinateur",
        "la remise de ses 3 ordinateurs",
        "the handover of its computer",
        "the handover of its 3 computers",
    ),
    ("donor_offer_accepted", "units", "(1 ordinateur)", "(3 ordinateurs)", "(1 computer)", "(3 computers)"),
]


def _context(name: str, count: int) -> dict:
    folder = next(f for f in _email_template_dirs() if (f / f"{name}_body.txt").exists())
    counters = _counters(folder, name)
    return {v: count if v in counters else "Valeur" for v in _variables(folder, name)}


@pytest.mark.parametrize(
    ("name", "counter", "fr_one", "fr_many", "en_one", "en_many"), CASES, ids=[c[0] for c in CASES]
)
def test_an_email_counting_computers_agrees_with_its_number(name, counter, fr_one, fr_many, en_one, en_many):
    for count, french, english in ((1, fr_one, en_one), (3, fr_many, en_many)):
        context = _context(name, count)
        assert counter in context, f"{name} does not count with {counter}"
        _subject, text, _html = render_email(name, context, "fr")
        assert french in text, (name, count, text)
        _subject, text, _html = render_email(name, context, "en")
        assert english in text, (name, count, text)


def test_the_confirmation_subject_agrees_with_its_number():
    subject, _text, _html = render_email("allocation_confirmed", _context("allocation_confirmed", 1), "fr")
    assert "– 1 ordinateur –" in subject
    subject, _text, _html = render_email("allocation_confirmed", _context("allocation_confirmed", 12), "en")
    assert "– 12 computers –" in subject
