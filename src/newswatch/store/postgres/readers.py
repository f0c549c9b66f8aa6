"""Reading single records and short lists back from PostgreSQL."""

from __future__ import annotations

from typing import Any

from newswatch.models import iso
from newswatch.store.postgres.connection import PgConnection, required
from newswatch.store.postgres.rows import (
    ARTICLE_SELECT,
    CHANGE_SELECT,
    EVENT_SELECT,
    VERSION_COLUMNS,
    article_record,
    change_record,
    event_record,
    version_record,
)
from newswatch.store.records import (
    ArticleRecord,
    Quarantined,
    StoredChange,
    StoredEvent,
    StoredVersion,
)
from newswatch.store.variants import url_variants

#: the rest of a versions query (alias ``v``) picking an article's current version (two
#: ``%s``: the article id twice): the ``to_n`` of its latest change, else its highest ``n``
CURRENT_VERSION = (
    "WHERE v.article_id = %s ORDER BY v.n = "
    "(SELECT c.to_n FROM changes c WHERE c.article_id = %s ORDER BY c.id DESC LIMIT 1)"
    " DESC NULLS LAST, v.n DESC LIMIT 1"
)


class Readers:
    """Articles, versions, changes, events, fetches and quarantine, one query each."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def find_article(self, url: str) -> ArticleRecord | None:
        """By watched URL first, then canonical URL; a trailing slash does not matter."""
        variants = url_variants(url)
        rows = self._article_rows(
            "a.url = ANY(%(v)s) OR a.canonical_url = ANY(%(v)s)",
            {"v": variants, "url": url},
            order="(a.url = ANY(%(v)s)) DESC, (a.url = %(url)s) DESC,"
            " a.state = 'active' DESC, a.id",
        )
        if rows and rows[0].merged_into is not None:
            rows = self._article_rows("a.id = %(id)s", {"id": rows[0].merged_into}) or rows
        return rows[0] if rows else None

    def article(self, article_id: int) -> ArticleRecord | None:
        rows = self._article_rows("a.id = %(id)s", {"id": article_id})
        return rows[0] if rows else None

    def articles(self, source: str | None = None) -> list[ArticleRecord]:
        if source is None:
            return self._article_rows("true", {})
        return self._article_rows("s.name = %(source)s", {"source": source})

    def _article_rows(
        self, where: str, params: dict[str, Any], order: str = "a.id"
    ) -> list[ArticleRecord]:
        rows = self.db.rows(f"{ARTICLE_SELECT} WHERE {where} ORDER BY {order}", params)
        return [article_record(row) for row in rows]

    def latest_version(self, article_id: int) -> StoredVersion | None:
        """The current version: the one the latest change led to (a revert leads back to an
        older one), else the newest."""
        row = self.db.row(
            f"SELECT {VERSION_COLUMNS} FROM versions v {CURRENT_VERSION}", [article_id] * 2
        )
        return version_record(row) if row else None

    def versions(self, article_id: int) -> list[StoredVersion]:
        rows = self.db.rows(
            f"SELECT {VERSION_COLUMNS} FROM versions v WHERE v.article_id = %s ORDER BY v.n",
            [article_id],
        )
        return [version_record(row) for row in rows]

    def version(self, article_id: int, n: int) -> StoredVersion | None:
        row = self.db.row(
            f"SELECT {VERSION_COLUMNS} FROM versions v WHERE v.article_id = %s AND v.n = %s",
            [article_id, n],
        )
        return version_record(row) if row else None

    def change(self, change_id: int) -> StoredChange | None:
        row = self.db.row(CHANGE_SELECT + " WHERE c.id = %s", [change_id])
        return change_record(row) if row else None

    def changes(self, article_id: int | None = None, limit: int = 50) -> list[StoredChange]:
        if article_id is None:
            rows = self.db.rows(CHANGE_SELECT + " ORDER BY c.id DESC LIMIT %s", [int(limit)])
        else:
            rows = self.db.rows(
                CHANGE_SELECT + " WHERE c.article_id = %s ORDER BY c.id DESC LIMIT %s",
                [article_id, int(limit)],
            )
        return [change_record(row) for row in rows]

    def fetches(self, article_id: int, limit: int = 20) -> list[dict[str, Any]]:
        """The fetch log, newest first, as the SQLite side gives it (times as ISO text)."""
        rows = self.db.rows(
            "SELECT id, url, started_at, outcome, status, elapsed_ms, bytes, final_url,"
            " redirects, error_kind, error FROM fetches WHERE article_id = %s"
            " ORDER BY id DESC LIMIT %s",
            [article_id, int(limit)],
        )
        for row in rows:
            row["started_at"] = iso(row["started_at"])
            row["redirects"] = list(row["redirects"] or [])
        return rows

    def events(self, limit: int = 50) -> list[StoredEvent]:
        rows = self.db.rows(EVENT_SELECT + " ORDER BY e.id DESC LIMIT %s", [int(limit)])
        return [event_record(row) for row in rows]

    def event(self, event_id: int) -> StoredEvent | None:
        row = self.db.row(EVENT_SELECT + " WHERE e.id = %s", [event_id])
        return event_record(row) if row else None

    def quarantine_streak(self, article_id: int, content_hash: str) -> int:
        rows = self.db.rows(
            "SELECT f.outcome, q.hash FROM fetches f LEFT JOIN quarantine q ON q.fetch_id = f.id"
            " WHERE f.article_id = %s AND f.outcome != 'error' ORDER BY f.id DESC LIMIT 50",
            [article_id],
        )
        streak = 0
        for row in rows:
            if row["outcome"] != "quarantined" or row["hash"] != content_hash:
                break
            streak += 1
        return streak

    def quarantined(self, article_id: int | None = None, limit: int = 50) -> list[Quarantined]:
        where, params = ("WHERE q.article_id = %s", [article_id]) if article_id else ("", [])
        rows = self.db.rows(
            "SELECT q.*, a.url AS article_url FROM quarantine q"
            f" JOIN articles a ON a.id = q.article_id {where} ORDER BY q.id DESC LIMIT %s",
            [*params, int(limit)],
        )
        return [
            Quarantined(
                id=int(row["id"]),
                article_id=int(row["article_id"]),
                url=row["article_url"],
                at=required(row["at"]),
                reason=row["reason"],
                hash=row["hash"],
                title=row["title"],
                paragraphs=list(row["paragraphs"]),
                words=int(row["words"] or 0),
                after_n=None if row["after_n"] is None else int(row["after_n"]),
            )
            for row in rows
        ]
