"""Templates compare statuses by their code (a template cannot name ``Model.Status.X``): every code they spell
must be one that a transitions table knows, so that a renamed or misspelt status fails here, not on a page."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

from core.transitions import Transitions

COMPARISON = re.compile(r"\b(status|state|appointment_status)\s*(?:==|!=)\s*['\"]([a-z_]+)['\"]")


def _known_codes() -> dict[str, set[str]]:
    known: dict[str, set[str]] = {}
    for model in apps.get_models():
        for value in vars(model).values():
            if isinstance(value, Transitions):
                known.setdefault(value.field, set()).update(value)
    return known


def test_every_status_a_template_compares_is_a_known_status():
    known = _known_codes()
    found = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for field, code in COMPARISON.findall(template.read_text()):
            found.append((template.name, field, code))
    assert len(found) >= 10  # the pattern still finds the comparisons the templates make
    unknown = [(name, field, code) for name, field, code in found if code not in known[field]]
    assert not unknown, unknown
