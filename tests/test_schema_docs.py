"""docs/schema.md and the shipped Datasette metadata describe the real schema: every table,
every column, nothing that is not there."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from newswatch.store import open_store

DOCS = Path(__file__).resolve().parent.parent / "docs"


def real_schema(tmp_path: Path) -> dict[str, set[str]]:
    path = tmp_path / "fresh.db"
    open_store(path).close()
    db = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith(("sqlite_", "versions_fts_"))  # FTS5's own storage
        ]
        return {n: {row[1] for row in db.execute(f'PRAGMA table_info("{n}")')} for n in names}
    finally:
        db.close()


def documented() -> dict[str, set[str]]:
    sys.path.insert(0, str(DOCS))
    try:
        from datasette_metadata import tables  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(DOCS))
    found = tables((DOCS / "schema.md").read_text(encoding="utf-8"))
    return {name: set(table["columns"]) for name, table in found.items()}


def test_schema_md_documents_every_table_and_column(tmp_path: Path) -> None:
    real, docs = real_schema(tmp_path), documented()
    assert sorted(real) == sorted(docs), "tables: add a '### `name`' section to docs/schema.md"
    for table, columns in real.items():
        assert columns - docs[table] == set(), f"{table}: undocumented columns"
        assert docs[table] - columns == set(), f"{table}: documented columns that do not exist"
    for needed in ("events", "article_sources", "quarantine", "discovery_validators"):
        assert needed in docs


def test_datasette_metadata_matches_the_schema(tmp_path: Path) -> None:
    check = subprocess.run(
        [sys.executable, str(DOCS / "datasette_metadata.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
    metadata = json.loads((DOCS / "datasette-metadata.json").read_text(encoding="utf-8"))
    tables = metadata["databases"]["newswatch"]["tables"]
    real = real_schema(tmp_path)
    assert {name: set(t["columns"]) for name, t in tables.items()} == real
    assert all(t["description"] and all(t["columns"].values()) for t in tables.values())
