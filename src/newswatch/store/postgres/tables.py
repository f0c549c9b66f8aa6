"""The PostgreSQL database's tables, read and written row by row for ``newswatch migrate``.

Rows leave and enter in the neutral form of :mod:`newswatch.store.tables`; inserts skip keys
already present (``ON CONFLICT DO NOTHING``), so an interrupted copy resumes where it
stopped. A version's search vector is computed as the store computes it; once loaded, every
identity sequence is moved past the largest id copied.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Json, Jsonb

from newswatch.store.postgres import search
from newswatch.store.postgres.connection import PgConnection, fetch_all
from newswatch.store.postgres.schema import JSON_AS_WRITTEN
from newswatch.store.tables import TABLES, Row, Table


class PgTables:
    """Table access over one PostgreSQL pool (see module docstring)."""

    def __init__(self, connection: PgConnection) -> None:
        self.connection = connection
        self.shown = connection.shown

    def columns(self, table: Table) -> list[str]:
        rows = self.connection.rows(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s"
            " ORDER BY ordinal_position",
            [table.name],
        )
        return [r["column_name"] for r in rows if r["column_name"] != "search"]

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
        where = f"WHERE ({keys}) > ({', '.join('%s' for _ in table.key)})" if after else ""
        return self.connection.rows(
            f"SELECT {', '.join(columns)} FROM {table.name} {where} ORDER BY {keys} LIMIT %s",
            [*(after or ()), int(limit)],
        )

    def write(self, table: Table, columns: list[str], rows: list[Row]) -> None:
        names = list(columns)
        marks = ["%s"] * len(names)
        if table.name == "versions":
            names.append("search")
            marks.append("to_tsvector('simple', %s)")
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(marks)})"
            " ON CONFLICT DO NOTHING"
        )
        params = []
        for row in rows:
            values = [_stored(table, c, row.get(c)) for c in columns]
            if table.name == "versions":
                values.append(search.document(row["title"], row["paragraphs"]))
            params.append(values)
        with self.connection.transaction() as conn, conn.cursor() as cursor:
            cursor.executemany(sql, params)

    def finish(self) -> None:
        """Move each identity sequence past the largest id now in its table."""
        with self.connection.transaction() as conn:
            for table in TABLES:
                if table.keyed_by_id:
                    fetch_all(
                        conn,
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                        f" coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)",
                    )

    def close(self) -> None:
        self.connection.close()


def _stored(table: Table, column: str, value: Any) -> Any:
    if value is None or column not in table.json:
        return value
    return Json(value) if column in JSON_AS_WRITTEN else Jsonb(value)


def open_tables(url: str) -> PgTables:
    """The tables of the database at ``url``, its schema created and migrated if needed."""
    return PgTables(PgConnection(url))
