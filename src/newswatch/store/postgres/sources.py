"""Which sources and articles are watched, on PostgreSQL: set-up, discovery, validators.

The same rows as the SQLite side writes (see :mod:`newswatch.store.sources` and
:mod:`newswatch.store.follow` for what each step means). Several hosts may sync or discover
at once: a sync holds a transaction-level advisory lock, and following a URL is an upsert on
the article's unique URL, so two hosts finding one link follow it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from newswatch import following
from newswatch.errors import StoreError
from newswatch.store.postgres.connection import (
    Conn,
    PgConnection,
    Row,
    aware,
    fetch_all,
    fetch_one,
    utc,
)
from newswatch.store.records import DocumentValidators, Followed, SignalWrite, SourceSpec

#: the advisory lock of ``sync_sources`` ("nwsync" in ASCII)
SYNC_LOCK = 0x6E7773796E63


def link_source(conn: Conn, article_id: int, source_id: int, stamp: datetime) -> None:
    conn.execute(
        "INSERT INTO article_sources (article_id, source_id, first_seen_at, last_seen_at)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (article_id, source_id)"
        " DO UPDATE SET last_seen_at = excluded.last_seen_at",
        [article_id, source_id, stamp, stamp],
    )


def resolve(conn: Conn, url: str) -> Row | None:
    """The watched article for ``url`` (by URL, else canonical URL; duplicates resolve to
    the article they were merged into)."""
    row = fetch_one(conn, "SELECT id, merged_into FROM articles WHERE url = %s", [url])
    if row is None:
        row = fetch_one(
            conn,
            "SELECT id, merged_into FROM articles WHERE canonical_url = %s"
            " AND merged_into IS NULL ORDER BY id LIMIT 1",
            [url],
        )
    if row is None:
        return None
    return fetch_one(
        conn,
        "SELECT id, source_id, state, next_check_at, last_checked_at, publisher_updated,"
        " retired_at, merged_into FROM articles WHERE id = %s",
        [int(row["merged_into"] or row["id"])],
    )


def followed(conn: Conn, url: str) -> Followed | None:
    """The watched article a publisher date for ``url`` is about, as it stands."""
    row = resolve(conn, url)
    if row is None:
        return None
    return Followed(
        article_id=int(row["id"]),
        state=row["state"],
        schedule_retired=row["retired_at"] is not None and row["merged_into"] is None,
        next_check_at=utc(row["next_check_at"]),
        last_checked_at=utc(row["last_checked_at"]),
        publisher_updated=utc(row["publisher_updated"]),
    )


def apply_signal(conn: Conn, source_id: int, write: SignalWrite, now: datetime) -> bool:
    """Write one planned publisher signal (see :mod:`newswatch.judge.signals`); True when
    it made the article due now (a wake only if it is still retired by the schedule)."""
    conn.execute(
        "UPDATE articles SET publisher_updated = %s WHERE id = %s",
        [aware(write.publisher_updated), write.article_id],
    )
    link_source(conn, write.article_id, source_id, now)
    if write.wake:
        cursor = conn.execute(
            "UPDATE articles SET state = 'active', retired_at = NULL, next_check_at = %s,"
            " unchanged_checks = 0 WHERE id = %s AND state = 'retired'"
            " AND retired_at IS NOT NULL AND merged_into IS NULL",
            [now, write.article_id],
        )
        return cursor.rowcount > 0
    if write.due_now:
        conn.execute(
            "UPDATE articles SET next_check_at = %s WHERE id = %s", [now, write.article_id]
        )
        return True
    return False


def _watched(conn: Conn, source_id: int) -> list[tuple[following.WatchedUrl, datetime | None]]:
    """The source's articles with their next check, as the sync rules read them."""
    rows = fetch_all(
        conn,
        "SELECT id, url, state, next_check_at FROM articles WHERE source_id = %s ORDER BY id",
        [source_id],
    )
    return [
        (following.WatchedUrl(int(r["id"]), r["url"], r["state"]), utc(r["next_check_at"]))
        for r in rows
    ]


def _executemany(conn: Conn, sql: str, params: Sequence[Sequence[object]]) -> None:
    if params:
        with conn.cursor() as cursor:
            cursor.executemany(sql, params)


class SourceSync:
    """Upserting sources, following their articles, remembering discovery."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def sync_sources(self, sources: Sequence[SourceSpec], now: datetime) -> None:
        """Upsert configured sources by name, disable the others (see the SQLite side; the
        rules of a changed interval or URL are :mod:`newswatch.following`)."""
        stamp = aware(now)
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [SYNC_LOCK])
            existing = {
                row["name"]: row
                for row in fetch_all(conn, "SELECT id, name, interval_seconds FROM sources")
            }
            for spec in sources:
                old = existing.get(spec.name)
                values = [spec.url, spec.kind, float(spec.interval_seconds), spec.timezone, stamp]
                if old is None:
                    row = fetch_one(
                        conn,
                        "INSERT INTO sources (url, kind, interval_seconds, timezone, updated_at,"
                        " name, created_at, enabled) VALUES (%s, %s, %s, %s, %s, %s, %s, true)"
                        " RETURNING id",
                        [*values, spec.name, stamp],
                    )
                    assert row is not None
                    source_id = int(row["id"])
                else:
                    source_id = int(old["id"])
                    conn.execute(
                        "UPDATE sources SET url = %s, kind = %s, interval_seconds = %s,"
                        " timezone = %s, updated_at = %s, enabled = true WHERE id = %s",
                        [*values, source_id],
                    )
                    before, after = float(old["interval_seconds"]), float(spec.interval_seconds)
                    if following.pulls_forward(before, after):
                        moved = following.pulled_forward(
                            before,
                            after,
                            now,
                            {w.article_id: at for w, at in _watched(conn, source_id)},
                        )
                        _executemany(
                            conn,
                            "UPDATE articles SET next_check_at = %s WHERE id = %s",
                            [(aware(at), aid) for aid, at in moved.items()],
                        )
                if spec.kind == "article":
                    retired = following.retired_by_move(
                        spec.url, [w for w, _ in _watched(conn, source_id)]
                    )
                    _executemany(
                        conn,
                        "UPDATE articles SET state = 'retired', lease_until = NULL WHERE id = %s",
                        [(aid,) for aid in retired],
                    )
                    self._follow(conn, source_id, spec.url, stamp)
            conn.execute(
                "UPDATE sources SET enabled = false, updated_at = %s"
                " WHERE enabled AND NOT (name = ANY(%s))",
                [stamp, [spec.name for spec in sources]],
            )

    def add_articles(self, source: str, urls: Sequence[str], now: datetime) -> int:
        """Follow discovered articles; return how many are new (see the SQLite side)."""
        stamp = aware(now)
        with self.db.transaction() as conn:
            source_id = self._source_id(conn, source)
            return sum(self._follow(conn, source_id, url, stamp) for url in urls)

    def followed(self, urls: Sequence[str]) -> dict[str, Followed]:
        with self.db.transaction() as conn:
            found = {url: followed(conn, url) for url in dict.fromkeys(urls)}
        return {url: f for url, f in found.items() if f is not None}

    def apply_signals(self, source: str, writes: Sequence[SignalWrite], now: datetime) -> int:
        stamp = aware(now)
        with self.db.transaction() as conn:
            source_id = self._source_id(conn, source)
            return sum(apply_signal(conn, source_id, w, stamp) for w in writes)

    def record_discovery(
        self,
        source: str,
        now: datetime,
        found: int | None,
        error: str | None,
        *,
        not_modified: bool = False,
    ) -> None:
        with self.db.transaction() as conn:
            source_id = self._source_id(conn, source)
            conn.execute(
                "UPDATE sources SET last_discovery_at = %s, last_discovery_error = %s,"
                " last_discovery_not_modified = %s,"
                " last_discovered = coalesce(%s, last_discovered) WHERE id = %s",
                [aware(now), error, not_modified, found, source_id],
            )

    def discovery_validators(self, source: str, settings: str) -> list[DocumentValidators]:
        rows = self.db.rows(
            "SELECT v.url, v.etag, v.last_modified FROM discovery_validators v"
            " JOIN sources s ON s.id = v.source_id WHERE s.name = %s AND v.settings = %s"
            " ORDER BY v.url",
            [source, settings],
        )
        return [DocumentValidators(r["url"], r["etag"], r["last_modified"]) for r in rows]

    def save_discovery_validators(
        self,
        source: str,
        settings: str,
        validators: Sequence[DocumentValidators],
        now: datetime,
    ) -> None:
        stamp = aware(now)
        with self.db.transaction() as conn:
            source_id = self._source_id(conn, source)
            for v in validators:
                if v.etag is None and v.last_modified is None:
                    conn.execute(
                        "DELETE FROM discovery_validators WHERE source_id = %s AND url = %s",
                        [source_id, v.url],
                    )
                    continue
                conn.execute(
                    "INSERT INTO discovery_validators"
                    " (source_id, url, etag, last_modified, settings, checked_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (source_id, url) DO UPDATE"
                    " SET etag = excluded.etag, last_modified = excluded.last_modified,"
                    " settings = excluded.settings, checked_at = excluded.checked_at",
                    [source_id, v.url, v.etag, v.last_modified, settings, stamp],
                )

    def _source_id(self, conn: Conn, name: str) -> int:
        row = fetch_one(conn, "SELECT id FROM sources WHERE name = %s", [name])
        if row is None:
            raise StoreError(f"unknown source {name!r}")
        return int(row["id"])

    def _follow(self, conn: Conn, source_id: int, url: str, stamp: datetime) -> bool:
        """Watch ``url`` for ``source_id`` as :func:`newswatch.following.follow_action`
        decides; True if it is newly due. Adding is an upsert that does nothing on
        conflict, so two hosts finding one link follow it once."""
        row = fetch_one(
            conn,
            "SELECT source_id, state, retired_at, merged_into FROM articles WHERE url = %s",
            [url],
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
        elsewhere = at_url is None and resolve(conn, url) is not None
        action = following.follow_action(at_url, elsewhere, source_id)
        new = False
        if action == "add":
            cursor = conn.execute(
                "INSERT INTO articles (source_id, url, state, first_seen_at, next_check_at,"
                " lease_token, consecutive_failures) VALUES (%s, %s, 'active', %s, %s, 0, 0)"
                " ON CONFLICT (url) DO NOTHING",
                [source_id, url, stamp, stamp],
            )
            new = cursor.rowcount > 0
        elif action == "revive":
            cursor = conn.execute(
                "UPDATE articles SET state = 'active', next_check_at = %s"
                " WHERE url = %s AND state = 'retired'",
                [stamp, url],
            )
            new = cursor.rowcount > 0
        target = resolve(conn, url)
        if target is not None:
            link_source(conn, int(target["id"]), source_id, stamp)
        return new
