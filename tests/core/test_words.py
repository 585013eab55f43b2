"""French typography (« 1er février », « des Claviers », « 3 ans », « 9 h 30 ») with English unaffected."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from core import words

FIRST = datetime.date(2027, 2, 1)
SECOND = datetime.date(2027, 2, 2)


@pytest.mark.parametrize(
    ("value", "fmt", "french", "english"),
    [
        (FIRST, "j F Y", "1er février 2027", "1 February 2027"),
        (FIRST, "l j F Y", "lundi 1er février 2027", "Monday 1 February 2027"),
        (FIRST, "j F", "1er février", "1 February"),
        (SECOND, "j F Y", "2 février 2027", "2 February 2027"),
        (datetime.date(2027, 2, 11), "j F Y", "11 février 2027", "11 February 2027"),  # « 11 », never « 11er »
        ("2027-02-01", "j F Y", "1er février 2027", "1 February 2027"),  # an email's ISO date
        ("01/02/2027", "j F Y", "01/02/2027", "01/02/2027"),  # an older email's text: as it was
        # An aware moment: its day in Paris (23:30 UTC on 31 January is already 1 February there).
        (datetime.datetime(2027, 1, 31, 23, 30, tzinfo=datetime.UTC), "j F Y", "1er février 2027", "1 February 2027"),
        (datetime.datetime(2027, 2, 1, 22, 30, tzinfo=datetime.UTC), "j F Y", "1er février 2027", "1 February 2027"),
    ],
)
def test_date_words(value, fmt, french, english):
    with translation.override("fr"):
        assert words.date_words(value, fmt) == french
    with translation.override("en"):
        assert words.date_words(value, fmt) == english


def test_date_words_filter_in_a_template():
    template = Template('{% load french %}{{ day|date_words:"l j F Y" }}')
    with translation.override("fr"):
        assert template.render(Context({"day": FIRST})) == "lundi 1er février 2027"


@pytest.mark.parametrize(
    ("name", "of", "to"),
    [
        ("Les Claviers solidaires", "des Claviers solidaires", "aux Claviers solidaires"),
        ("Le Club numérique", "du Club numérique", "au Club numérique"),
        ("La Maison de quartier", "de la Maison de quartier", "à la Maison de quartier"),
        ("L'Atelier du Panier", "de l'Atelier du Panier", "à l'Atelier du Panier"),
        ("Emmaüs Connect", "d'Emmaüs Connect", "à Emmaüs Connect"),
        ("Écrivains publics", "d'Écrivains publics", "à Écrivains publics"),
        ("Connexions solidaires", "de Connexions solidaires", "à Connexions solidaires"),
        ("Lecture pour tous", "de Lecture pour tous", "à Lecture pour tous"),  # « Le » only as a word
        ("Lesbos Aide", "de Lesbos Aide", "à Lesbos Aide"),
    ],
)
def test_of_and_to_a_name(name, of, to):
    with translation.override("fr"):
        assert (words.of_name(name), words.to_name(name)) == (of, to)
    with translation.override("en"):
        assert (words.of_name(name), words.to_name(name)) == (name, name)


@pytest.mark.parametrize(
    ("days", "french", "english"),
    [
        (1095, "3 ans", "3 years"),
        (365, "1 an", "1 year"),
        (180, "6 mois", "6 months"),
        (30, "1 mois", "1 month"),
        (14, "2 semaines", "2 weeks"),
        (10, "10 jours", "10 days"),
        (1, "1 jour", "1 day"),
    ],
)
def test_duration_words(days, french, english):
    with translation.override("fr"):
        assert words.duration_words(days) == french
    with translation.override("en"):
        assert words.duration_words(days) == english


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [(datetime.time(9), "9 h", "9:00"), (datetime.time(9, 30), "9 h 30", "9:30"), ("14:05", "14 h 05", "14:05")],
)
def test_time_words(value, french, english):
    with translation.override("fr"):
        assert words.time_words(value) == french.replace(" ", "\u00a0")
    with translation.override("en"):
        assert words.time_words(value) == english


def test_period_words():
    with translation.override("fr"):
        assert words.period_words(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)) == (
            "du 1er janvier au 31 mars 2026"
        )
        assert words.period_words(datetime.date(2025, 12, 1), datetime.date(2026, 2, 28)) == (
            "du 1er décembre 2025 au 28 février 2026"
        )
    with translation.override("en"):
        assert words.period_words(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)) == (
            "from 1 January to 31 March 2026"
        )
