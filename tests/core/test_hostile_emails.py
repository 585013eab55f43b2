"""Every email template, rendered with hostile values in every variable: no tag from a value in the HTML part."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

from core.emails import render_email

HOSTILE = [
    '<a href="https://evil.example/phish">Cliquez ici</a>',
    '<img src="https://evil.example/track.gif">',
    '"><script>alert(1)</script>',
    "<svg onload=alert(1)>",
]
# The only tags of templates/emails/base.html: whatever else appears came from a value.
LAYOUT_TAGS = {"html", "head", "meta", "title", "body", "div", "p", "br"}
VARIABLE = re.compile(r"{{\s*([a-zA-Z_][\w.]*)|{%\s*(?:if|elif)\s+(?:not\s+)?([a-zA-Z_]\w*)")
# The counter of a plural (« {% blocktranslate count units=units %} »): a number, as the services give it.
COUNTER = re.compile(r"{%\s*blocktranslate\b[^%]*?\bcount\s+\w+=([a-zA-Z_]\w*)")


def _email_template_dirs() -> list[Path]:
    """Every ``emails`` folder of the project's templates (project dirs and the project's own apps)."""
    base = Path(settings.BASE_DIR)
    roots = [Path(d) for engine in engines.all() for d in getattr(engine, "template_dirs", ())]
    found = {p for root in roots if root.is_dir() for p in root.rglob("emails") if p.is_dir()}
    return sorted(p for p in found if base in p.parents and ".venv" not in p.parts)


def _templates() -> list[tuple[str, Path]]:
    names = []
    for folder in _email_template_dirs():
        for body in sorted(folder.glob("*_body.txt")):
            names.append((body.name.removesuffix("_body.txt"), folder))
    return names


def _variables(folder: Path, name: str) -> set[str]:
    text = (folder / f"{name}_body.txt").read_text() + (folder / f"{name}_subject.txt").read_text()
    return {(a or b).split(".")[0] for a, b in VARIABLE.findall(text)} - {"site_url"}


def _counters(folder: Path, name: str) -> set[str]:
    text = (folder / f"{name}_body.txt").read_text() + (folder / f"{name}_subject.txt").read_text()
    return set(COUNTER.findall(text))


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _value in attrs]


def test_every_email_template_is_discovered():
    names = [name for name, _folder in _templates()]
    # A new template in templates/emails/ is covered without touching this test.
    assert len(names) == len(list((Path(settings.BASE_DIR) / "templates" / "emails").glob("*_body.txt")))
    assert {"allocation_slot_requested", "application_info_requested", "handover_signed"} <= set(names)


@pytest.mark.parametrize(("name", "folder"), _templates(), ids=[n for n, _f in _templates()])
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("hostile", HOSTILE, ids=["link", "image", "script", "svg"])
def test_hostile_values_never_become_tags_in_the_html_part(name, folder, language, hostile):
    variables = _variables(folder, name)
    assert variables, name
    counters = _counters(folder, name)
    context = {variable: 2 if variable in counters else f"{variable} {hostile}" for variable in variables}
    subject, text, html = render_email(name, context, language)

    parser = _Tags()
    parser.feed(html)
    assert set(parser.tags) <= LAYOUT_TAGS, (name, set(parser.tags) - LAYOUT_TAGS)
    assert not {"href", "src", "onload", "onerror"} & set(parser.attributes)
    assert "<script" not in html.lower() and "<a " not in html and "<img" not in html
    # The escaped value is shown as text in the HTML part, as typed.
    assert hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")[:10] in html.replace(
        "&quot;", '"'
    ).replace("&#x27;", "'")
    # The text part stays plain, readable text: the value as typed, not HTML entities.
    assert hostile in text and "&lt;" not in text and "&amp;" not in text
    assert "&lt;" not in subject
