"""The history readers' queries on PostgreSQL: change pages, timelines, search, export.

Paged by key (``changes.id``, ``versions.id``) as on the SQLite side; search runs on each
version's ``tsvector`` (see :mod:`newswatch.store.postgres.search`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from newswatch.store.postgres import search
from newswatch.store.postgres.connection import PgConnection, Row, aware, required, utc
from newswatch.store.postgres.rows import VERSION_COLUMNS, change_record, stamps, version_record
from newswatch.store.records import (
    ChangeFilter,
    ChangeKind,
    ChangePage,
    SearchHit,
    StoredChange,
    VersionRow,
    VersionStub,
)

_CHANGE_FROM = """
FROM changes c
JOIN articles a ON a.id = c.article_id
JOIN sources s ON s.id = a.source_id
"""
_CHANGE_COLUMNS = "c.*, s.name AS source_name, a.url AS article_url, a.title AS article_title"

_KIND_SQL: dict[ChangeKind, str] = {
    "title": "c.title_changed",
    "paragraphs-added": "c.paragraphs_added > 0",
    "paragraphs-removed": "c.paragraphs_removed > 0",
    "paragraphs-modified": "c.paragraphs_modified > 0",
    "stamped": "c.new_updated_stamp IS NOT NULL",
    "silent": "c.silent",
    "correction": "coalesce(json_typeof(c.record_json -> 'correction'), 'null') <> 'null'",
    "removed": "c.kind = 'removed'",
    "restored": "c.kind = 'restored'",
}

_BATCH = 500


def _change_where(filters: ChangeFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if filters.source is not None:
        where.append("s.name = %s")
        params.append(filters.source)
    if filters.article_id is not None:
        where.append("c.article_id = %s")
        params.append(filters.article_id)
    if filters.severity is not None:
        where.append("c.severity = %s")
        params.append(filters.severity)
    if filters.since is not None:
        where.append("c.detected_at >= %s")
        params.append(aware(filters.since))
    if filters.until is not None:
        where.append("c.detected_at < %s")
        params.append(aware(filters.until))
    where.extend(_KIND_SQL[kind] for kind in filters.kinds)
    return where, params


class HistoryQueries:
    """The paged and filtered history views (see the SQLite side's ``queries``)."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def version_stubs(self, article_id: int) -> list[VersionStub]:
        rows = self.db.rows(
            "SELECT article_id, n, hash, title, published, updated, stamps, language,"
            " first_seen_at, last_seen_at, seen_count, jsonb_array_length(paragraphs) AS np"
            " FROM versions WHERE article_id = %s ORDER BY n",
            [article_id],
        )
        return [
            VersionStub(
                article_id=int(row["article_id"]),
                n=int(row["n"]),
                hash=row["hash"],
                title=row["title"],
                published=utc(row["published"]),
                updated=utc(row["updated"]),
                stamps=stamps(row["stamps"]),
                language=row["language"],
                first_seen_at=required(row["first_seen_at"]),
                last_seen_at=required(row["last_seen_at"]),
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
        limit = max(1, int(limit))
        where, params = _change_where(filters)
        if after is not None:
            rows = self._change_rows([*where, "c.id > %s"], [*params, after], "ASC", limit + 1)
            more_newer = len(rows) > limit
            rows = list(reversed(rows[:limit]))
            more_older = bool(rows) and self._any_change(where, params, "<", rows[-1]["id"])
        else:
            bound = ["c.id < %s"] if before is not None else []
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
        return self.db.rows(
            f"SELECT {_CHANGE_COLUMNS} {_CHANGE_FROM}{clause} ORDER BY c.id {order} LIMIT %s",
            [*params, limit],
        )

    def _any_change(self, where: list[str], params: list[Any], op: str, key: int) -> bool:
        clause = " AND ".join([*where, f"c.id {op} %s"])
        found = self.db.rows(f"SELECT 1 AS x {_CHANGE_FROM} WHERE {clause} LIMIT 1", [*params, key])
        return bool(found)

    def change_by_uid(self, uid: str) -> StoredChange | None:
        rows = self.db.rows(f"SELECT {_CHANGE_COLUMNS} {_CHANGE_FROM} WHERE c.uid = %s", [uid])
        return change_record(rows[0]) if rows else None

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Articles whose versions match ``query``, the one with the newest match first."""
        parsed = search.Query.parse(query)
        if parsed.empty:
            return []
        match, terms = parsed.sql()
        groups = self.db.rows(
            "SELECT v.article_id, min(v.n) AS first_n, max(v.n) AS last_n,"
            " count(*) AS matching, max(v.id) AS last_id"
            f" FROM versions v WHERE v.search @@ {match} GROUP BY v.article_id"
            " ORDER BY last_id DESC LIMIT %s OFFSET %s",
            [*terms, max(1, int(limit)), max(0, int(offset))],
        )
        hits: list[SearchHit] = []
        for group in groups:
            row = self.db.row(
                "SELECT v.title, v.paragraphs, v.language, v.first_seen_at, a.url,"
                " s.name AS source,"
                " (SELECT count(*) FROM versions w WHERE w.article_id = v.article_id) AS total"
                " FROM versions v JOIN articles a ON a.id = v.article_id"
                " JOIN sources s ON s.id = a.source_id WHERE v.id = %s",
                [group["last_id"]],
            )
            if row is None:
                continue
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
                    seen_at=required(row["first_seen_at"]),
                    snippet=search.snippet(parsed, row["title"], list(row["paragraphs"])),
                )
            )
        return hits

    def iter_versions(self, source: str | None = None) -> Iterator[VersionRow]:
        last = 0
        while True:
            where = "v.id > %s" + (" AND s.name = %s" if source is not None else "")
            params: list[Any] = [last, *([source] if source is not None else [])]
            rows = self.db.rows(
                f"SELECT {VERSION_COLUMNS}, s.name AS source_name, a.url AS article_url,"
                " a.canonical_url AS article_canonical FROM versions v"
                " JOIN articles a ON a.id = v.article_id JOIN sources s ON s.id = a.source_id"
                f" WHERE {where} ORDER BY v.id LIMIT %s",
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
        where, params = _change_where(filters)
        last = 0
        while True:
            rows = self._change_rows([*where, "c.id > %s"], [*params, last], "ASC", _BATCH)
            yield from (change_record(row) for row in rows)
            if len(rows) < _BATCH:
                return
            last = int(rows[-1]["id"])

    def source_names(self) -> list[str]:
        return [row["name"] for row in self.db.rows("SELECT name FROM sources ORDER BY name")]
