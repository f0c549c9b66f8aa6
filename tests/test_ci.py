"""CI runs what the README says: the test command in README.md is the one `.ci/run` runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = re.findall(r"^ {4}(python3 -m venv .*pytest.*)$", readme, re.MULTILINE)
    assert len(documented) == 1, documented
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert documented[0] in ci
