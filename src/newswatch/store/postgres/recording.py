"""Recording a check on PostgreSQL: the same rows as the SQLite side, in ONE transaction
fenced by the claim's lease token.

The source row (its health streak) and then the article row are locked first (``FOR NO KEY
UPDATE``, the order ``sync_sources`` takes them in, so the two never deadlock), so two hosts
holding claims of one article (a late worker whose lease expired and the one that re-claimed
it) are serialised and the stale token loses; the outbox rows are keyed (change uid +
channel), so no alert is queued twice. A transaction PostgreSQL picks as a deadlock victim
anyway is run again from the start.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Json, Jsonb

from newswatch.errors import StoreError
from newswatch.models import Redirect, iso
from newswatch.normalize import content_hash
from newswatch.store.postgres import search
from newswatch.store.postgres.connection import Conn, PgConnection, aware, fetch_one, maybe
from newswatch.store.postgres.readers import CURRENT_VERSION
from newswatch.store.records import (
    AlertRoute,
    CheckResult,
    DeliveryKind,
    DeliveryState,
    FetchRecord,
    Recorded,
)


def change_uid(url: str, from_hash: str, to_hash: str, to_n: int) -> str:
    """The stable id of a change, as the SQLite side computes it."""
    digest = hashlib.sha256(f"{url}\n{from_hash}\n{to_hash}\n{to_n}".encode())
    return digest.hexdigest()[:32]


def _redirect_dict(redirect: Redirect) -> dict[str, Any]:
    return {"status": redirect.status, "url": redirect.url, "location": redirect.location}


def insert_delivery(
    conn: Conn,
    kind: DeliveryKind,
    channel: str,
    key: str,
    source_id: int,
    created: datetime,
    *,
    change_id: int | None = None,
    event_id: int | None = None,
    state: DeliveryState = "pending",
    due_at: datetime | None = None,
) -> int:
    """One outbox row; 0 when its key is already queued."""
    row = fetch_one(
        conn,
        "INSERT INTO deliveries (change_id, event_id, kind, channel, key, state,"
        " attempts, next_attempt_at, created_at, source_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, 0, %s, %s, %s)"
        " ON CONFLICT (key) DO NOTHING RETURNING id",
        [change_id, event_id, kind, channel, key, state, due_at or created, created, source_id],
    )
    return int(row["id"]) if row is not None else 0


class CheckRecording:
    """Writing a check's result (see :meth:`newswatch.store.records.Store.record_check`)."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def record_check(self, result: CheckResult) -> Recorded:
        return self.db.run(lambda conn: self._record(conn, result))

    def _record(self, conn: Conn, result: CheckResult) -> Recorded:
        due, fetch, article = result.due, result.fetch, result.article
        checked = aware(result.checked_at)
        # the source first, then the article: the order sync_sources takes them in
        fetch_one(
            conn,
            "SELECT id FROM sources WHERE id = (SELECT source_id FROM articles"
            " WHERE id = %s) FOR NO KEY UPDATE",
            [due.article_id],
        )
        row = fetch_one(
            conn,
            "SELECT url, lease_token, lease_until FROM articles WHERE id = %s FOR NO KEY UPDATE",
            [due.article_id],
        )
        if row is None or int(row["lease_token"]) != due.lease_token or row["lease_until"] is None:
            return Recorded(version_n=None, new_version=False, change_id=None, lease_lost=True)
        if article is not None and article.canonical_url:
            survivor = self._duplicate_of(conn, due.article_id, article.canonical_url)
            if survivor is not None:
                self._insert_fetch(conn, due.article_id, replace(fetch, outcome="merged"))
                self._merge_into(conn, due.article_id, survivor, article.canonical_url, checked)
                return Recorded(
                    version_n=None, new_version=False, change_id=None, merged_into=survivor
                )
        fetch_id = self._insert_fetch(conn, due.article_id, fetch)
        self._update_article(conn, result, checked)
        latest = fetch_one(
            conn,
            f"SELECT v.id, v.n, v.hash FROM versions v {CURRENT_VERSION}",
            [due.article_id] * 2,
        )
        change = result.change
        events = self._raise_events(conn, result, latest is not None, checked)
        if result.quarantine is not None and article is not None:
            conn.execute(
                "INSERT INTO quarantine (article_id, fetch_id, at, reason, hash, title,"
                " paragraphs, words, after_n) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    due.article_id,
                    fetch_id,
                    checked,
                    result.quarantine,
                    result.content_hash or content_hash(article.title, article.paragraphs),
                    article.title,
                    Jsonb(list(article.paragraphs)),
                    sum(len(p.split()) for p in article.paragraphs),
                    int(latest["n"]) if latest is not None else None,
                ],
            )
            return Recorded(version_n=None, new_version=False, change_id=None, events=events)
        if article is None:
            if change is not None and change.kind != "edit" and latest is not None:
                n = int(latest["n"])
                if change.kind == "restored":
                    self._seen_again(conn, int(latest["id"]), checked)
                uid = change_uid(row["url"], latest["hash"], f"{change.kind} {_iso(checked)}", n)
                event_id = self._insert_change(conn, result, uid, n, n, checked)
                return Recorded(version_n=n, new_version=False, change_id=event_id, events=events)
            if fetch.outcome == "not_modified" and latest is not None:
                self._seen_again(conn, int(latest["id"]), checked)
                return Recorded(
                    version_n=int(latest["n"]), new_version=False, change_id=None, events=events
                )
            return Recorded(version_n=None, new_version=False, change_id=None, events=events)
        digest = result.content_hash or content_hash(article.title, article.paragraphs)
        change_id: int | None = None
        back = (
            fetch_one(
                conn,
                "SELECT id, n FROM versions WHERE article_id = %s AND n = %s",
                [due.article_id, change.back_to],
            )
            if change is not None and change.back_to is not None and latest is not None
            else None
        )
        if back is not None and change is not None and latest is not None:
            # a revert or a headline variant that returns: the known version is current
            # again, no new number (the change row says where from and where to)
            self._seen_again(conn, int(back["id"]), checked)
            n = int(back["n"])
            uid = change_uid(row["url"], latest["hash"], f"{change.kind} {_iso(checked)}", n)
            change_id = self._insert_change(conn, result, uid, int(latest["n"]), n, checked)
            return Recorded(version_n=n, new_version=False, change_id=change_id, events=events)
        if latest is not None and latest["hash"] == digest:
            self._seen_again(conn, int(latest["id"]), checked)
            n = int(latest["n"])
            change_id = None
            if change is not None and change.kind == "restored":
                uid = change_uid(row["url"], latest["hash"], f"restored {_iso(checked)}", n)
                change_id = self._insert_change(conn, result, uid, n, n, checked)
            return Recorded(version_n=n, new_version=False, change_id=change_id, events=events)
        top = fetch_one(
            conn, "SELECT max(n) AS n FROM versions WHERE article_id = %s", [due.article_id]
        )
        n = int(top["n"]) + 1 if top is not None and top["n"] is not None else 1
        conn.execute(
            "INSERT INTO versions (article_id, n, hash, title, paragraphs, published,"
            " updated, stamps, language, final_url, first_seen_at, last_seen_at,"
            " seen_count, search) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " 1, to_tsvector('simple', %s))",
            [
                due.article_id,
                n,
                digest,
                article.title,
                Jsonb(list(article.paragraphs)),
                maybe(article.published),
                maybe(article.updated),
                Jsonb([s.as_dict() for s in article.stamps]),
                article.language,
                fetch.final_url,
                checked,
                checked,
                search.document(article.title, article.paragraphs),
            ],
        )
        change_id = None  # a first version has no change
        if change is not None and latest is not None:
            uid = change_uid(row["url"], latest["hash"], digest, n)
            change_id = self._insert_change(conn, result, uid, int(latest["n"]), n, checked)
        return Recorded(version_n=n, new_version=True, change_id=change_id, events=events)

    # ------------------------------------------------------------------ merges

    def _duplicate_of(self, conn: Conn, article_id: int, canonical: str) -> int | None:
        """Another watched article already at ``canonical``; only an article with no
        version yet is merged away."""
        if fetch_one(
            conn, "SELECT 1 AS x FROM versions WHERE article_id = %s LIMIT 1", [article_id]
        ):
            return None
        other = fetch_one(
            conn,
            "SELECT id FROM articles WHERE id != %s AND merged_into IS NULL"
            " AND (url = %s OR canonical_url = %s) ORDER BY state = 'active' DESC, id LIMIT 1",
            [article_id, canonical, canonical],
        )
        return int(other["id"]) if other is not None else None

    @staticmethod
    def _merge_into(
        conn: Conn, article_id: int, survivor: int, canonical: str, stamp: datetime
    ) -> None:
        conn.execute(
            "UPDATE articles SET state = 'retired', merged_into = %s, canonical_url = %s,"
            " lease_until = NULL, last_checked_at = %s, next_check_at = NULL WHERE id = %s",
            [survivor, canonical, stamp, article_id],
        )
        conn.execute(
            "INSERT INTO article_sources (article_id, source_id, first_seen_at, last_seen_at)"
            " SELECT %s, source_id, first_seen_at, last_seen_at FROM article_sources"
            " WHERE article_id = %s ON CONFLICT (article_id, source_id) DO NOTHING",
            [survivor, article_id],
        )
        conn.execute(
            "UPDATE articles SET publisher_updated = (SELECT max(publisher_updated)"
            " FROM articles WHERE id IN (%s, %s)) WHERE id = %s",
            [survivor, article_id, survivor],
        )

    # ------------------------------------------------------------------ rows of a check

    def _insert_fetch(self, conn: Conn, article_id: int, fetch: FetchRecord) -> int:
        row = fetch_one(
            conn,
            "INSERT INTO fetches (article_id, url, started_at, outcome, status, elapsed_ms,"
            " bytes, final_url, redirects, error_kind, error)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [
                article_id,
                fetch.url,
                aware(fetch.started_at),
                fetch.outcome,
                fetch.status,
                fetch.elapsed_ms,
                fetch.bytes,
                fetch.final_url,
                Jsonb([_redirect_dict(r) for r in fetch.redirects]),
                fetch.error_kind,
                fetch.error,
            ],
        )
        assert row is not None
        return int(row["id"])

    def _insert_change(
        self,
        conn: Conn,
        result: CheckResult,
        uid: str,
        from_n: int,
        to_n: int,
        checked: datetime,
    ) -> int:
        """The change row and one delivery per routed channel (the outbox)."""
        change = result.change
        assert change is not None
        row = fetch_one(
            conn,
            "INSERT INTO changes (uid, article_id, from_n, to_n, detected_at, title_changed,"
            " old_title, new_title, paragraphs_added, paragraphs_removed, paragraphs_modified,"
            " new_updated_stamp, silent, severity, position, summary, record_json, diff_json,"
            " kind) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s) RETURNING id",
            [
                uid,
                result.due.article_id,
                from_n,
                to_n,
                checked,
                bool(change.title_changed),
                change.old_title,
                change.new_title,
                change.paragraphs_added,
                change.paragraphs_removed,
                change.paragraphs_modified,
                maybe(change.new_updated_stamp),
                bool(change.silent),
                change.severity,
                change.where,
                change.summary(),
                Json(change.record()),
                Json(change.diff_dict()),
                change.kind,
            ],
        )
        assert row is not None
        change_id = int(row["id"])
        routes = [AlertRoute(c) for c in result.channels] + list(result.routes)
        self._queue_change(conn, change_id, uid, result.due.article_id, routes, checked)
        return change_id

    def _queue_change(
        self,
        conn: Conn,
        change_id: int,
        uid: str,
        article_id: int,
        routes: list[AlertRoute],
        now: datetime,
    ) -> None:
        """One delivery per routed channel: pending, or held for a digest past the rate."""
        source = fetch_one(conn, "SELECT source_id FROM articles WHERE id = %s", [article_id])
        if source is None:
            raise StoreError(f"article {article_id} vanished during a check")
        source_id = int(source["source_id"])
        seen: set[str] = set()
        for route in routes:
            if route.channel in seen:
                continue
            seen.add(route.channel)
            state: DeliveryState = "pending"
            due_at = now
            if route.digest_after is not None:
                recent = fetch_one(
                    conn,
                    "SELECT count(*) AS n FROM deliveries WHERE channel = %s AND source_id = %s"
                    " AND kind = 'change' AND created_at > %s",
                    [route.channel, source_id, now - timedelta(seconds=route.digest_seconds)],
                )
                if recent is not None and int(recent["n"]) >= route.digest_after:
                    state = "held"
                    due_at = now + timedelta(seconds=route.digest_seconds)
            insert_delivery(
                conn,
                "change",
                route.channel,
                f"{uid}:{route.channel}",
                source_id,
                now,
                change_id=change_id,
                state=state,
                due_at=due_at,
            )

    @staticmethod
    def _seen_again(conn: Conn, version_id: int, checked: datetime) -> None:
        conn.execute(
            "UPDATE versions SET last_seen_at = %s, seen_count = seen_count + 1 WHERE id = %s",
            [checked, version_id],
        )

    @staticmethod
    def _update_article(conn: Conn, result: CheckResult, checked: datetime) -> None:
        sets = ["last_checked_at = %(checked)s", "next_check_at = %(next)s", "lease_until = NULL"]
        params: dict[str, Any] = {
            "id": result.due.article_id,
            "checked": checked,
            "next": aware(result.next_check_at),
        }
        if result.etag is not None:
            sets.append("etag = %(etag)s")
            params["etag"] = result.etag
        if result.last_modified is not None:
            sets.append("last_modified = %(last_modified)s")
            params["last_modified"] = result.last_modified
        if result.fetch.outcome == "error":
            sets.append("consecutive_failures = consecutive_failures + 1")
            sets.append("last_error = %(error)s")
            params["error"] = result.fetch.error or result.fetch.error_kind or "error"
        elif result.quarantine is not None:
            sets.append("consecutive_failures = consecutive_failures + 1")
            sets.append("last_error = %(error)s")
            params["error"] = f"quarantined: {result.quarantine}"
            conn.execute(f"UPDATE articles SET {', '.join(sets)} WHERE id = %(id)s", params)
            return
        else:
            sets.append("consecutive_failures = 0")
            sets.append("last_error = NULL")
        change = result.change
        if change is not None and change.kind == "removed":
            sets.append("removed_at = coalesce(removed_at, %(checked)s)")
            sets.append("removed_reason = %(reason)s")
            params["reason"] = change.reason
        if result.article is not None or (change is not None and change.kind == "restored"):
            sets.append("removed_at = NULL")
            sets.append("removed_reason = NULL")
        if result.unchanged_checks is not None:
            sets.append("unchanged_checks = %(unchanged)s")
            params["unchanged"] = result.unchanged_checks
        if result.last_change_at is not None:
            sets.append("last_change_at = %(changed)s")
            params["changed"] = aware(result.last_change_at)
        if result.retire:
            sets.append("state = 'retired'")
            sets.append("retired_at = %(checked)s")
        if result.article is not None:
            sets.append("title = %(title)s")
            params["title"] = result.article.title
            if result.article.canonical_url:
                sets.append("canonical_url = %(canonical)s")
                params["canonical"] = result.article.canonical_url
        conn.execute(f"UPDATE articles SET {', '.join(sets)} WHERE id = %(id)s", params)

    # ------------------------------------------------------------------ source health

    def _raise_events(
        self, conn: Conn, result: CheckResult, has_version: bool, checked: datetime
    ) -> tuple[str, ...]:
        """Source health and article removal events (see the SQLite side's ``health``)."""
        due, fetch = result.due, result.fetch
        source = fetch_one(
            conn,
            "SELECT s.id, s.name, s.url, s.health, s.health_since, s.failure_streak,"
            " s.extract_streak FROM sources s"
            " WHERE s.id = (SELECT source_id FROM articles WHERE id = %s) FOR NO KEY UPDATE",
            [due.article_id],
        )
        if source is None:
            return ()
        source_id = int(source["id"])
        raised: list[tuple[str, str, int | None]] = []
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
            since = source["health_since"] or checked
            raised.append(
                ("recovered", f"{source['name']} recovered ({health} since {_iso(since)})", None)
            )
            sets.update(health="ok", health_since=checked, health_error=None)
        if failed and fetch.status in (404, 410) and due.consecutive_failures == 0 and has_version:
            raised.append(
                ("removed", f"{due.url} was removed (HTTP {fetch.status})", due.article_id)
            )
        change = result.change
        if change is not None and change.kind in ("removed", "restored") and has_version:
            raised.append(
                (change.kind, f"{due.url} was {change.kind} ({change.reason})", due.article_id)
            )
        assignments = ", ".join(f"{column} = %({column})s" for column in sets)
        conn.execute(
            f"UPDATE sources SET {assignments} WHERE id = %(source_id)s",
            {**sets, "source_id": source_id},
        )
        for kind, message, article_id in raised:
            uid = hashlib.sha256(
                f"{source_id}\n{kind}\n{due.article_id}\n{_iso(checked)}".encode()
            ).hexdigest()[:32]
            event = fetch_one(
                conn,
                "INSERT INTO events (uid, source_id, article_id, kind, message, at)"
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                [uid, source_id, article_id, kind, message, checked],
            )
            assert event is not None
            for channel in dict.fromkeys(result.event_routes.get(kind, ())):
                insert_delivery(
                    conn,
                    "event",
                    channel,
                    f"{uid}:{channel}",
                    source_id,
                    checked,
                    event_id=int(event["id"]),
                )
        return tuple(kind for kind, _, _ in raised)


def _iso(value: datetime) -> str:
    """As the SQLite side writes instants into uids and messages (so both agree)."""
    text = iso(value)
    assert text is not None
    return text
