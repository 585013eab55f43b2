"""Dependency audit: pip-audit over the project's virtualenv, with a verdict that cannot pass silently.

    .venv/bin/python scripts/audit.py            # run by scripts/test.sh, hence in CI

pip-audit asks PyPI's vulnerability API (``/pypi/<name>/<version>/json``) about every installed
distribution. Exit status:

- 1 when a known vulnerability affects an installed version (each one is listed with its fix);
- 2 when the audit could not be done for some packages and ``AUDIT_REQUIRE_SERVICE=1`` is set;
- 0 otherwise. When the service could not be reached (a sandbox that only reaches the package index,
  as on the development machines of this project), the script says loudly that nothing was audited
  instead of pretending the dependencies are clean.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Verdict:
    audited: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)

    def exit_code(self, *, require_service: bool) -> int:
        if self.vulnerable:
            return 1
        if self.skipped and require_service:
            return 2
        return 0

    def report(self) -> str:
        lines = []
        for line in self.vulnerable:
            lines.append(f"VULNERABLE {line}")
        if self.audited and not self.vulnerable:
            lines.append(f"pip-audit: {len(self.audited)} packages audited, no known vulnerability.")
        if self.skipped:
            head = "NOT AUDITED" if not self.audited else "partly audited"
            lines.append(
                f"pip-audit: {head}: {len(self.skipped)} packages could not be checked "
                f"(vulnerability service unreachable or package unknown), e.g. {', '.join(self.skipped[:5])}."
            )
        return "\n".join(lines)


def judge(pip_audit_json: dict) -> Verdict:
    """Read pip-audit's ``--format json`` output."""
    verdict = Verdict()
    for dep in pip_audit_json.get("dependencies", []):
        name = dep.get("name", "?")
        if dep.get("skip_reason"):
            verdict.skipped.append(name)
            continue
        verdict.audited.append(name)
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            verdict.vulnerable.append(f"{name} {dep.get('version', '?')}: {vuln.get('id', '?')} (fixed in {fixes})")
    return verdict


def main() -> int:
    pip_audit = ROOT / ".venv" / "bin" / "pip-audit"
    result = subprocess.run(
        [str(pip_audit), "--format", "json", "--progress-spinner", "off", "--skip-editable"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout[-2000:], result.stderr[-2000:], sep="\n", file=sys.stderr)
        print("pip-audit did not produce a report", file=sys.stderr)
        return 2
    verdict = judge(data)
    print(verdict.report())
    return verdict.exit_code(require_service=os.environ.get("AUDIT_REQUIRE_SERVICE") == "1")


if __name__ == "__main__":
    sys.exit(main())
