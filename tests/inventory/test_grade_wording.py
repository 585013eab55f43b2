"""Décret n° 2022-190: a reconditioned product is never called "comme neuf" / "état neuf"; the grading scale is stated
in the admin help and on the certificate."""

import io
import re
from pathlib import Path

import pytest
from django.utils import translation
from pypdf import PdfReader

from certificates import services
from inventory.models import GRADE_SCALE, Computer
from tests.factories.certificates import confirmed_wave

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = re.compile(
    r"comme\s+neu[fv]|[ée]tat\s+neuf|[ée]quivalent\s+(?:à|au)\s+(?:du\s+)?neuf|like\s+new|as\s+new", re.I
)
SOURCES = (
    "accounts",
    "associations",
    "campaigns",
    "certificates",
    "core",
    "demo",
    "donations",
    "impact",
    "inventory",
    "portal",
    "templates",
    "locale",
)


def test_no_forbidden_wording_in_code_templates_or_translations():
    offenders = []
    for top in SOURCES:
        for path in (ROOT / top).rglob("*"):
            if path.suffix not in {".py", ".html", ".txt", ".po"} or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if FORBIDDEN.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_check_finds_the_old_wording():
    assert FORBIDDEN.search("A – comme neuf") and FORBIDDEN.search("A – like new") and FORBIDDEN.search("en état neuf")
    assert not FORBIDDEN.search("A – très bon état") and not FORBIDDEN.search("Disque neuf installé")


@pytest.mark.parametrize(("language", "expected"), [("fr", "très bon état"), ("en", "very good condition")])
def test_grades_read_in_permitted_words_in_both_languages(language, expected):
    with translation.override(language):
        assert expected in str(Computer.Grade.A.label)
        help_text = str(Computer._meta.get_field("grade").help_text)
        assert help_text == str(GRADE_SCALE)
        assert all(letter in help_text for letter in ("A –", "B –", "C –"))


def test_the_admin_unit_page_shows_the_scale(admin_client, db):
    from tests.factories.inventory import ready_computers

    computer = ready_computers(1)[0]
    response = admin_client.get(f"/admin/inventory/computer/{computer.pk}/change/")
    assert response.status_code == 200
    assert "traces d'usage à peine visibles" in response.content.decode()


@pytest.mark.django_db
def test_the_certificate_states_each_grade_and_the_scale():
    wave = confirmed_wave(1, 10)
    handover = wave.allocations.get().handover
    Computer.objects.filter(allocation_links__allocation=handover.allocation).update(grade=Computer.Grade.B)
    pdf = services.build_certificate_pdf(handover_id=handover.pk, signed=False)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert text.count("État B") == 10
    assert "B = bon état" in text and "C = état correct" in text
