"""A check on PostgreSQL: ONE read of the article's state, then the plan the pure planner
(:mod:`newswatch.judge.plan`) made of it, applied in ONE transaction fenced by the claim's
lease token. It writes the rows the plan names and decides nothing.

The source row (its health guard) and then the article row are locked first (``FOR NO KEY
UPDATE``, the order ``sync_sources`` takes them in, so the two never deadlock), so two hosts
holding claims of one article (a late worker whose lease expired and the one that re-claimed
it) are serialised and the stale token loses; the outbox rows are keyed (change uid +
channel), so no alert is queued twice. A transaction PostgreSQL picks as a deadlock victim
anyway is run again from the start.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from newswatch import following
from newswatch.errors import StoreError
from newswatch.store.postgres import search
from newswatch.store.postgres.connection import (
    Conn,
    PgConnection,
    aware,
    fetch_all,
    fetch_one,
    maybe,
    utc,
)
from newswatch.store.postgres.readers import CURRENT_VERSION
from newswatch.store.postgres.rows import (
    POSTGRES,
    SEARCH_COLUMN,
    VERSION_COLUMNS,
    WRITING_BODIES,
    insert_sql,
    version_record,
)
from newswatch.store.records import (
    Applied,
    ArticleWrite,
    ChangeWrite,
    CheckState,
    DeliveryKind,
    DeliveryState,
    DeliveryWrite,
    DueArticle,
    FetchRecord,
    HealthWrite,
    SourceHealth,
    StoredVersion,
    WritePlan,
)
from newswatch.store.sql.captures import base_present, insert_capture
from newswatch.store.sql.writes import change_values, fetch_values, version_values


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


class CheckWrites:
    """A check's state read and its plan applied (see module docstring)."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def check_state(
        self,
        due: DueArticle,
        *,
        content_hash: str | None = None,
        canonical_url: str | None = None,
        windows: Mapping[str, float] | None = None,
        now: datetime,
    ) -> CheckState:
        """See :meth:`newswatch.store.CheckingStore.check_state`: one read transaction."""
        with self.db.transaction() as conn:
            source = fetch_one(
                conn,
                "SELECT s.id, s.name, s.health, s.health_since, s.failure_streak,"
                " s.extract_streak, a.generation"
                " FROM sources s JOIN articles a ON a.source_id = s.id"
                " WHERE a.id = %s",
                [due.article_id],
            )
            if source is None:
                raise StoreError(f"article {due.article_id} vanished during a check")
            row = fetch_one(
                conn,
                f"SELECT {VERSION_COLUMNS} FROM versions v {CURRENT_VERSION}",
                [due.article_id] * 2,
            )
            latest = version_record(row) if row else None
            streak = 0
            history: tuple[StoredVersion, ...] = ()
            tests: tuple[dict[str, Any], ...] = ()
            if content_hash is not None and (latest is None or latest.hash != content_hash):
                history = tuple(
                    version_record(r)
                    for r in fetch_all(
                        conn,
                        f"SELECT {VERSION_COLUMNS} FROM versions v WHERE v.article_id = %s"
                        " ORDER BY v.n",
                        [due.article_id],
                    )
                )
                tests = tuple(
                    dict(r["record_json"])
                    for r in fetch_all(
                        conn,
                        "SELECT record_json FROM changes WHERE article_id = %s"
                        " AND kind = 'headline_test' ORDER BY id",
                        [due.article_id],
                    )
                )
                rows = fetch_all(
                    conn,
                    "SELECT f.outcome, q.hash FROM fetches f"
                    " LEFT JOIN quarantine q ON q.fetch_id = f.id WHERE f.article_id = %s"
                    " AND f.outcome != 'error' ORDER BY f.id DESC LIMIT 50",
                    [due.article_id],
                )
                for r in rows:
                    if r["outcome"] != "quarantined" or r["hash"] != content_hash:
                        break
                    streak += 1
            duplicate = None
            if canonical_url:
                other = fetch_one(
                    conn,
                    "SELECT id FROM articles WHERE id != %s AND merged_into IS NULL"
                    " AND (url = %s OR canonical_url = %s)"
                    " ORDER BY state = 'active' DESC, id LIMIT 1",
                    [due.article_id, canonical_url, canonical_url],
                )
                duplicate = int(other["id"]) if other is not None else None
            top = fetch_one(
                conn, "SELECT max(n) AS n FROM versions WHERE article_id = %s", [due.article_id]
            )
            source_id = int(source["id"])
            recent = {
                channel: self._recent(conn, channel, source_id, now - timedelta(seconds=back))
                for channel, back in (windows or {}).items()
            }
        return CheckState(
            article_id=due.article_id,
            latest=latest,
            source=SourceHealth(
                source_id=source_id,
                name=source["name"],
                health=str(source["health"]),
                health_since=utc(source["health_since"]),
                failure_streak=int(source["failure_streak"]),
                extract_streak=int(source["extract_streak"]),
            ),
            quarantine_streak=streak,
            duplicate_of=duplicate,
            recent_alerts=recent,
            last_n=int(top["n"]) if top is not None and top["n"] is not None else None,
            history=history,
            headline_tests=tests,
            generation=int(source["generation"]),
        )

    def _recent(self, conn: Conn, channel: str, source_id: int, since: datetime) -> int:
        row = fetch_one(
            conn,
            "SELECT count(*) AS n FROM deliveries WHERE channel = %s AND source_id = %s"
            " AND kind = 'change' AND created_at > %s",
            [channel, source_id, aware(since)],
        )
        return int(row["n"]) if row is not None else 0

    def apply(self, plan: WritePlan) -> Applied:
        """See :meth:`newswatch.store.CheckingStore.apply` (run again from the start when
        PostgreSQL picks it as a deadlock victim)."""
        return self.db.run(lambda conn: self._apply(conn, plan))

    def _apply(self, conn: Conn, plan: WritePlan) -> Applied:
        due = plan.due
        at = aware(plan.checked_at)
        # the source first, then the article: the order sync_sources takes them in
        fetch_one(
            conn,
            "SELECT id FROM sources WHERE id = (SELECT source_id FROM articles"
            " WHERE id = %s) FOR NO KEY UPDATE",
            [due.article_id],
        )
        row = fetch_one(
            conn,
            "SELECT source_id, lease_token, lease_until FROM articles WHERE id = %s"
            " FOR NO KEY UPDATE",
            [due.article_id],
        )
        if row is None or int(row["lease_token"]) != due.lease_token or row["lease_until"] is None:
            return Applied(lease_lost=True)
        source_id = int(row["source_id"])
        if not self._guards_hold(conn, plan, source_id) or (
            plan.capture is not None
            and not base_present(conn, POSTGRES, plan.capture, lock=WRITING_BODIES)
        ):
            return Applied(conflict=True)
        fetch_id = self._insert_fetch(conn, due.article_id, plan.fetch)
        if plan.capture is not None:
            insert_capture(conn, POSTGRES, due.article_id, fetch_id, plan.capture, at)
        if plan.merge is not None:
            self._merge_into(
                conn, due.article_id, plan.merge.survivor, plan.merge.canonical_url, at
            )
            return Applied()
        if plan.article is not None:
            self._update_article(conn, due.article_id, plan.article)
        if plan.health is not None:
            self._update_health(conn, source_id, plan.health)
        for event in plan.events:
            created = fetch_one(
                conn,
                "INSERT INTO events (uid, source_id, article_id, kind, message, at)"
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                [event.uid, source_id, event.article_id, event.kind, event.message, at],
            )
            assert created is not None
            for delivery in event.deliveries:
                self._deliver(conn, delivery, source_id, at, event_id=int(created["id"]))
        if plan.quarantine is not None:
            q = plan.quarantine
            conn.execute(
                "INSERT INTO quarantine (article_id, fetch_id, at, reason, hash, title,"
                " paragraphs, words, after_n) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    due.article_id,
                    fetch_id,
                    at,
                    q.reason,
                    q.hash,
                    q.title,
                    Jsonb(list(q.paragraphs)),
                    q.words,
                    q.after_n,
                ],
            )
        if plan.seen_again is not None:
            conn.execute(
                "UPDATE versions SET last_seen_at = %s, seen_count = seen_count + 1"
                " WHERE article_id = %s AND n = %s",
                [at, due.article_id, plan.seen_again],
            )
        if plan.reading is not None:
            r = plan.reading
            conn.execute(
                "UPDATE versions SET reading = %s WHERE article_id = %s AND n = %s AND hash = %s",
                [r.reading, due.article_id, r.n, r.hash],
            )
        if plan.version is not None:
            v = plan.version
            values = version_values(POSTGRES, v, due.article_id, at, at, 1)
            conn.execute(
                insert_sql("versions", values, computed=SEARCH_COLUMN),
                [*values.values(), search.document(v.title, list(v.paragraphs))],
            )
        change_id = None
        if plan.change is not None:
            change_id = self._insert_change(conn, due.article_id, source_id, plan.change, at)
        return Applied(change_id=change_id)

    def _guards_hold(self, conn: Conn, plan: WritePlan, source_id: int) -> bool:
        if plan.health is not None:
            expected = plan.health.expected
            now = fetch_one(
                conn,
                "SELECT health, failure_streak, extract_streak FROM sources WHERE id = %s",
                [source_id],
            )
            if now is None or (
                str(now["health"]),
                int(now["failure_streak"]),
                int(now["extract_streak"]),
            ) != (expected.health, expected.failure_streak, expected.extract_streak):
                return False
        return all(
            self._recent(conn, g.channel, source_id, g.since) == g.count for g in plan.digest_guards
        )

    @staticmethod
    def _merge_into(
        conn: Conn, article_id: int, survivor: int, canonical: str, stamp: datetime
    ) -> None:
        conn.execute(
            "UPDATE articles SET state = 'retired', merged_into = %s, canonical_url = %s,"
            " lease_until = NULL, last_checked_at = %s, next_check_at = NULL WHERE id = %s",
            [survivor, canonical, stamp, article_id],
        )
        links = [
            following.SourceLink(int(r["source_id"]), r["first_seen_at"], r["last_seen_at"])
            for r in fetch_all(
                conn,
                "SELECT source_id, first_seen_at, last_seen_at FROM article_sources"
                " WHERE article_id = %s ORDER BY source_id",
                [article_id],
            )
        ]
        has = [
            int(r["source_id"])
            for r in fetch_all(
                conn, "SELECT source_id FROM article_sources WHERE article_id = %s", [survivor]
            )
        ]
        for link in following.inherited_sources(links, has):
            conn.execute(
                "INSERT INTO article_sources (article_id, source_id, first_seen_at,"
                " last_seen_at) VALUES (%s, %s, %s, %s)",
                [survivor, link.source_id, link.first_seen_at, link.last_seen_at],
            )
        dates = fetch_all(
            conn,
            "SELECT publisher_updated FROM articles WHERE id IN (%s, %s)",
            [survivor, article_id],
        )
        conn.execute(
            "UPDATE articles SET publisher_updated = %s WHERE id = %s",
            [following.newest_date(*(r["publisher_updated"] for r in dates)), survivor],
        )

    # ------------------------------------------------------------------ rows of a check

    def _insert_fetch(self, conn: Conn, article_id: int, fetch: FetchRecord) -> int:
        values = fetch_values(POSTGRES, article_id, fetch)
        row = fetch_one(
            conn, insert_sql("fetches", values, returning_id=True), list(values.values())
        )
        assert row is not None
        return int(row["id"])

    def _insert_change(
        self, conn: Conn, article_id: int, source_id: int, write: ChangeWrite, at: datetime
    ) -> int:
        """The change row and its deliveries (the outbox)."""
        values = change_values(POSTGRES, write, article_id, at)
        row = fetch_one(
            conn, insert_sql("changes", values, returning_id=True), list(values.values())
        )
        assert row is not None
        change_id = int(row["id"])
        for delivery in write.deliveries:
            self._deliver(conn, delivery, source_id, at, change_id=change_id)
        return change_id

    @staticmethod
    def _deliver(
        conn: Conn,
        delivery: DeliveryWrite,
        source_id: int,
        at: datetime,
        *,
        change_id: int | None = None,
        event_id: int | None = None,
    ) -> None:
        insert_delivery(
            conn,
            "event" if event_id is not None else "change",
            delivery.channel,
            delivery.key,
            source_id,
            at,
            change_id=change_id,
            event_id=event_id,
            state=delivery.state,
            due_at=aware(delivery.due_at),
        )

    @staticmethod
    def _update_health(conn: Conn, source_id: int, health: HealthWrite) -> None:
        sets: dict[str, Any] = {
            "failure_streak": health.failure_streak,
            "extract_streak": health.extract_streak,
            "health": health.health,
            "health_since": maybe(health.health_since),
        }
        if health.set_error:
            sets["health_error"] = health.health_error
        assignments = ", ".join(f"{column} = %({column})s" for column in sets)
        conn.execute(
            f"UPDATE sources SET {assignments} WHERE id = %(source_id)s",
            {**sets, "source_id": source_id},
        )

    @staticmethod
    def _update_article(conn: Conn, article_id: int, write: ArticleWrite) -> None:
        params: dict[str, Any] = {
            "id": article_id,
            "checked": aware(write.checked_at),
            "next": aware(write.next_check_at),
            "failures": write.consecutive_failures,
            "error": write.last_error,
        }
        sets = [
            "last_checked_at = %(checked)s",
            "next_check_at = %(next)s",
            "lease_until = NULL",
            "consecutive_failures = %(failures)s",
            "last_error = %(error)s",
        ]
        optional = {
            "etag": write.etag,
            "last_modified": write.last_modified,
            "unchanged_checks": write.unchanged_checks,
            "last_change_at": maybe(write.last_change_at),
            "title": write.title,
            "canonical_url": write.canonical_url,
        }
        for column, value in optional.items():
            if value is not None:
                sets.append(f"{column} = %({column})s")
                params[column] = value
        if write.removed == "set":
            sets += ["removed_at = %(removed_at)s", "removed_reason = %(removed_reason)s"]
            params["removed_at"] = maybe(write.removed_at)
            params["removed_reason"] = write.removed_reason
        elif write.removed == "clear":
            sets += ["removed_at = NULL", "removed_reason = NULL"]
        if write.retire:
            sets += ["state = 'retired'", "retired_at = %(checked)s"]
        conn.execute(f"UPDATE articles SET {', '.join(sets)} WHERE id = %(id)s", params)
