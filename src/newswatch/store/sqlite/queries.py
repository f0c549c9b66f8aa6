"""The history readers' queries: filtered change pages, timelines, full-text search, export.

One part of the SQLite store, over its one connection (the writable store and the
read-only reader both hold one), kept apart from the write path. Every list is bounded or
paged by key (``changes.id``, ``versions.id``), never by OFFSET over a big table, so a page
costs the same with 100 versions or 100,000; the one OFFSET left is over the (small) list
of articles a search matched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from newswatch.models import Stamp, parse_iso
from newswatch.normalize import comparable
from newswatch.store.records import (
    MARK_END,
    MARK_START,
    ArticleRecord,
    ChangeFilter,
    ChangeKind,
    ChangePage,
    SearchHit,
    StoredChange,
    VersionRow,
    VersionStub,
)
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.readers import Readers
from newswatch.store.sqlite.rows import Row, change_record, required_time, ts, version_record

_CHANGE_FROM = """
FROM changes c
JOIN articles a ON a.id = c.article_id
JOIN sources s ON s.id = a.source_id
"""
_CHANGE_COLUMNS = "c.*, s.name AS source_name, a.url AS article_url, a.title AS article_title"

_KIND_SQL: dict[ChangeKind, str] = {
    "title": "c.title_changed = 1",
    "paragraphs-added": "c.paragraphs_added > 0",
    "paragraphs-removed": "c.paragraphs_removed > 0",
    "paragraphs-modified": "c.paragraphs_modified > 0",
    "stamped": "c.new_updated_stamp IS NOT NULL",
    "silent": "c.silent = 1",
    "correction": "json_extract(c.record_json, '$.correction') IS NOT NULL",
    "removed": "c.kind = 'removed'",
    "restored": "c.kind = 'restored'",
}

_BATCH = 500


def _change_where(filters: ChangeFilter) -> tuple[list[str], list[Any]]:
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
        params.append(ts(filters.since))
    if filters.until is not None:
        where.append("c.detected_at < ?")
        params.append(ts(filters.until))
    where.extend(_KIND_SQL[kind] for kind in filters.kinds)
    return where, params


def fts_query(text: str) -> str | None:
    """A user's search text as an FTS5 query that cannot be a syntax error.

    Every word is quoted (so ``AND``, ``*``, ``:`` or a stray quote are just words) and all
    words must occur; text inside double quotes must occur as that phrase. Folded like the
    comparison key (tatweel, harakat, invisible controls), as the index is. None when the
    text holds no word.
    """
    parts: list[str] = []
    for i, chunk in enumerate(comparable(text).split('"')):
        words = [w.replace('"', "") for w in chunk.split()]
        words = [w for w in words if w]
        if not words:
            continue
        if i % 2:  # inside quotes: one phrase
            parts.append('"' + " ".join(words) + '"')
        else:
            parts.extend(f'"{w}"' for w in words)
    return " ".join(parts) or None


class HistoryQueries:
    """The history views' queries (change pages, timelines, search, export streams)."""

    def __init__(self, c: SqliteConnection, readers: Readers) -> None:
        self._c = c
        self._readers = readers

    def article(self, article_id: int) -> ArticleRecord | None:
        rows = self._readers.article_rows("a.id = ?", [article_id])
        return rows[0] if rows else None

    def version_stubs(self, article_id: int) -> list[VersionStub]:
        """The article's versions in order, without their text."""
        rows = self._c.rows(
            "SELECT article_id, n, hash, title, published, updated, stamps, language,"
            " first_seen_at, last_seen_at, seen_count, json_array_length(paragraphs) AS np"
            " FROM versions WHERE article_id = ? ORDER BY n",
            [article_id],
        )
        return [
            VersionStub(
                article_id=int(row["article_id"]),
                n=int(row["n"]),
                hash=row["hash"],
                title=row["title"],
                published=parse_iso(row["published"]),
                updated=parse_iso(row["updated"]),
                stamps=[Stamp.from_dict(s) for s in json.loads(row["stamps"] or "[]")],
                language=row["language"],
                first_seen_at=required_time(row["first_seen_at"]),
                last_seen_at=required_time(row["last_seen_at"]),
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
        where, params = _change_where(filters)
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
        changes = [change_record(row) for row in rows]
        return ChangePage(
            changes=changes,
            older=changes[-1].id if changes and more_older else None,
            newer=changes[0].id if changes and more_newer else None,
        )

    def _change_rows(
        self, where: list[str], params: list[Any], order: str, limit: int
    ) -> list[Row]:
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return self._c.rows(
            f"SELECT {_CHANGE_COLUMNS} {_CHANGE_FROM}{clause} ORDER BY c.id {order} LIMIT ?",
            [*params, limit],
        )

    def _any_change(self, where: list[str], params: list[Any], op: str, key: int) -> bool:
        clause = " AND ".join([*where, f"c.id {op} ?"])
        found = self._c.rows(f"SELECT 1 AS x {_CHANGE_FROM} WHERE {clause} LIMIT 1", [*params, key])
        return bool(found)

    def change_by_uid(self, uid: str) -> StoredChange | None:
        rows = self._c.rows(f"SELECT {_CHANGE_COLUMNS} {_CHANGE_FROM} WHERE c.uid = ?", [uid])
        return change_record(rows[0]) if rows else None

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Articles whose versions match ``query`` (see :func:`fts_query`), the article with
        the most recently stored match first."""
        match = fts_query(query)
        if match is None:
            return []
        groups = self._c.rows(
            "SELECT v.article_id, min(v.n) AS first_n, max(v.n) AS last_n,"
            " count(*) AS matching, max(v.id) AS last_id"
            " FROM versions_fts f JOIN versions v ON v.id = f.rowid"
            " WHERE versions_fts MATCH ? GROUP BY v.article_id"
            " ORDER BY last_id DESC LIMIT ? OFFSET ?",
            [match, max(1, int(limit)), max(0, int(offset))],
        )
        hits: list[SearchHit] = []
        for group in groups:
            rows = self._c.rows(
                "SELECT v.title, v.language, v.first_seen_at, a.url, s.name AS source,"
                " (SELECT count(*) FROM versions w WHERE w.article_id = v.article_id) AS total,"
                f" snippet(versions_fts, -1, '{MARK_START}', '{MARK_END}', '…', 32) AS snip"
                " FROM versions_fts f JOIN versions v ON v.id = f.rowid"
                " JOIN articles a ON a.id = v.article_id JOIN sources s ON s.id = a.source_id"
                " WHERE versions_fts MATCH ? AND f.rowid = ?",
                [match, group["last_id"]],
            )
            if not rows:
                continue
            row = rows[0]
            hits.append(
                SearchHit(
                    article_id=int(group["article_id"]),
                    source=row["source"],
                    url=row["url"],
                    title=row["title"],
                    language=row["language"],
                    first_n=int(group["first_n"]),
                    last_n=int(group["last_n"]),
                    matching=int(group["matching"]),
                    versions=int(row["total"]),
                    seen_at=required_time(row["first_seen_at"]),
                    snippet=row["snip"] or "",
                )
            )
        return hits

    def iter_versions(self, source: str | None = None) -> Iterator[VersionRow]:
        """Every version (of one source's articles), in storage order, read in batches."""
        last = 0
        while True:
            where = "v.id > ?" + (" AND s.name = ?" if source is not None else "")
            params: list[Any] = [last, *([source] if source is not None else [])]
            rows = self._c.rows(
                "SELECT v.*, s.name AS source_name, a.url AS article_url,"
                " a.canonical_url AS article_canonical FROM versions v"
                " JOIN articles a ON a.id = v.article_id JOIN sources s ON s.id = a.source_id"
                f" WHERE {where} ORDER BY v.id LIMIT ?",
                [*params, _BATCH],
            )
            for row in rows:
                yield VersionRow(
                    row["source_name"],
                    row["article_url"],
                    row["article_canonical"],
                    version_record(row),
                )
            if len(rows) < _BATCH:
                return
            last = int(rows[-1]["id"])

    def iter_changes(self, filters: ChangeFilter) -> Iterator[StoredChange]:
        """Every change matching ``filters``, oldest first, read in batches."""
        where, params = _change_where(filters)
        last = 0
        while True:
            rows = self._change_rows([*where, "c.id > ?"], [*params, last], "ASC", _BATCH)
            yield from (change_record(row) for row in rows)
            if len(rows) < _BATCH:
                return
            last = int(rows[-1]["id"])

    def source_names(self) -> list[str]:
        """Every source the database knows (configured now or before), by name."""
        return [row["name"] for row in self._c.rows("SELECT name FROM sources ORDER BY name")]
