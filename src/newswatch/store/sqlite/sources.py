"""Which sources and articles are watched: configured sources, discovered articles.

The write side of set-up and discovery; the SQL of following an article (dedup across
sources, publisher dates) is in :mod:`newswatch.store.follow`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from newswatch.errors import StoreError
from newswatch.store.records import Followed, SignalWrite, SourceSpec
from newswatch.store.sqlite import follow
from newswatch.store.sqlite.connection import SqliteConnection, insert_row
from newswatch.store.sqlite.rows import ts


class SourceSync:
    """Upserting sources and following their articles."""

    def __init__(self, c: SqliteConnection) -> None:
        self._c = c

    def sync_sources(self, sources: Sequence[SourceSpec], now: datetime) -> None:
        """Upsert configured sources by name; disable (but keep) the ones no longer listed.

        An ``article`` source gets one article row for its URL, due now; when its URL
        changed, the article at the old URL is retired. A shortened interval pulls every
        article's next check forward so none waits longer than the new interval.
        """
        stamp = ts(now)
        with self._c.transaction() as db:
            existing = {
                row["name"]: row
                for row in self._c.rows("SELECT id, name, url, kind, interval_seconds FROM sources")
            }
            for spec in sources:
                fields = {
                    "url": spec.url,
                    "kind": spec.kind,
                    "interval_seconds": float(spec.interval_seconds),
                    "timezone": spec.timezone,
                    "enabled": 1,
                    "updated_at": stamp,
                }
                old = existing.get(spec.name)
                if old is None:
                    source_id = insert_row(
                        db, "sources", {"name": spec.name, "created_at": stamp, **fields}
                    )
                else:
                    source_id = int(old["id"])
                    db.table("sources").update(source_id, fields)
                    if float(spec.interval_seconds) < float(old["interval_seconds"]):
                        soonest = ts(now + timedelta(seconds=spec.interval_seconds))
                        db.execute(
                            "UPDATE articles SET next_check_at = ? WHERE source_id = ?"
                            " AND (next_check_at IS NULL OR next_check_at > ?)",
                            [soonest, source_id, soonest],
                        )
                if spec.kind == "article":
                    db.execute(
                        "UPDATE articles SET state = 'retired', lease_until = NULL"
                        " WHERE source_id = ? AND url != ? AND state = 'active'",
                        [source_id, spec.url],
                    )
                    self._follow(db, source_id, spec.url, stamp)
            names = [spec.name for spec in sources]
            keep = f" AND name NOT IN ({', '.join('?' for _ in names)})" if names else ""
            db.execute(
                f"UPDATE sources SET enabled = 0, updated_at = ? WHERE enabled = 1{keep}",
                [stamp, *names],
            )

    def add_articles(self, source: str, urls: Sequence[str], now: datetime) -> int:
        """Follow articles discovered by a feed/sitemap/index source; return how many are new.

        URLs already watched (by any source, as their URL or canonical URL) are left as they
        are and only gain this source in ``article_sources``; new ones are due now.
        An article the schedule retired stays retired (only a publisher date newer than our
        last check wakes it, see :mod:`newswatch.judge.signals`); one retired because its
        source's URL moved comes back.
        """
        stamp = ts(now)
        with self._c.transaction() as db:
            source_id = self._source_id(source)
            return sum(self._follow(db, source_id, url, stamp) for url in urls)

    def followed(self, urls: Sequence[str]) -> dict[str, Followed]:
        """The watched articles these URLs name, by URL (unknown URLs left out)."""
        with self._c.lock:
            found = {url: follow.followed(self._c.db, url) for url in dict.fromkeys(urls)}
        return {url: f for url, f in found.items() if f is not None}

    def apply_signals(self, source: str, writes: Sequence[SignalWrite], now: datetime) -> int:
        """Write planned publisher signals in one transaction; returns how many articles
        were made due now."""
        with self._c.transaction() as db:
            source_id = self._source_id(source)
            return sum(follow.apply_signal(db, source_id, w, now) for w in writes)

    def record_discovery(
        self,
        source: str,
        now: datetime,
        found: int | None,
        error: str | None,
        *,
        not_modified: bool = False,
    ) -> None:
        """Remember the source's last discovery (links listed, the error, or not modified:
        then the count listed by the last full read is kept)."""
        with self._c.transaction() as db:
            fields: dict[str, Any] = {
                "last_discovery_at": ts(now),
                "last_discovery_error": error,
                "last_discovery_not_modified": int(not_modified),
            }
            if found is not None:
                fields["last_discovered"] = found
            db.table("sources").update(self._source_id(source), fields)

    def _source_id(self, name: str) -> int:
        row = self._c.row("SELECT id FROM sources WHERE name = ?", [name])
        if row is None:
            raise StoreError(f"unknown source {name!r}")
        return int(row["id"])

    def _follow(self, db: Database, source_id: int, url: str, stamp: str) -> bool:
        """Watch ``url`` for ``source_id`` unless it is already watched; True if new."""
        target = follow.resolve(db, url)
        exact = self._c.row("SELECT id FROM articles WHERE url = ?", [url])
        new = False
        if target is None or exact is not None:
            new = self._add_article(db, source_id, url, stamp)
            target = follow.resolve(db, url)
        if target is not None:
            follow.link_source(db, int(target["id"]), source_id, stamp)
        return new

    @staticmethod
    def _add_article(db: Database, source_id: int, url: str, stamp: str) -> bool:
        cursor = db.execute(
            "INSERT INTO articles (source_id, url, state, first_seen_at, next_check_at,"
            " lease_token, consecutive_failures) VALUES (?, ?, 'active', ?, ?, 0, 0)"
            " ON CONFLICT (url) DO UPDATE SET state = 'active',"
            " next_check_at = excluded.next_check_at"
            " WHERE state = 'retired' AND retired_at IS NULL"
            " AND source_id = excluded.source_id"
            " AND merged_into IS NULL",
            [source_id, url, stamp, stamp],
        )
        return cursor.rowcount > 0
