"""The store's record readers, for both backends: articles, versions, changes, events,
fetches, quarantine, one query each (the paged and filtered history views are in
:mod:`newswatch.store.sql.queries`)."""

from __future__ import annotations

from typing import Any

from newswatch.store.records import (
    ArticleRecord,
    Quarantined,
    StoredChange,
    StoredEvent,
    StoredVersion,
)
from newswatch.store.sql.dialect import Db, Dialect
from newswatch.store.sql.rows import ARTICLE_SELECT, CHANGE_SELECT, EVENT_SELECT, Records
from newswatch.store.variants import url_variants

#: the rest of a versions query (alias ``v``) picking an article's current version (two
#: ``?``: the article id twice): the ``to_n`` of its latest change, else its highest ``n``
CURRENT_VERSION = (
    "WHERE v.article_id = ? ORDER BY v.n = "
    "(SELECT c.to_n FROM changes c WHERE c.article_id = ? ORDER BY c.id DESC LIMIT 1)"
    " DESC NULLS LAST, v.n DESC LIMIT 1"
)


class Readers:
    """Reading single records and short lists back over one backend's connection;
    ``version_columns`` are the columns a full version row is read from (``v.*`` where the
    table holds nothing more)."""

    def __init__(self, db: Db, dialect: Dialect, version_columns: str) -> None:
        self.db = db
        self.d = dialect
        self.records = Records(dialect)
        self._versions = f"SELECT {version_columns} FROM versions v"

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
            return self.article_rows("1 = 1", [])
        return self.article_rows("s.name = ?", [source])

    def article_rows(
        self,
        where: str,
        params: list[Any],
        order: str = "a.id",
        order_params: list[Any] | None = None,
    ) -> list[ArticleRecord]:
        rows = self.db.rows(
            self.d.sql(f"{ARTICLE_SELECT} WHERE {where} ORDER BY {order}"),
            [*params, *(order_params or [])],
        )
        return [self.records.article(row) for row in rows]

    def latest_version(self, article_id: int) -> StoredVersion | None:
        """The version the article shows now (see :data:`CURRENT_VERSION`)."""
        row = self.db.row(self.d.sql(f"{self._versions} {CURRENT_VERSION}"), [article_id] * 2)
        return self.records.version(row) if row else None

    def versions(self, article_id: int) -> list[StoredVersion]:
        rows = self.db.rows(
            self.d.sql(f"{self._versions} WHERE v.article_id = ? ORDER BY v.n"), [article_id]
        )
        return [self.records.version(row) for row in rows]

    def version(self, article_id: int, n: int) -> StoredVersion | None:
        row = self.db.row(
            self.d.sql(f"{self._versions} WHERE v.article_id = ? AND v.n = ?"), [article_id, n]
        )
        return self.records.version(row) if row else None

    def change(self, change_id: int) -> StoredChange | None:
        row = self.db.row(self.d.sql(CHANGE_SELECT + " WHERE c.id = ?"), [change_id])
        return self.records.change(row) if row else None

    def changes(self, article_id: int | None = None, limit: int = 50) -> list[StoredChange]:
        """Newest first; all articles when ``article_id`` is None."""
        if article_id is None:
            rows = self.db.rows(
                self.d.sql(CHANGE_SELECT + " ORDER BY c.id DESC LIMIT ?"), [int(limit)]
            )
        else:
            rows = self.db.rows(
                self.d.sql(CHANGE_SELECT + " WHERE c.article_id = ? ORDER BY c.id DESC LIMIT ?"),
                [article_id, int(limit)],
            )
        return [self.records.change(row) for row in rows]

    def fetches(self, article_id: int, limit: int = 20) -> list[dict[str, Any]]:
        """The fetch log of one article, newest first, as plain dicts for display (times as
        ISO 8601 text, redirects as a list)."""
        rows = self.db.rows(
            self.d.sql(
                "SELECT id, url, started_at, outcome, status, elapsed_ms, bytes, final_url,"
                " redirects, error_kind, error FROM fetches WHERE article_id = ?"
                " ORDER BY id DESC LIMIT ?"
            ),
            [article_id, int(limit)],
        )
        for row in rows:
            row["started_at"] = self.d.time_text(row["started_at"])
            row["redirects"] = list(self.d.read_json(row["redirects"]) or [])
        return rows

    def events(self, limit: int = 50) -> list[StoredEvent]:
        rows = self.db.rows(self.d.sql(EVENT_SELECT + " ORDER BY e.id DESC LIMIT ?"), [int(limit)])
        return [self.records.event(row) for row in rows]

    def event(self, event_id: int) -> StoredEvent | None:
        row = self.db.row(self.d.sql(EVENT_SELECT + " WHERE e.id = ?"), [event_id])
        return self.records.event(row) if row else None

    def quarantine_streak(self, article_id: int, content_hash: str) -> int:
        """Latest fetches in a row (errors skipped) quarantined with this very content."""
        rows = self.db.rows(
            self.d.sql(
                "SELECT f.outcome, q.hash FROM fetches f"
                " LEFT JOIN quarantine q ON q.fetch_id = f.id"
                " WHERE f.article_id = ? AND f.outcome != 'error' ORDER BY f.id DESC LIMIT 50"
            ),
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
        rows = self.db.rows(
            self.d.sql(
                "SELECT q.*, a.url AS article_url FROM quarantine q"
                f" JOIN articles a ON a.id = q.article_id {where} ORDER BY q.id DESC LIMIT ?"
            ),
            [*params, int(limit)],
        )
        return [
            Quarantined(
                id=int(row["id"]),
                article_id=int(row["article_id"]),
                url=row["article_url"],
                at=self.d.required_time(row["at"]),
                reason=row["reason"],
                hash=row["hash"],
                title=row["title"],
                paragraphs=list(self.d.read_json(row["paragraphs"])),
                words=int(row["words"] or 0),
                after_n=None if row["after_n"] is None else int(row["after_n"]),
            )
            for row in rows
        ]
