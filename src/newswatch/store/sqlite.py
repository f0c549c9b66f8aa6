"""The embedded store: one SQLite file, spoken to through sqlite-utils.

Threading model: a :class:`SqliteStore` owns ONE connection (opened with
``check_same_thread=False``) and a re-entrant lock; every public method holds the lock for
its whole duration, so a small worker pool can share one store object and no thread ever
sees another thread's open transaction. Several *processes* (the daemon and a one-shot
``newswatch check``) may open the same file: WAL lets readers run beside the writer, every
write transaction starts with ``BEGIN IMMEDIATE`` so it takes the write lock before reading
what it will change (the lease check in :meth:`record_check`, the claim in
:meth:`claim_due`), and the busy timeout makes a second writer wait instead of failing.

``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a process crash
(an OS crash may lose the last few, never corrupt the file); each check's result is one
transaction, so a crash leaves either all of it or none of it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlite_utils import Database

from newswatch.clock import Clock, utc_now
from newswatch.errors import StoreError
from newswatch.models import Redirect, Stamp, iso, parse_iso
from newswatch.normalize import content_hash
from newswatch.store import follow
from newswatch.store.base import (
    AlertRoute,
    ArticleRecord,
    ArticleState,
    CheckResult,
    Delivery,
    DeliveryKind,
    DeliveryState,
    DeliverySubject,
    DueArticle,
    FetchRecord,
    Quarantined,
    Recorded,
    SourceSpec,
    SourceState,
    StoredChange,
    StoredEvent,
    StoredVersion,
    StoreStats,
)
from newswatch.store.queries import HistoryQueries
from newswatch.store.schema import migrate
from newswatch.urls import canonicalize

Row = dict[str, Any]

_CHANGE_SELECT = """
SELECT c.*, s.name AS source_name, a.url AS article_url, a.title AS article_title
FROM changes c
JOIN articles a ON a.id = c.article_id
JOIN sources s ON s.id = a.source_id
"""


_EVENT_SELECT = """
SELECT e.*, s.name AS source_name, s.url AS source_url, a.url AS article_url,
       a.title AS article_title
FROM events e
JOIN sources s ON s.id = e.source_id
LEFT JOIN articles a ON a.id = e.article_id
"""


def change_uid(url: str, from_hash: str, to_hash: str, to_n: int) -> str:
    """The stable id of a change (webhook ``id``, delivery keys): same inputs, same id."""
    digest = hashlib.sha256(f"{url}\n{from_hash}\n{to_hash}\n{to_n}".encode())
    return digest.hexdigest()[:32]


def _ts(value: datetime) -> str:
    text = iso(value)
    assert text is not None
    return text


def _insert(db: Database, table: str, record: dict[str, Any]) -> int:
    """Insert one row through sqlite-utils and return its rowid."""
    pk = db.table(table).insert(record).last_pk
    if pk is None:
        raise StoreError(f"insert into {table} returned no row id")
    return int(pk)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _required_time(value: str | None) -> datetime:
    parsed = parse_iso(value)
    if parsed is None:
        raise StoreError("a required timestamp is missing in the database")
    return parsed


def _url_variants(url: str) -> list[str]:
    """The URL as given plus its form with/without a trailing slash, and its canonical form
    (as discovery stores it: no tracking parameters, no fragment)."""
    bare = url.rstrip("/") or url
    canonical = canonicalize(url)
    return list(dict.fromkeys([url, bare, bare + "/", *([canonical] if canonical else [])]))


class SqliteStore(HistoryQueries):
    """The :class:`~newswatch.store.base.Store` on one SQLite file (see module docstring)."""

    def __init__(
        self, path: str | Path, *, busy_timeout_ms: int = 10_000, clock: Clock = utc_now
    ) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            conn = sqlite3.connect(
                str(self.path), timeout=busy_timeout_ms / 1000, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        self._conn = conn
        try:
            self._db = Database(conn, execute_plugins=False)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._db.enable_wal()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._db, clock())
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{self.path}: cannot open or migrate database: {exc}") from exc

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _transaction(self) -> Iterator[Database]:
        """One write transaction holding the thread lock and SQLite's write lock.

        Any exception rolls the whole transaction back; SQLite's own errors (a lock still
        held by another process after the busy timeout, a full disk) become StoreError.
        """
        with self._lock:
            try:
                with self._conn:
                    self._db.execute("BEGIN IMMEDIATE")
                    yield self._db
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {exc}") from exc

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        with self._lock:
            cursor = self._conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _row(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------------ set-up

    def sync_sources(self, sources: Sequence[SourceSpec], now: datetime) -> None:
        """Upsert configured sources by name; disable (but keep) the ones no longer listed.

        An ``article`` source gets one article row for its URL, due now; when its URL
        changed, the article at the old URL is retired. A shortened interval pulls every
        article's next check forward so none waits longer than the new interval.
        """
        stamp = _ts(now)
        with self._transaction() as db:
            existing = {
                row["name"]: row
                for row in self._rows("SELECT id, name, url, kind, interval_seconds FROM sources")
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
                    source_id = _insert(
                        db, "sources", {"name": spec.name, "created_at": stamp, **fields}
                    )
                else:
                    source_id = int(old["id"])
                    db.table("sources").update(source_id, fields)
                    if float(spec.interval_seconds) < float(old["interval_seconds"]):
                        soonest = _ts(now + timedelta(seconds=spec.interval_seconds))
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
        last check wakes it, see :meth:`note_publisher_updates`); one retired because its
        source's URL moved comes back.
        """
        stamp = _ts(now)
        with self._transaction() as db:
            source_id = self._source_id(source)
            return sum(self._follow(db, source_id, url, stamp) for url in urls)

    def note_publisher_updates(
        self, source: str, updates: Sequence[tuple[str, datetime]], now: datetime
    ) -> int:
        """Record feed ``updated``/sitemap ``lastmod`` dates; return how many articles were
        pulled forward (see :func:`newswatch.store.follow.note_update`)."""
        with self._transaction() as db:
            source_id = self._source_id(source)
            return sum(follow.note_update(db, source_id, url, at, now) for url, at in updates)

    def record_discovery(
        self, source: str, now: datetime, found: int | None, error: str | None
    ) -> None:
        """Remember the source's last discovery (links listed, or the error)."""
        with self._transaction() as db:
            fields: dict[str, Any] = {"last_discovery_at": _ts(now), "last_discovery_error": error}
            if found is not None:
                fields["last_discovered"] = found
            db.table("sources").update(self._source_id(source), fields)

    def _source_id(self, name: str) -> int:
        row = self._row("SELECT id FROM sources WHERE name = ?", [name])
        if row is None:
            raise StoreError(f"unknown source {name!r}")
        return int(row["id"])

    def _follow(self, db: Database, source_id: int, url: str, stamp: str) -> bool:
        """Watch ``url`` for ``source_id`` unless it is already watched; True if new."""
        target = follow.resolve(db, url)
        exact = self._row("SELECT id FROM articles WHERE url = ?", [url])
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

    # ------------------------------------------------------------------ the check cycle

    def claim_due(
        self,
        now: datetime,
        limit: int,
        lease_seconds: float,
        sources: Sequence[str] | None = None,
        force: bool = False,
        urls: Sequence[str] | None = None,
    ) -> list[DueArticle]:
        """Lease up to ``limit`` due articles, oldest due first, bumping their fencing token.

        Only active articles of enabled sources whose lease is free or expired are taken;
        ``force`` ignores ``next_check_at`` (never a live lease). ``sources`` keeps those
        sources' articles, ``urls`` the articles watched at (or canonically at) those URLs.
        """
        stamp = _ts(now)
        where = [
            "a.state = 'active'",
            "s.enabled = 1",
            "(a.lease_until IS NULL OR a.lease_until <= ?)",
        ]
        params: list[Any] = [stamp]
        if not force:
            where.append("a.next_check_at <= ?")
            params.append(stamp)
        if sources is not None:
            where.append(f"s.name IN ({', '.join('?' for _ in sources) or 'NULL'})")
            params.extend(sources)
        if urls is not None:
            variants = [v for url in urls for v in _url_variants(url)]
            marks = ", ".join("?" for _ in variants) or "NULL"
            where.append(f"(a.url IN ({marks}) OR a.canonical_url IN ({marks}))")
            params.extend([*variants, *variants])
        with self._transaction() as db:
            rows = self._rows(
                "SELECT a.id, s.name AS source, a.url, s.timezone, s.interval_seconds,"
                " a.etag, a.last_modified, a.consecutive_failures, a.lease_token,"
                " a.removed_at,"
                " a.first_seen_at, a.last_change_at, a.unchanged_checks"
                " FROM articles a JOIN sources s ON s.id = a.source_id"
                f" WHERE {' AND '.join(where)}"
                " ORDER BY a.next_check_at, a.id LIMIT ?",
                [*params, int(limit)],
            )
            lease_until = _ts(now + timedelta(seconds=lease_seconds))
            for row in rows:
                db.execute(
                    "UPDATE articles SET lease_until = ?, lease_token = lease_token + 1"
                    " WHERE id = ?",
                    [lease_until, row["id"]],
                )
        return [
            DueArticle(
                article_id=int(row["id"]),
                source=row["source"],
                url=row["url"],
                timezone=row["timezone"],
                interval_seconds=float(row["interval_seconds"]),
                etag=row["etag"],
                last_modified=row["last_modified"],
                consecutive_failures=int(row["consecutive_failures"] or 0),
                lease_token=int(row["lease_token"]) + 1,
                removed_at=parse_iso(row["removed_at"]),
                first_seen_at=parse_iso(row["first_seen_at"]),
                last_change_at=parse_iso(row["last_change_at"]),
                unchanged_checks=int(row["unchanged_checks"] or 0),
            )
            for row in rows
        ]

    def record_check(self, result: CheckResult) -> Recorded:
        """Write a check's whole result in ONE transaction, fenced by the lease token.

        Refused (``lease_lost=True``, nothing written) when the article's token moved on or
        the lease was already released by an earlier record of the same claim. A page whose
        hash equals the latest version only bumps that version's ``last_seen_at`` and
        ``seen_count`` (as does a 304); otherwise version n+1 is stored with its change and
        one pending delivery per channel. A change is ignored for a first version.

        Three more outcomes: a page whose (canonical) URL is already watched under another
        row, before it has any version, is merged into that row (``merged_into``; nothing
        stored, nothing alerted); a ``removed`` change (no article) marks the page gone and
        keeps the last good version; a ``restored`` change clears that mark, with a new
        version only if the text differs from the last good one.
        """
        due, fetch, article = result.due, result.fetch, result.article
        checked = _ts(result.checked_at)
        change_id: int | None = None
        with self._transaction() as db:
            row = self._row(
                "SELECT url, lease_token, lease_until FROM articles WHERE id = ?",
                [due.article_id],
            )
            if (
                row is None
                or int(row["lease_token"]) != due.lease_token
                or row["lease_until"] is None
            ):
                return Recorded(version_n=None, new_version=False, change_id=None, lease_lost=True)
            if article is not None and article.canonical_url:
                survivor = follow.duplicate_of(db, due.article_id, article.canonical_url)
                if survivor is not None:
                    self._insert_fetch(db, due.article_id, replace(fetch, outcome="merged"))
                    follow.merge_into(db, due.article_id, survivor, article.canonical_url, checked)
                    return Recorded(
                        version_n=None, new_version=False, change_id=None, merged_into=survivor
                    )
            fetch_id = self._insert_fetch(db, due.article_id, fetch)
            self._update_article(db, result, checked)
            latest = self._row(
                "SELECT id, n, hash FROM versions WHERE article_id = ? ORDER BY n DESC LIMIT 1",
                [due.article_id],
            )
            change = result.change
            events = self._raise_events(db, result, latest is not None, checked)
            if result.quarantine is not None and article is not None:
                db.table("quarantine").insert(
                    {
                        "article_id": due.article_id,
                        "fetch_id": fetch_id,
                        "at": checked,
                        "reason": result.quarantine,
                        "hash": result.content_hash
                        or content_hash(article.title, article.paragraphs),
                        "title": article.title,
                        "paragraphs": _json(list(article.paragraphs)),
                        "words": sum(len(p.split()) for p in article.paragraphs),
                        "after_n": int(latest["n"]) if latest is not None else None,
                    }
                )
                return Recorded(version_n=None, new_version=False, change_id=None, events=events)
            if article is None:
                if change is not None and change.kind != "edit" and latest is not None:
                    # gone (404/410, moved to a section), or back unchanged behind a 304
                    n = int(latest["n"])
                    if change.kind == "restored":
                        self._seen_again(db, int(latest["id"]), checked)
                    uid = change_uid(row["url"], latest["hash"], f"{change.kind} {checked}", n)
                    event_id = self._insert_change(db, result, uid, n, n, checked)
                    return Recorded(
                        version_n=n, new_version=False, change_id=event_id, events=events
                    )
                if fetch.outcome == "not_modified" and latest is not None:
                    self._seen_again(db, int(latest["id"]), checked)
                    return Recorded(
                        version_n=int(latest["n"]), new_version=False, change_id=None, events=events
                    )
                return Recorded(version_n=None, new_version=False, change_id=None, events=events)
            digest = result.content_hash or content_hash(article.title, article.paragraphs)
            if latest is not None and latest["hash"] == digest:
                self._seen_again(db, int(latest["id"]), checked)
                n = int(latest["n"])
                change_id = None
                if change is not None and change.kind == "restored":
                    uid = change_uid(row["url"], latest["hash"], f"restored {checked}", n)
                    change_id = self._insert_change(db, result, uid, n, n, checked)
                return Recorded(version_n=n, new_version=False, change_id=change_id, events=events)
            n = int(latest["n"]) + 1 if latest is not None else 1
            db.table("versions").insert(
                {
                    "article_id": due.article_id,
                    "n": n,
                    "hash": digest,
                    "title": article.title,
                    "paragraphs": _json(list(article.paragraphs)),
                    "published": iso(article.published),
                    "updated": iso(article.updated),
                    "stamps": _json([s.as_dict() for s in article.stamps]),
                    "language": article.language,
                    "final_url": fetch.final_url,
                    "first_seen_at": checked,
                    "last_seen_at": checked,
                    "seen_count": 1,
                }
            )
            change_id = None  # a first version has no change
            if change is not None and latest is not None:
                uid = change_uid(row["url"], latest["hash"], digest, n)
                change_id = self._insert_change(db, result, uid, int(latest["n"]), n, checked)
            return Recorded(version_n=n, new_version=True, change_id=change_id, events=events)

    def _queue_change(
        self,
        db: Database,
        change_id: int,
        uid: str,
        article_id: int,
        routes: Sequence[AlertRoute],
        now: datetime,
    ) -> None:
        """One delivery per routed channel: pending, or held for a digest past the rate."""
        checked = _ts(now)
        source_id = self._source_of(article_id)
        seen: set[str] = set()
        for route in routes:
            if route.channel in seen:
                continue
            seen.add(route.channel)
            state: DeliveryState = "pending"
            due_at = checked
            if route.digest_after is not None:
                since = _ts(now - timedelta(seconds=route.digest_seconds))
                recent = self._row(
                    "SELECT count(*) AS n FROM deliveries WHERE channel = ? AND source_id = ?"
                    " AND kind = 'change' AND created_at > ?",
                    [route.channel, source_id, since],
                )
                if recent is not None and int(recent["n"]) >= route.digest_after:
                    state = "held"
                    due_at = _ts(now + timedelta(seconds=route.digest_seconds))
            self._insert_delivery(
                db,
                "change",
                route.channel,
                f"{uid}:{route.channel}",
                source_id,
                checked,
                change_id=change_id,
                state=state,
                due_at=due_at,
            )

    @staticmethod
    def _insert_delivery(
        db: Database,
        kind: DeliveryKind,
        channel: str,
        key: str,
        source_id: int,
        created: str,
        *,
        change_id: int | None = None,
        event_id: int | None = None,
        state: DeliveryState = "pending",
        due_at: str | None = None,
    ) -> int:
        cursor = db.execute(
            "INSERT OR IGNORE INTO deliveries (change_id, event_id, kind, channel, key, state,"
            " attempts, next_attempt_at, created_at, source_id)"
            " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            [change_id, event_id, kind, channel, key, state, due_at or created, created, source_id],
        )
        return int(cursor.lastrowid or 0)

    def _source_of(self, article_id: int) -> int:
        row = self._row("SELECT source_id FROM articles WHERE id = ?", [article_id])
        if row is None:
            raise StoreError(f"article {article_id} vanished during a check")
        return int(row["source_id"])

    def _raise_events(
        self, db: Database, result: CheckResult, has_version: bool, checked: str
    ) -> tuple[str, ...]:
        """Source health and article removal, decided in the check's own transaction.

        The source counts consecutive failed checks over all its articles; the check that
        reaches ``failing_after`` raises ONE ``source_failing`` (or ``extraction_broken``
        when most of those failures were empty extractions) and the first success after
        that raises ``recovered``. An article that had versions and now answers 404/410
        raises ``removed`` once (on its first failure).
        """
        due, fetch = result.due, result.fetch
        source = self._row(
            "SELECT s.id, s.name, s.url, s.health, s.health_since, s.failure_streak,"
            " s.extract_streak"
            " FROM sources s JOIN articles a ON a.source_id = s.id WHERE a.id = ?",
            [due.article_id],
        )
        if source is None:
            return ()
        source_id = int(source["id"])
        raised: list[tuple[str, str, int | None]] = []
        # a quarantined page is a failure to get the article, of the extraction kind
        failed = fetch.outcome in ("error", "quarantined")
        streak = int(source["failure_streak"]) + 1 if failed else 0
        extracting = fetch.error_kind in ("extract", "quarantine")
        extract = int(source["extract_streak"]) + extracting if failed else 0
        health = str(source["health"])
        sets: dict[str, Any] = {"failure_streak": streak, "extract_streak": extract}
        if failed and health == "ok" and 0 < result.failing_after <= streak:
            kind = "extraction_broken" if 2 * extract > streak else "source_failing"
            what = "extracts no article" if kind == "extraction_broken" else "is failing"
            raised.append(
                (
                    kind,
                    f"{source['name']} {what}: {streak} checks in a row failed; last: "
                    f"{fetch.error or fetch.error_kind}",
                    None,
                )
            )
            sets.update(health=kind, health_since=checked, health_error=fetch.error)
        elif failed and health != "ok":
            sets["health_error"] = fetch.error
        elif not failed and health != "ok":
            since = source.get("health_since") or checked
            raised.append(
                ("recovered", f"{source['name']} recovered ({health} since {since})", None)
            )
            sets.update(health="ok", health_since=checked, health_error=None)
        if failed and fetch.status in (404, 410) and due.consecutive_failures == 0 and has_version:
            raised.append(
                ("removed", f"{due.url} was removed (HTTP {fetch.status})", due.article_id)
            )
        change = result.change
        if change is not None and change.kind in ("removed", "restored") and has_version:
            # the checker's unpublish/return decision (404/410, moved to a section page)
            raised.append(
                (change.kind, f"{due.url} was {change.kind} ({change.reason})", due.article_id)
            )
        db.table("sources").update(source_id, sets)
        for kind, message, article_id in raised:
            uid = hashlib.sha256(
                f"{source_id}\n{kind}\n{due.article_id}\n{checked}".encode()
            ).hexdigest()[:32]
            event_id = _insert(
                db,
                "events",
                {
                    "uid": uid,
                    "source_id": source_id,
                    "article_id": article_id,
                    "kind": kind,
                    "message": message,
                    "at": checked,
                },
            )
            for channel in dict.fromkeys(result.event_routes.get(kind, ())):
                self._insert_delivery(
                    db,
                    "event",
                    channel,
                    f"{uid}:{channel}",
                    source_id,
                    checked,
                    event_id=event_id,
                )
        return tuple(kind for kind, _, _ in raised)

    @staticmethod
    def _insert_fetch(db: Database, article_id: int, fetch: FetchRecord) -> int:
        return _insert(
            db,
            "fetches",
            {
                "article_id": article_id,
                "url": fetch.url,
                "started_at": _ts(fetch.started_at),
                "outcome": fetch.outcome,
                "status": fetch.status,
                "elapsed_ms": fetch.elapsed_ms,
                "bytes": fetch.bytes,
                "final_url": fetch.final_url,
                "redirects": _json([_redirect_dict(r) for r in fetch.redirects]),
                "error_kind": fetch.error_kind,
                "error": fetch.error,
            },
        )

    def _insert_change(
        self, db: Database, result: CheckResult, uid: str, from_n: int, to_n: int, checked: str
    ) -> int:
        """The change row and one pending delivery per channel (the outbox)."""
        change = result.change
        assert change is not None
        change_id = _insert(
            db,
            "changes",
            {
                "uid": uid,
                "article_id": result.due.article_id,
                "from_n": from_n,
                "to_n": to_n,
                "detected_at": checked,
                "title_changed": int(change.title_changed),
                "old_title": change.old_title,
                "new_title": change.new_title,
                "paragraphs_added": change.paragraphs_added,
                "paragraphs_removed": change.paragraphs_removed,
                "paragraphs_modified": change.paragraphs_modified,
                "new_updated_stamp": iso(change.new_updated_stamp),
                "silent": int(change.silent),
                "severity": change.severity,
                "position": change.where,
                "summary": change.summary(),
                "record_json": _json(change.record()),
                "diff_json": _json(change.diff_dict()),
                "kind": change.kind,
            },
        )
        routes = [AlertRoute(c) for c in result.channels] + list(result.routes)
        self._queue_change(db, change_id, uid, result.due.article_id, routes, result.checked_at)
        return change_id

    @staticmethod
    def _seen_again(db: Database, version_id: int, checked: str) -> None:
        db.execute(
            "UPDATE versions SET last_seen_at = ?, seen_count = seen_count + 1 WHERE id = ?",
            [checked, version_id],
        )

    @staticmethod
    def _update_article(db: Database, result: CheckResult, checked: str) -> None:
        sets = ["last_checked_at = :checked", "next_check_at = :next", "lease_until = NULL"]
        params: dict[str, Any] = {
            "id": result.due.article_id,
            "checked": checked,
            "next": _ts(result.next_check_at),
        }
        if result.etag is not None:
            sets.append("etag = :etag")
            params["etag"] = result.etag
        if result.last_modified is not None:
            sets.append("last_modified = :last_modified")
            params["last_modified"] = result.last_modified
        if result.fetch.outcome == "error":
            sets.append("consecutive_failures = consecutive_failures + 1")
            sets.append("last_error = :error")
            params["error"] = result.fetch.error or result.fetch.error_kind or "error"
        elif result.quarantine is not None:
            # the page answered but is no article: shown as failing, the title kept
            sets.append("consecutive_failures = consecutive_failures + 1")
            sets.append("last_error = :error")
            params["error"] = f"quarantined: {result.quarantine}"
            db.execute(f"UPDATE articles SET {', '.join(sets)} WHERE id = :id", params)
            return
        else:
            sets.append("consecutive_failures = 0")
            sets.append("last_error = NULL")
        change = result.change
        if change is not None and change.kind == "removed":
            sets.append("removed_at = coalesce(removed_at, :checked)")
            sets.append("removed_reason = :reason")
            params["reason"] = change.reason
        if result.article is not None or (change is not None and change.kind == "restored"):
            sets.append("removed_at = NULL")
            sets.append("removed_reason = NULL")
        if result.unchanged_checks is not None:
            sets.append("unchanged_checks = :unchanged")
            params["unchanged"] = result.unchanged_checks
        if result.last_change_at is not None:
            sets.append("last_change_at = :changed")
            params["changed"] = _ts(result.last_change_at)
        if result.retire:
            sets.append("state = 'retired'")
            sets.append("retired_at = :checked")
        if result.article is not None:
            sets.append("title = :title")
            params["title"] = result.article.title
            if result.article.canonical_url:
                sets.append("canonical_url = :canonical")
                params["canonical"] = result.article.canonical_url
        db.execute(f"UPDATE articles SET {', '.join(sets)} WHERE id = :id", params)

    def stats(self, now: datetime) -> StoreStats:
        """Counts for metrics and health, read under one lock (one consistent snapshot)."""
        stamp = _ts(now)
        with self._lock, self._conn:
            self._conn.execute("BEGIN")  # one read snapshot for all the counts
            fetches = {
                r["outcome"]: int(r["n"])
                for r in self._rows("SELECT outcome, count(*) AS n FROM fetches GROUP BY outcome")
            }
            c = self._row(
                "SELECT count(*) AS total, sum(title_changed) AS title,"
                " sum(paragraphs_added > 0) AS added, sum(paragraphs_removed > 0) AS removed,"
                " sum(paragraphs_modified > 0) AS modified, sum(silent) AS silent,"
                " sum(new_updated_stamp IS NOT NULL) AS stamped,"
                " sum(severity = 'major') AS major FROM changes"
            )
            deliveries = {
                (r["channel"], r["state"]): int(r["n"])
                for r in self._rows(
                    "SELECT channel, state, count(*) AS n FROM deliveries GROUP BY channel, state"
                )
            }
            a = self._row(
                "SELECT count(*) AS n, sum(a.consecutive_failures > 0) AS failing,"
                " min(CASE WHEN a.next_check_at <= :now AND (a.lease_until IS NULL"
                " OR a.lease_until <= :now) THEN a.next_check_at END) AS oldest_due,"
                " max(a.last_checked_at) AS last_check"
                " FROM articles a JOIN sources s ON s.id = a.source_id"
                " WHERE a.state = 'active' AND s.enabled = 1",
                {"now": stamp},
            )
            quarantined = self._row("SELECT count(*) AS n FROM quarantine")
        assert c is not None and a is not None and quarantined is not None
        oldest = parse_iso(a["oldest_due"])
        size = 0
        for suffix in ("", "-wal"):
            file = Path(f"{self.path}{suffix}")
            size += file.stat().st_size if file.exists() else 0
        kinds = ("title", "added", "removed", "modified", "silent", "stamped", "major")
        return StoreStats(
            fetches=fetches,
            changes={"all": int(c["total"]), **{k: int(c[k] or 0) for k in kinds}},
            deliveries=deliveries,
            quarantined=int(quarantined["n"]),
            articles=int(a["n"]),
            failing=int(a["failing"] or 0),
            check_lag_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
            last_check_at=parse_iso(a["last_check"]),
            database_bytes=size,
        )

    def quarantine_streak(self, article_id: int, content_hash: str) -> int:
        """Latest fetches in a row (errors skipped) quarantined with this very content."""
        rows = self._rows(
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
        rows = self._rows(
            "SELECT q.*, a.url AS article_url FROM quarantine q"
            f" JOIN articles a ON a.id = q.article_id {where} ORDER BY q.id DESC LIMIT ?",
            [*params, int(limit)],
        )
        return [
            Quarantined(
                id=int(row["id"]),
                article_id=int(row["article_id"]),
                url=row["article_url"],
                at=_required_time(row["at"]),
                reason=row["reason"],
                hash=row["hash"],
                title=row["title"],
                paragraphs=list(json.loads(row["paragraphs"])),
                words=int(row["words"] or 0),
                after_n=None if row["after_n"] is None else int(row["after_n"]),
            )
            for row in rows
        ]

    # ------------------------------------------------------------------ deliveries

    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        rows = self._rows(
            "SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            [_ts(now), int(limit)],
        )
        return [_delivery(row) for row in rows]

    def mark_delivered(self, delivery_id: int, at: datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1,"
                " delivered_at = ?, last_error = NULL WHERE id = ?",
                [_ts(at), delivery_id],
            )

    def mark_retry(
        self, delivery_id: int, error: str, next_attempt_at: datetime, give_up: bool
    ) -> None:
        """Count a failed attempt; ``give_up`` marks the delivery failed for good."""
        with self._transaction() as db:
            db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?,"
                " next_attempt_at = ?, state = ? WHERE id = ? AND state = 'pending'",
                [error, _ts(next_attempt_at), "failed" if give_up else "pending", delivery_id],
            )

    def delivery_context(self, delivery_id: int) -> tuple[Delivery, StoredChange] | None:
        with self._lock:
            row = self._row("SELECT * FROM deliveries WHERE id = ?", [delivery_id])
            if row is None:
                return None
            change = self.change(int(row["change_id"]))
        if change is None:
            return None
        return _delivery(row), change

    def delivery_subject(self, delivery_id: int) -> DeliverySubject | None:
        """A delivery with its change, its event, or the changes of its digest."""
        with self._lock:
            row = self._row(
                "SELECT d.*, s.name AS source_name FROM deliveries d"
                " LEFT JOIN sources s ON s.id = d.source_id WHERE d.id = ?",
                [delivery_id],
            )
            if row is None:
                return None
            delivery = _delivery(row)
            source = row["source_name"] or ""
            if delivery.kind == "event" and delivery.event_id is not None:
                event = self._event(delivery.event_id)
                return DeliverySubject(delivery, source, event=event) if event else None
            if delivery.kind == "digest":
                rows = self._rows(
                    _CHANGE_SELECT
                    + " WHERE c.id IN (SELECT change_id FROM deliveries WHERE digest_id = ?)"
                    " ORDER BY c.id",
                    [delivery_id],
                )
                return DeliverySubject(delivery, source, digest=tuple(map(_change, rows)))
            change = self.change(delivery.change_id) if delivery.change_id else None
            if change is None:
                return None
            return DeliverySubject(delivery, change.source, change=change)

    def form_digests(self, now: datetime) -> int:
        """Turn each (channel, source) group of held deliveries whose oldest is due into ONE
        digest delivery; the members are marked ``digested`` in the same transaction, so a
        crash can neither lose a held alert nor put it in two digests."""
        stamp = _ts(now)
        formed = 0
        with self._transaction() as db:
            groups = self._rows(
                "SELECT channel, source_id, min(next_attempt_at) AS due, min(key) AS first"
                " FROM deliveries WHERE state = 'held' GROUP BY channel, source_id"
                " HAVING min(next_attempt_at) <= ?",
                [stamp],
            )
            for group in groups:
                digest_id = self._insert_delivery(
                    db,
                    "digest",
                    group["channel"],
                    f"digest-{group['first']}",
                    int(group["source_id"]),
                    stamp,
                )
                if not digest_id:
                    continue
                db.execute(
                    "UPDATE deliveries SET state = 'digested', digest_id = ?"
                    " WHERE state = 'held' AND channel = ? AND source_id = ?",
                    [digest_id, group["channel"], group["source_id"]],
                )
                formed += 1
        return formed

    def events(self, limit: int = 50) -> list[StoredEvent]:
        rows = self._rows(_EVENT_SELECT + " ORDER BY e.id DESC LIMIT ?", [int(limit)])
        return [_event(row) for row in rows]

    def _event(self, event_id: int) -> StoredEvent | None:
        row = self._row(_EVENT_SELECT + " WHERE e.id = ?", [event_id])
        return _event(row) if row else None

    # ------------------------------------------------------------------ readers

    def find_article(self, url: str) -> ArticleRecord | None:
        """By watched URL first, then canonical URL; a trailing slash does not matter."""
        variants = _url_variants(url)
        marks = ", ".join("?" for _ in variants)
        rows = self._article_rows(
            f"a.url IN ({marks}) OR a.canonical_url IN ({marks})",
            [*variants, *variants],
            order=f"(a.url IN ({marks})) DESC, (a.url = ?) DESC, a.state = 'active' DESC, a.id",
            order_params=[*variants, url],
        )
        if rows and rows[0].merged_into is not None:  # a duplicate: show the watched one
            rows = self._article_rows("a.id = ?", [rows[0].merged_into]) or rows
        return rows[0] if rows else None

    def articles(self, source: str | None = None) -> list[ArticleRecord]:
        if source is None:
            return self._article_rows("1", [])
        return self._article_rows("s.name = ?", [source])

    def _article_rows(
        self,
        where: str,
        params: list[Any],
        order: str = "a.id",
        order_params: Sequence[Any] = (),
    ) -> list[ArticleRecord]:
        rows = self._rows(
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
                first_seen_at=_required_time(row["first_seen_at"]),
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
        row = self._row(
            "SELECT * FROM versions WHERE article_id = ? ORDER BY n DESC LIMIT 1", [article_id]
        )
        return _version(row) if row else None

    def versions(self, article_id: int) -> list[StoredVersion]:
        rows = self._rows("SELECT * FROM versions WHERE article_id = ? ORDER BY n", [article_id])
        return [_version(row) for row in rows]

    def version(self, article_id: int, n: int) -> StoredVersion | None:
        row = self._row("SELECT * FROM versions WHERE article_id = ? AND n = ?", [article_id, n])
        return _version(row) if row else None

    def change(self, change_id: int) -> StoredChange | None:
        row = self._row(_CHANGE_SELECT + " WHERE c.id = ?", [change_id])
        return _change(row) if row else None

    def changes(self, article_id: int | None = None, limit: int = 50) -> list[StoredChange]:
        """Newest first; all articles when ``article_id`` is None."""
        if article_id is None:
            rows = self._rows(_CHANGE_SELECT + " ORDER BY c.id DESC LIMIT ?", [int(limit)])
        else:
            rows = self._rows(
                _CHANGE_SELECT + " WHERE c.article_id = ? ORDER BY c.id DESC LIMIT ?",
                [article_id, int(limit)],
            )
        return [_change(row) for row in rows]

    def source_states(self, now: datetime | None = None) -> list[SourceState]:
        """Counts per enabled (configured) source; ``due`` is judged at ``now`` (default: the
        real clock). An article counts for every source that found it (``article_sources``);
        a duplicate merged into another article counts for none."""
        stamp = _ts(now if now is not None else utc_now())
        rows = self._rows(
            """
            WITH mine AS (
              SELECT x.source_id AS found_by, a.*
              FROM article_sources x JOIN articles a ON a.id = x.article_id
              WHERE a.merged_into IS NULL
            )
            SELECT s.*,
              (SELECT count(*) FROM mine a
                 WHERE a.found_by = s.id AND a.state = 'active') AS n_articles,
              (SELECT count(*) FROM mine a WHERE a.found_by = s.id
                 AND a.state = 'active' AND a.next_check_at <= :now) AS n_due,
              (SELECT count(*) FROM mine a WHERE a.found_by = s.id
                 AND a.state = 'active' AND a.consecutive_failures > 0) AS n_failing,
              (SELECT count(*) FROM mine a WHERE a.found_by = s.id
                 AND a.state = 'retired') AS n_retired,
              (SELECT count(*) FROM mine a WHERE a.found_by = s.id
                 AND a.state = 'active' AND a.removed_at IS NOT NULL) AS n_removed,
              (SELECT max(a.last_checked_at) FROM mine a
                 WHERE a.found_by = s.id) AS last_check,
              (SELECT a.last_error FROM mine a WHERE a.found_by = s.id
                 AND a.consecutive_failures > 0
                 ORDER BY a.last_checked_at DESC LIMIT 1) AS last_err,
              (SELECT count(*) FROM versions v JOIN mine a ON a.id = v.article_id
                 WHERE a.found_by = s.id) AS n_versions,
              (SELECT count(*) FROM changes c JOIN mine a ON a.id = c.article_id
                 WHERE a.found_by = s.id) AS n_changes,
              (SELECT count(*) FROM deliveries d
                 WHERE d.source_id = s.id AND d.state = 'pending') AS n_pending,
              (SELECT count(*) FROM deliveries d
                 WHERE d.source_id = s.id AND d.state = 'failed') AS n_failed,
              (SELECT count(*) FROM deliveries d
                 WHERE d.source_id = s.id AND d.state = 'held') AS n_held,
              (SELECT d.channel || ': ' || d.last_error FROM deliveries d
                 WHERE d.source_id = s.id AND d.state IN ('pending', 'failed')
                 AND d.last_error IS NOT NULL ORDER BY d.id DESC LIMIT 1) AS delivery_err
            FROM sources s WHERE s.enabled = 1 ORDER BY s.name
            """,
            {"now": stamp},
        )
        return [
            SourceState(
                name=row["name"],
                url=row["url"],
                kind=row["kind"],
                interval_seconds=float(row["interval_seconds"]),
                articles=int(row["n_articles"]),
                due=int(row["n_due"]),
                failing=int(row["n_failing"]),
                last_check_at=parse_iso(row["last_check"]),
                last_error=row["last_discovery_error"] or row["last_err"],
                versions=int(row["n_versions"]),
                changes=int(row["n_changes"]),
                pending_deliveries=int(row["n_pending"]),
                failed_deliveries=int(row["n_failed"]),
                held_deliveries=int(row["n_held"]),
                health=row["health"],
                health_since=parse_iso(row["health_since"]) if row["health"] != "ok" else None,
                last_delivery_error=row["delivery_err"],
                retired=int(row["n_retired"]),
                removed=int(row["n_removed"]),
                last_discovery_at=parse_iso(row["last_discovery_at"]),
                last_discovery_error=row["last_discovery_error"],
                last_discovered=row["last_discovered"],
            )
            for row in rows
        ]

    def fetches(self, article_id: int, limit: int = 20) -> list[dict[str, Any]]:
        """The fetch log of one article, newest first, as plain dicts for display."""
        rows = self._rows(
            "SELECT id, url, started_at, outcome, status, elapsed_ms, bytes, final_url,"
            " redirects, error_kind, error FROM fetches WHERE article_id = ?"
            " ORDER BY id DESC LIMIT ?",
            [article_id, int(limit)],
        )
        for row in rows:
            row["redirects"] = json.loads(row["redirects"] or "[]")
        return rows


# ---------------------------------------------------------------------- row -> record


def _redirect_dict(redirect: Redirect) -> dict[str, Any]:
    return {"status": redirect.status, "url": redirect.url, "location": redirect.location}


def _version(row: Row) -> StoredVersion:
    return StoredVersion(
        article_id=int(row["article_id"]),
        n=int(row["n"]),
        hash=row["hash"],
        title=row["title"],
        paragraphs=list(json.loads(row["paragraphs"])),
        published=parse_iso(row["published"]),
        updated=parse_iso(row["updated"]),
        stamps=[Stamp.from_dict(s) for s in json.loads(row["stamps"] or "[]")],
        language=row["language"],
        final_url=row["final_url"],
        first_seen_at=_required_time(row["first_seen_at"]),
        last_seen_at=_required_time(row["last_seen_at"]),
        seen_count=int(row["seen_count"]),
    )


def _change(row: Row) -> StoredChange:
    return StoredChange(
        id=int(row["id"]),
        uid=row["uid"],
        article_id=int(row["article_id"]),
        source=row["source_name"],
        url=row["article_url"],
        title=row["article_title"] or row["new_title"] or "",
        from_n=int(row["from_n"]),
        to_n=int(row["to_n"]),
        at=_required_time(row["detected_at"]),
        title_changed=bool(row["title_changed"]),
        paragraphs_added=int(row["paragraphs_added"]),
        paragraphs_removed=int(row["paragraphs_removed"]),
        paragraphs_modified=int(row["paragraphs_modified"]),
        new_updated_stamp=parse_iso(row["new_updated_stamp"]),
        silent=bool(row["silent"]),
        severity=row["severity"],
        summary=row["summary"],
        record=dict(json.loads(row["record_json"])),
        diff=dict(json.loads(row["diff_json"])),
        kind=row.get("kind") or "edit",
    )


def _event(row: Row) -> StoredEvent:
    return StoredEvent(
        id=int(row["id"]),
        uid=row["uid"],
        source=row["source_name"],
        kind=row["kind"],
        message=row["message"],
        at=_required_time(row["at"]),
        url=row["article_url"] or row["source_url"],
        title=row["article_title"],
    )


def _delivery(row: Row) -> Delivery:
    return Delivery(
        id=int(row["id"]),
        change_id=int(row["change_id"]) if row["change_id"] is not None else None,
        kind=cast(DeliveryKind, row.get("kind") or "change"),
        event_id=int(row["event_id"]) if row.get("event_id") is not None else None,
        channel=row["channel"],
        key=row["key"],
        attempts=int(row["attempts"]),
        state=cast(DeliveryState, row["state"]),
        next_attempt_at=_required_time(row["next_attempt_at"]),
        last_error=row["last_error"],
    )


# the record builders, for the history queries (store/queries.py)
version_record = _version
change_record = _change
