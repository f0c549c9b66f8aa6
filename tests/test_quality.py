"""The code stays typed and lint-clean: mypy --strict on src/ and ruff on everything."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_clean() -> None:
    result = run("ruff", "check", "src", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_clean() -> None:
    result = run("mypy", "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_named_modules_speak_their_library() -> None:
    """One module (or package) per outside library: httpx, selectolax, sqlite-utils,
    psycopg (the PostgreSQL backend's package only)."""
    owners = {
        "httpx": {"fetch"},
        "selectolax": {"extract"},
        "sqlite_utils": {"store"},
        "feedparser": {"discover"},
        "defusedxml": {"discover"},
        "prometheus_client": {"metrics.py"},
        "psycopg": {"store/postgres"},
        "psycopg_pool": {"store/postgres"},
    }
    src = ROOT / "src" / "newswatch"
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(src)
        for library, allowed in owners.items():
            if re.search(rf"^\s*(import|from) {library}\b", text, re.M):
                where = rel.as_posix()
                assert any(where == a or where.startswith(a + "/") for a in allowed), (
                    f"{rel} imports {library}"
                )
