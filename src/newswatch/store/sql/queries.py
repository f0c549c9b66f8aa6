"""The history readers' queries, for both backends: filtered change pages, timelines, export.

Kept apart from the write path. Every list is bounded or paged by key (``changes.id``,
``versions.id``), never by OFFSET over a big table, so a page costs the same with 100
versions or 100,000. Full-text search is not here: SQLite's FTS5 and PostgreSQL's tsvector
differ in more than spelling, so each backend keeps its own (``queries.HistorySearch``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from newswatch.store.records import (
    ChangeFilter,
    ChangeKind,
    ChangePage,
    StoredChange,
    VersionRow,
    VersionStub,
)
from newswatch.store.sql.dialect import Db, Dialect, Row
from newswatch.store.sql.rows import Records

_CHANGE_FROM = """
FROM changes c
JOIN articles a ON a.id = c.article_id
JOIN sources s ON s.id = a.source_id
"""
_CHANGE_COLUMNS = "c.*, s.name AS source_name, a.url AS article_url, a.title AS article_title"

_BATCH = 500


@dataclass(frozen=True)
class HistorySpelling:
    """What the history queries say differently per backend (SQL text, no rule)."""

    #: the condition each change kind filters by (booleans, JSON paths differ)
    kinds: Mapping[ChangeKind, str]
    #: the function counting a JSON array's items
    array_length: str
    #: the version columns a full version row is read from (``v.*`` where nothing is extra)
    version_columns: str


class HistoryQueries:
    """The history views' queries (change pages, timelines, export streams)."""

    def __init__(self, db: Db, dialect: Dialect, spelling: HistorySpelling) -> None:
        self.db = db
        self.d = dialect
        self.spelling = spelling
        self.records = Records(dialect)

    def _rows(self, sql: str, params: list[Any]) -> list[Row]:
        return self.db.rows(self.d.sql(sql), params)

    def _change_where(self, filters: ChangeFilter) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if filters.source is not None:
            where.append("s.name = ?")
            params.append(filters.source)
        if filters.article_id is not None:
            where.append("c.article_id = ?")
            params.append(filters.article_id)
        if filters.severity is not None:
            where.append("c.severity = ?")
            params.append(filters.severity)
        if filters.since is not None:
            where.append("c.detected_at >= ?")
            params.append(self.d.time(filters.since))
        if filters.until is not None:
            where.append("c.detected_at < ?")
            params.append(self.d.time(filters.until))
        where.extend(self.spelling.kinds[kind] for kind in filters.kinds)
        return where, params

    def version_stubs(self, article_id: int) -> list[VersionStub]:
        """The article's versions in order, without their text."""
        d = self.d
        rows = self._rows(
            "SELECT article_id, n, hash, title, published, updated, stamps, language,"
            " first_seen_at, last_seen_at, seen_count,"
            f" {self.spelling.array_length}(paragraphs) AS np"
            " FROM versions WHERE article_id = ? ORDER BY n",
            [article_id],
        )
        return [
            VersionStub(
                article_id=int(row["article_id"]),
                n=int(row["n"]),
                hash=row["hash"],
                title=row["title"],
                published=d.read_time(row["published"]),
                updated=d.read_time(row["updated"]),
                stamps=self.records.stamps(row["stamps"]),
                language=row["language"],
                first_seen_at=d.required_time(row["first_seen_at"]),
                last_seen_at=d.required_time(row["last_seen_at"]),
                seen_count=int(row["seen_count"]),
                paragraphs=int(row["np"] or 0),
            )
            for row in rows
        ]

    def change_page(
        self,
        filters: ChangeFilter,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> ChangePage:
        """Up to ``limit`` changes, newest first: the newest ones, those older than change
        id ``before`` or those just newer than ``after``."""
        limit = max(1, int(limit))
        where, params = self._change_where(filters)
        if after is not None:
            rows = self._change_rows([*where, "c.id > ?"], [*params, after], "ASC", limit + 1)
            more_newer = len(rows) > limit
            rows = list(reversed(rows[:limit]))
            more_older = bool(rows) and self._any_change(where, params, "<", rows[-1]["id"])
        else:
            bound = ["c.id < ?"] if before is not None else []
            extra = [before] if before is not None else []
            rows = self._change_rows([*where, *bound], [*params, *extra], "DESC", limit + 1)
            more_older = len(rows) > limit
            rows = rows[:limit]
            more_newer = bool(rows) and self._any_change(where, params, ">", rows[0]["id"])
        changes = [self.records.change(row) for row in rows]
        return ChangePage(
            changes=changes,
            older=changes[-1].id if changes and more_older else None,
            newer=changes[0].id if changes and more_newer else None,
        )

    def _change_rows(
        self, where: list[str], params: list[Any], order: str, limit: int
    ) -> list[Row]:
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return self._rows(
            f"SELECT {_CHANGE_COLUMNS} {_CHANGE_FROM}{clause} ORDER BY c.id {order} LIMIT ?",
            [*params, limit],
        )

    def _any_change(self, where: list[str], params: list[Any], op: str, key: int) -> bool:
        clause = " AND ".join([*where, f"c.id {op} ?"])
        found = self._rows(f"SELECT 1 AS x {_CHANGE_FROM} WHERE {clause} LIMIT 1", [*params, key])
        return bool(found)

    def change_by_uid(self, uid: str) -> StoredChange | None:
        rows = self._rows(f"SELECT {_CHANGE_COLUMNS} {_CHANGE_FROM} WHERE c.uid = ?", [uid])
        return self.records.change(rows[0]) if rows else None

    def iter_versions(self, source: str | None = None) -> Iterator[VersionRow]:
        """Every version (of one source's articles), in storage order, read in batches."""
        last = 0
        while True:
            where = "v.id > ?" + (" AND s.name = ?" if source is not None else "")
            params: list[Any] = [last, *([source] if source is not None else [])]
            rows = self._rows(
                f"SELECT {self.spelling.version_columns}, s.name AS source_name,"
                " a.url AS article_url, a.canonical_url AS article_canonical FROM versions v"
                " JOIN articles a ON a.id = v.article_id JOIN sources s ON s.id = a.source_id"
                f" WHERE {where} ORDER BY v.id LIMIT ?",
                [*params, _BATCH],
            )
            for row in rows:
                yield VersionRow(
                    row["source_name"],
                    row["article_url"],
                    row["article_canonical"],
                    self.records.version(row),
                )
            if len(rows) < _BATCH:
                return
            last = int(rows[-1]["id"])

    def iter_changes(self, filters: ChangeFilter) -> Iterator[StoredChange]:
        """Every change matching ``filters``, oldest first, read in batches."""
        where, params = self._change_where(filters)
        last = 0
        while True:
            rows = self._change_rows([*where, "c.id > ?"], [*params, last], "ASC", _BATCH)
            yield from (self.records.change(row) for row in rows)
            if len(rows) < _BATCH:
                return
            last = int(rows[-1]["id"])

    def source_names(self) -> list[str]:
        """Every source the database knows (configured now or before), by name."""
        return [row["name"] for row in self.db.rows("SELECT name FROM sources ORDER BY name")]
