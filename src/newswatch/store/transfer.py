"""Copying a whole history from one database into another (``newswatch migrate``).

SQLite to PostgreSQL (moving to several hosts) and back (taking a history home): every table
of :data:`~newswatch.store.tables.TABLES`, in key order, in batches, each batch one
transaction on the target. Keys are kept, so references stay right, and a key already in the
target is skipped: run it again after an interruption and it resumes after the last batch it
wrote. At the end each table is verified: the same number of rows on both sides and the same
SHA-256 over their contents (in the neutral form, so a timestamp read from ISO text and one
read from ``timestamptz`` hash alike). Stop the daemons writing to the source first; the
target should be empty or an earlier, interrupted copy of the same source.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

from newswatch.errors import StoreError
from newswatch.store.backends import split_url
from newswatch.store.tables import TABLES, Row, Table

#: URL scheme -> ``module:function`` opening its tables (as :data:`backends.BACKENDS`)
TABLE_BACKENDS: dict[str, str] = {
    "sqlite": "newswatch.store.sqlite.tables:open_tables",
    "postgresql": "newswatch.store.postgres.tables:open_tables",
    "postgres": "newswatch.store.postgres.tables:open_tables",
}


class TableIO(Protocol):
    """What each backend offers the copy: its tables, row by row, in the neutral form."""

    shown: str

    def columns(self, table: Table) -> list[str]: ...

    def count(self, table: Table) -> int: ...

    def last_key(self, table: Table) -> tuple[Any, ...] | None: ...

    def read(
        self, table: Table, columns: list[str], after: tuple[Any, ...] | None, limit: int
    ) -> list[Row]: ...

    def write(self, table: Table, columns: list[str], rows: list[Row]) -> None: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TableReport:
    """One table after the copy: rows on each side, rows this run wrote, both digests."""

    name: str
    source_rows: int
    target_rows: int
    copied: int
    source_digest: str
    target_digest: str
    not_copied: tuple[str, ...] = ()  # source columns the target has no place for

    @property
    def ok(self) -> bool:
        return (
            self.source_rows == self.target_rows
            and self.source_digest == self.target_digest
            and not self.not_copied
        )


@dataclass(frozen=True, slots=True)
class TransferReport:
    source: str
    target: str
    tables: tuple[TableReport, ...]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)


def open_tables(url: str | Path, *, must_exist: bool) -> TableIO:
    """The tables at ``url`` (a path or a database URL); created and migrated if needed,
    except that a SQLite file that ``must_exist`` is never created."""
    scheme, rest = split_url(url)
    target = TABLE_BACKENDS.get(scheme)
    if target is None:
        raise StoreError(f"no store backend for {scheme}:// URLs")
    if must_exist and scheme == "sqlite" and not Path(rest).is_file():
        raise StoreError(f"{rest}: no database here to copy")
    module_name, _, function = target.partition(":")
    opener = cast(Callable[[str], TableIO], getattr(importlib.import_module(module_name), function))
    return opener(rest)


def _same(one: str | Path, other: str | Path) -> bool:
    (scheme, a), (scheme_b, b) = split_url(one), split_url(other)
    if scheme == scheme_b == "sqlite":
        return Path(a).resolve() == Path(b).resolve()
    return str(one) == str(other)


def _digest(io: TableIO, table: Table, columns: list[str], batch: int) -> str:
    digest = hashlib.sha256()
    after: tuple[Any, ...] | None = None
    while rows := io.read(table, columns, after, batch):
        for row in rows:
            values = [_neutral(row.get(c)) for c in columns]
            digest.update(json.dumps(values, ensure_ascii=False, sort_keys=True).encode())
            digest.update(b"\n")
        after = tuple(rows[-1][k] for k in table.key)
    return digest.hexdigest()


def _neutral(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):  # capture bodies: hashed as hex
        return bytes(value).hex()
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value


def copy_history(
    source_url: str | Path,
    target_url: str | Path,
    *,
    batch: int = 500,
    progress: Callable[[str, int], None] | None = None,
) -> TransferReport:
    """Copy every table from ``source_url`` into ``target_url``, then verify both sides
    (see the module docstring); ``progress(table, rows_so_far)`` is told after each batch."""
    if _same(source_url, target_url):
        raise StoreError("the source and the target are the same database")
    source = open_tables(source_url, must_exist=True)
    try:
        target = open_tables(target_url, must_exist=False)
    except BaseException:
        source.close()
        raise
    try:
        reports = []
        for table in TABLES:
            target_columns = set(target.columns(table))
            source_columns = source.columns(table)
            columns = [c for c in source_columns if c in target_columns]
            after = target.last_key(table) if table.keyed_by_id else None
            copied = 0
            while rows := source.read(table, columns, after, batch):
                target.write(table, columns, rows)
                copied += len(rows)
                after = tuple(rows[-1][k] for k in table.key)
                if progress is not None:
                    progress(table.name, copied)
            reports.append((table, columns, copied, source_columns, target_columns))
        target.finish()
        return TransferReport(
            source=source.shown,
            target=target.shown,
            tables=tuple(
                TableReport(
                    name=table.name,
                    source_rows=source.count(table),
                    target_rows=target.count(table),
                    copied=copied,
                    source_digest=_digest(source, table, columns, batch),
                    target_digest=_digest(target, table, columns, batch),
                    not_copied=tuple(c for c in source_cols if c not in target_cols),
                )
                for table, columns, copied, source_cols, target_cols in reports
            ),
        )
    finally:
        source.close()
        target.close()
