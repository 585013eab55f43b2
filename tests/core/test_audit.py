"""The dependency audit's verdict (scripts/audit.py): a vulnerable pin fails, an unreachable service is said."""

import importlib.util
import sys
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("audit", Path(__file__).resolve().parents[2] / "scripts" / "audit.py")
audit = importlib.util.module_from_spec(spec)
sys.modules["audit"] = audit  # dataclasses look their module up
spec.loader.exec_module(audit)

CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
VULNERABLE = {
    "name": "pillow",
    "version": "9.0.0",
    "vulns": [{"id": "PYSEC-2022-10", "fix_versions": ["9.0.1"], "aliases": [], "description": "..."}],
}
SKIPPED = {"name": "celery", "skip_reason": "Dependency not found on PyPI and could not be audited: celery (5.7.0)"}


def test_a_known_vulnerability_fails_and_names_the_fix():
    verdict = audit.judge({"dependencies": [CLEAN, VULNERABLE], "fixes": []})
    assert verdict.exit_code(require_service=False) == 1
    assert "pillow 9.0.0: PYSEC-2022-10 (fixed in 9.0.1)" in verdict.report()


def test_clean_dependencies_pass():
    verdict = audit.judge({"dependencies": [CLEAN], "fixes": []})
    assert verdict.exit_code(require_service=True) == 0
    assert "1 packages audited, no known vulnerability" in verdict.report()


@pytest.mark.parametrize(("require", "code"), [(False, 0), (True, 2)])
def test_an_unreachable_service_is_reported_never_taken_for_clean(require, code):
    verdict = audit.judge({"dependencies": [SKIPPED], "fixes": []})
    assert verdict.exit_code(require_service=require) == code
    assert "NOT AUDITED" in verdict.report()
    assert "no known vulnerability" not in verdict.report()
