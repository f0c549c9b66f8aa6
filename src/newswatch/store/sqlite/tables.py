"""The SQLite file's tables, read and written row by row for ``newswatch migrate``.

Rows leave and enter in the neutral form of :mod:`newswatch.store.tables`; inserts skip keys
already present (``INSERT OR IGNORE``), so an interrupted copy resumes where it stopped.
Versions inserted here are indexed for search by the file's own triggers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newswatch.models import iso, parse_iso
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.tables import Row, Table


class SqliteTables:
    """Table access over one SQLite connection (see module docstring)."""

    def __init__(self, connection: SqliteConnection) -> None:
        self.connection = connection
        self.shown = str(connection.path)

    def columns(self, table: Table) -> list[str]:
        return [r["name"] for r in self.connection.rows(f"PRAGMA table_info({table.name})")]

    def count(self, table: Table) -> int:
        row = self.connection.row(f"SELECT count(*) AS n FROM {table.name}")
        return int(row["n"]) if row else 0

    def last_key(self, table: Table) -> tuple[Any, ...] | None:
        keys = ", ".join(table.key)
        order = ", ".join(f"{k} DESC" for k in table.key)
        row = self.connection.row(f"SELECT {keys} FROM {table.name} ORDER BY {order} LIMIT 1")
        return tuple(row[k] for k in table.key) if row else None

    def read(
        self, table: Table, columns: list[str], after: tuple[Any, ...] | None, limit: int
    ) -> list[Row]:
        keys = ", ".join(table.key)
        where = f"WHERE ({keys}) > ({', '.join('?' for _ in table.key)})" if after else ""
        rows = self.connection.rows(
            f"SELECT {', '.join(columns)} FROM {table.name} {where} ORDER BY {keys} LIMIT ?",
            [*(after or ()), int(limit)],
        )
        for row in rows:
            for column in table.times & row.keys():
                row[column] = parse_iso(row[column])
            for column in table.json & row.keys():
                row[column] = None if row[column] is None else json.loads(row[column])
            for column in table.flags & row.keys():
                row[column] = None if row[column] is None else bool(row[column])
        return rows

    def write(self, table: Table, columns: list[str], rows: list[Row]) -> None:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT OR IGNORE INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
        with self.connection.transaction() as db:
            for row in rows:
                db.execute(sql, [_stored(table, c, row.get(c)) for c in columns])

    def finish(self) -> None:
        """Nothing to do: SQLite's row ids follow the largest one present."""

    def close(self) -> None:
        self.connection.close()


def _stored(table: Table, column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in table.times:
        return iso(value)
    if column in table.json:
        return json.dumps(value, ensure_ascii=False)
    if column in table.flags:
        return int(bool(value))
    return value


def open_tables(path: str) -> SqliteTables:
    """The tables of the SQLite file at ``path``, created and migrated if needed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return SqliteTables(SqliteConnection.open(target))
