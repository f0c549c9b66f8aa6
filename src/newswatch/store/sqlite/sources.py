"""Which sources and articles are watched: configured sources, discovered articles.

The write side of set-up and discovery; the SQL of following an article (dedup across
sources, publisher dates) is in :mod:`newswatch.store.follow`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from newswatch import following
from newswatch.errors import StoreError
from newswatch.models import parse_iso
from newswatch.store.records import Followed, SignalWrite, SourceSpec
from newswatch.store.sqlite import follow
from newswatch.store.sqlite.connection import SqliteConnection, insert_row, update_row
from newswatch.store.sqlite.rows import ts


class SourceSync:
    """Upserting sources and following their articles."""

    def __init__(self, c: SqliteConnection) -> None:
        self._c = c

    def sync_sources(self, sources: Sequence[SourceSpec], now: datetime) -> None:
        """Upsert configured sources by name; disable (but keep) the ones no longer listed.

        An ``article`` source gets one article row for its URL, due now; when its URL
        changed, the article at the old URL is retired. A shortened interval pulls every
        article's next check forward so none waits longer than the new interval. Both rules
        are decided in :mod:`newswatch.following`; here their rows are read and written.
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
                    update_row(db, "sources", source_id, fields)
                    before, after = float(old["interval_seconds"]), float(spec.interval_seconds)
                    if following.pulls_forward(before, after):
                        moved = following.pulled_forward(
                            before,
                            after,
                            now,
                            {w.article_id: at for w, at in self._watched(source_id)},
                        )
                        db.conn.executemany(
                            "UPDATE articles SET next_check_at = ? WHERE id = ?",
                            [(ts(at), aid) for aid, at in moved.items()],
                        )
                if spec.kind == "article":
                    retired = following.retired_by_move(
                        spec.url, [w for w, _ in self._watched(source_id)]
                    )
                    db.conn.executemany(
                        "UPDATE articles SET state = 'retired', lease_until = NULL WHERE id = ?",
                        [(aid,) for aid in retired],
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
        source's URL moved comes back (decided by :func:`newswatch.following.follow_action`).
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
            update_row(db, "sources", self._source_id(source), fields)

    def _watched(self, source_id: int) -> list[tuple[following.WatchedUrl, datetime | None]]:
        """The source's articles with their next check, as the sync rules read them."""
        rows = self._c.rows(
            "SELECT id, url, state, next_check_at FROM articles WHERE source_id = ? ORDER BY id",
            [source_id],
        )
        return [
            (
                following.WatchedUrl(int(r["id"]), r["url"], r["state"]),
                parse_iso(r["next_check_at"]),
            )
            for r in rows
        ]

    def _source_id(self, name: str) -> int:
        row = self._c.row("SELECT id FROM sources WHERE name = ?", [name])
        if row is None:
            raise StoreError(f"unknown source {name!r}")
        return int(row["id"])

    def _follow(self, db: Database, source_id: int, url: str, stamp: str) -> bool:
        """Watch ``url`` for ``source_id`` as :func:`newswatch.following.follow_action`
        decides; True if it is newly due (added, or revived)."""
        row = self._c.row(
            "SELECT source_id, state, retired_at, merged_into FROM articles WHERE url = ?", [url]
        )
        at_url = (
            None
            if row is None
            else following.AtUrl(
                int(row["source_id"]),
                row["state"],
                row["retired_at"] is not None,
                row["merged_into"] is not None,
            )
        )
        elsewhere = at_url is None and follow.resolve(db, url) is not None
        action = following.follow_action(at_url, elsewhere, source_id)
        new = False
        if action == "add":
            new = (
                db.execute(
                    "INSERT INTO articles (source_id, url, state, first_seen_at, next_check_at,"
                    " lease_token, consecutive_failures) VALUES (?, ?, 'active', ?, ?, 0, 0)"
                    " ON CONFLICT (url) DO NOTHING",
                    [source_id, url, stamp, stamp],
                ).rowcount
                > 0
            )
        elif action == "revive":
            new = (
                db.execute(
                    "UPDATE articles SET state = 'active', next_check_at = ?"
                    " WHERE url = ? AND state = 'retired'",
                    [stamp, url],
                ).rowcount
                > 0
            )
        target = follow.resolve(db, url)
        if target is not None:
            follow.link_source(db, int(target["id"]), source_id, stamp)
        return new
