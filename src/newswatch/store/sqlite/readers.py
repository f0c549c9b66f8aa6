"""The store's record readers: articles, versions, changes, events, fetches, quarantine.

The paged and filtered history views are in :mod:`newswatch.store.queries`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from newswatch.models import parse_iso
from newswatch.store.records import (
    ArticleRecord,
    ArticleState,
    Quarantined,
    StoredChange,
    StoredEvent,
    StoredVersion,
)
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.rows import (
    CHANGE_SELECT,
    EVENT_SELECT,
    change_record,
    event_record,
    required_time,
    version_record,
)
from newswatch.store.variants import url_variants

#: the rest of a versions query picking an article's current version (two ``?``: the
#: article id twice): the ``to_n`` of its latest change, else its highest ``n``
CURRENT_VERSION = (
    "WHERE article_id = ? ORDER BY n = "
    "(SELECT to_n FROM changes WHERE article_id = ? ORDER BY id DESC LIMIT 1) DESC, "
    "n DESC LIMIT 1"
)


class Readers:
    """Reading single records and short lists back."""

    def __init__(self, c: SqliteConnection) -> None:
        self._c = c

    def find_article(self, url: str) -> ArticleRecord | None:
        """By watched URL first, then canonical URL; a trailing slash does not matter."""
        variants = url_variants(url)
        marks = ", ".join("?" for _ in variants)
        rows = self.article_rows(
            f"a.url IN ({marks}) OR a.canonical_url IN ({marks})",
            [*variants, *variants],
            order=f"(a.url IN ({marks})) DESC, (a.url = ?) DESC, a.state = 'active' DESC, a.id",
            order_params=[*variants, url],
        )
        if rows and rows[0].merged_into is not None:  # a duplicate: show the watched one
            rows = self.article_rows("a.id = ?", [rows[0].merged_into]) or rows
        return rows[0] if rows else None

    def article(self, article_id: int) -> ArticleRecord | None:
        rows = self.article_rows("a.id = ?", [article_id])
        return rows[0] if rows else None

    def articles(self, source: str | None = None) -> list[ArticleRecord]:
        if source is None:
            return self.article_rows("1", [])
        return self.article_rows("s.name = ?", [source])

    def article_rows(
        self,
        where: str,
        params: list[Any],
        order: str = "a.id",
        order_params: Sequence[Any] = (),
    ) -> list[ArticleRecord]:
        rows = self._c.rows(
            "SELECT a.*, s.name AS source_name,"
            " (SELECT count(*) FROM versions v WHERE v.article_id = a.id) AS version_count"
            " FROM articles a JOIN sources s ON s.id = a.source_id"
            f" WHERE {where} ORDER BY {order}",
            [*params, *order_params],
        )
        return [
            ArticleRecord(
                id=int(row["id"]),
                source=row["source_name"],
                url=row["url"],
                canonical_url=row["canonical_url"],
                title=row["title"],
                state=cast(ArticleState, row["state"]),
                first_seen_at=required_time(row["first_seen_at"]),
                last_checked_at=parse_iso(row["last_checked_at"]),
                next_check_at=parse_iso(row["next_check_at"]),
                consecutive_failures=int(row["consecutive_failures"] or 0),
                last_error=row["last_error"],
                versions=int(row["version_count"]),
                removed_at=parse_iso(row["removed_at"]),
                removed_reason=row["removed_reason"],
                merged_into=row["merged_into"],
            )
            for row in rows
        ]

    def latest_version(self, article_id: int) -> StoredVersion | None:
        """The current version: the one the latest change led to (a revert leads back to an
        older one), else the newest."""
        row = self._c.row(f"SELECT * FROM versions {CURRENT_VERSION}", [article_id] * 2)
        return version_record(row) if row else None

    def versions(self, article_id: int) -> list[StoredVersion]:
        rows = self._c.rows("SELECT * FROM versions WHERE article_id = ? ORDER BY n", [article_id])
        return [version_record(row) for row in rows]

    def version(self, article_id: int, n: int) -> StoredVersion | None:
        row = self._c.row("SELECT * FROM versions WHERE article_id = ? AND n = ?", [article_id, n])
        return version_record(row) if row else None

    def change(self, change_id: int) -> StoredChange | None:
        row = self._c.row(CHANGE_SELECT + " WHERE c.id = ?", [change_id])
        return change_record(row) if row else None

    def changes(self, article_id: int | None = None, limit: int = 50) -> list[StoredChange]:
        """Newest first; all articles when ``article_id`` is None."""
        if article_id is None:
            rows = self._c.rows(CHANGE_SELECT + " ORDER BY c.id DESC LIMIT ?", [int(limit)])
        else:
            rows = self._c.rows(
                CHANGE_SELECT + " WHERE c.article_id = ? ORDER BY c.id DESC LIMIT ?",
                [article_id, int(limit)],
            )
        return [change_record(row) for row in rows]

    def fetches(self, article_id: int, limit: int = 20) -> list[dict[str, Any]]:
        """The fetch log of one article, newest first, as plain dicts for display."""
        rows = self._c.rows(
            "SELECT id, url, started_at, outcome, status, elapsed_ms, bytes, final_url,"
            " redirects, error_kind, error FROM fetches WHERE article_id = ?"
            " ORDER BY id DESC LIMIT ?",
            [article_id, int(limit)],
        )
        for row in rows:
            row["redirects"] = json.loads(row["redirects"] or "[]")
        return rows

    def events(self, limit: int = 50) -> list[StoredEvent]:
        rows = self._c.rows(EVENT_SELECT + " ORDER BY e.id DESC LIMIT ?", [int(limit)])
        return [event_record(row) for row in rows]

    def event(self, event_id: int) -> StoredEvent | None:
        row = self._c.row(EVENT_SELECT + " WHERE e.id = ?", [event_id])
        return event_record(row) if row else None

    def quarantine_streak(self, article_id: int, content_hash: str) -> int:
        """Latest fetches in a row (errors skipped) quarantined with this very content."""
        rows = self._c.rows(
            "SELECT f.outcome, q.hash FROM fetches f LEFT JOIN quarantine q ON q.fetch_id = f.id"
            " WHERE f.article_id = ? AND f.outcome != 'error' ORDER BY f.id DESC LIMIT 50",
            [article_id],
        )
        streak = 0
        for row in rows:
            if row["outcome"] != "quarantined" or row["hash"] != content_hash:
                break
            streak += 1
        return streak

    def quarantined(self, article_id: int | None = None, limit: int = 50) -> list[Quarantined]:
        where, params = ("WHERE q.article_id = ?", [article_id]) if article_id else ("", [])
        rows = self._c.rows(
            "SELECT q.*, a.url AS article_url FROM quarantine q"
            f" JOIN articles a ON a.id = q.article_id {where} ORDER BY q.id DESC LIMIT ?",
            [*params, int(limit)],
        )
        return [
            Quarantined(
                id=int(row["id"]),
                article_id=int(row["article_id"]),
                url=row["article_url"],
                at=required_time(row["at"]),
                reason=row["reason"],
                hash=row["hash"],
                title=row["title"],
                paragraphs=list(json.loads(row["paragraphs"])),
                words=int(row["words"] or 0),
                after_n=None if row["after_n"] is None else int(row["after_n"]),
            )
            for row in rows
        ]
