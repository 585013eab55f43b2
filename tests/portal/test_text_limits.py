"""Typing limits are announced before they bite, and a text too long is refused with a French error, never cut.

Every free-text field of the association's pages says its limit in its help and carries ``data-maxlength`` for
the live counter (static/js/char_count.js), not ``maxlength``: with it, the browser cuts a pasted text without a
word. File sizes read "Mo", never Django's French "Mio".
"""

import datetime
import pathlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from associations.models import Message
from core.sizes import file_size
from tests.factories.associations import ApplicationFactory, member_of
from tests.factories.impact import handed_over_wave, impact_reports_for

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _french(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _field(page: str, name: str) -> str:
    """The opening tag of the form control named ``name``."""
    match = re.search(rf'<(?:textarea|input)\b[^>]*\bname="{name}"[^>]*>', page)
    assert match, f"no field {name}"
    return match.group(0)


def _assert_announced(page: str, name: str, limit: int) -> None:
    tag = _field(page, name)
    assert f'data-maxlength="{limit}"' in tag, tag
    assert not re.search(r"\smaxlength=", tag), f"the browser would cut {name} silently: {tag}"
    assert "data-count-left-other=" in tag and "{n}" in tag
    assert f"{_french(limit)} caractères au plus." in page, f"the help of {name} does not say {limit}"


@pytest.fixture
def asked(member):
    return ApplicationFactory(association=member.memberships.get().association, status="info_requested")


def test_association_form_announces_every_limit(client, member):
    client.force_login(member)
    page = client.get(reverse("associations:association_create")).content.decode()
    for name, limit in [("legal_name", 200), ("address", 250), ("city", 120), ("description", 2000)]:
        _assert_announced(page, name, limit)
    # A code with a format of its own (its help gives it) has no counter, and is not cut either.
    assert not re.search(r"\smaxlength=", _field(page, "postal_code"))


def test_application_form_announces_its_limits(client, member, campaign):
    client.force_login(member)
    page = client.get(reverse("associations:application_create", args=[campaign.slug])).content.decode()
    _assert_announced(page, "project", 3000)
    _assert_announced(page, "premises_details", 1000)
    assert "Fichier PDF, 5 Mo au plus." in page


def test_message_form_announces_its_limit(client, member, asked):
    client.force_login(member)
    page = client.get(asked.get_absolute_url()).content.decode()
    _assert_announced(page, "body", 5000)
    assert "js/char_count.js" in page


def test_a_message_too_long_is_refused_in_french_and_kept_whole(client, member, asked):
    client.force_login(member)
    body = "d" * 5001
    response = client.post(reverse("associations:application_answer", args=[asked.pk]), {"body": body})
    assert response.status_code == 400
    assert response.context["answer_form"].errors["body"] == [
        "Ce texte fait 5001 caractères, pour 5000 au plus : raccourcissez-le."
    ]
    assert not Message.objects.filter(application=asked).exists()
    page = response.content.decode()
    assert body in page, "the text typed comes back whole, to be shortened"
    response = client.post(reverse("associations:application_answer", args=[asked.pk]), {"body": "d" * 5000})
    assert response.status_code == 302 and Message.objects.get(application=asked).body == "d" * 5000


def test_slot_request_and_report_comment_announce_their_limits(client, db):
    wave = handed_over_wave(1, 10, on=datetime.date(2026, 1, 10))
    report = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))[0]
    user = member_of(report.association, email="limites@asso.example.org")
    client.force_login(user)
    page = client.get(report.get_absolute_url()).content.decode()
    _assert_announced(page, "comment", 4000)

    from portal.forms import SlotRequestForm

    with translation.override("fr"):
        form = SlotRequestForm()
        _assert_announced(str(form["message"]) + str(form["message"].help_text), "message", 1000)
        refused = SlotRequestForm({"message": "e" * 1001})
        assert refused.errors["message"] == ["Ce texte fait 1001 caractères, pour 1000 au plus : raccourcissez-le."]


def test_the_counter_speaks_english_on_english_pages(client, member, asked):
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    tag = _field(client.get(asked.get_absolute_url()).content.decode(), "body")
    assert 'data-count-left-other="You have {n} characters left."' in tag
    assert 'data-count-over-one="{n} character too many: shorten the text."' in tag


@pytest.mark.parametrize(
    ("size", "french", "english"),
    [
        (5 * 1024 * 1024, "5 Mo", "5 MB"),
        (int(6.5 * 1024 * 1024), "6,5 Mo", "6.5 MB"),
        (600 * 1024, "600 Ko", "600 kB"),
    ],
)
def test_file_sizes_read_mo(size, french, english):
    with translation.override("fr"):
        assert file_size(size) == french
    with translation.override("en"):
        assert file_size(size) == english


def test_a_document_too_large_is_refused_in_mo(client, member, campaign, settings):
    settings.MAX_DOCUMENT_SIZE = 1024 * 1024
    from django.core.exceptions import ValidationError

    from associations.documents import validate_pdf_document

    upload = SimpleUploadedFile("gros.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024), content_type="application/pdf")
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        validate_pdf_document(upload)
    assert error.value.messages == ["Ce fichier pèse 2 Mo ; la limite est de 1 Mo."]


def test_no_binary_unit_is_shown_anywhere():
    """Templates, Python code and translations say Mo and Ko: never Mio, Kio, MiB or KiB."""
    pattern = re.compile(r"\b(Mio|Kio|MiB|KiB)\b")
    found = []
    for folder in ["templates", "locale", "accounts", "associations", "campaigns", "certificates", "core"]:
        found += _scan(ROOT / folder, pattern)
    for folder in ["donations", "impact", "inventory", "portal", "demo", "config", "static/js", "bench"]:
        found += _scan(ROOT / folder, pattern)
    assert not found, found


def _scan(folder: pathlib.Path, pattern: re.Pattern) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.suffix in (".py", ".html", ".txt", ".po", ".js") and path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return hits
