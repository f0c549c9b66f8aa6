"""A check's two visits to the database: ONE read of the article's state, then applying the
plan the pure planner (:mod:`newswatch.judge.plan`) made, in one transaction.

Applying decides nothing: it writes the rows the plan names, refusing the whole plan when
the claim's fencing token moved on (the lease was lost) or when a guard no longer holds
(the source's health or a channel's recent alert count changed since the read: the
checker plans again).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from newswatch.errors import StoreError
from newswatch.models import parse_iso
from newswatch.store.records import (
    Applied,
    ArticleWrite,
    ChangeWrite,
    CheckState,
    DeliveryWrite,
    DueArticle,
    HealthWrite,
    SourceHealth,
    StoredVersion,
    WritePlan,
)
from newswatch.store.sql.captures import insert_capture
from newswatch.store.sql.readers import CURRENT_VERSION
from newswatch.store.sql.writes import change_values, fetch_values, version_values
from newswatch.store.sqlite import follow
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.outbox import insert_delivery
from newswatch.store.sqlite.readers import Readers
from newswatch.store.sqlite.rows import SQLITE, to_json, ts, version_record


class CheckWrites:
    """Reading a check's state and applying its plan (see module docstring)."""

    def __init__(self, c: SqliteConnection, readers: Readers) -> None:
        self._c = c
        self._readers = readers
        self._turn = threading.Condition()  # guards the two below
        self._queue: list[_Waiting] = []  # plans waiting for the next transaction
        self._writing = False  # a thread is writing a batch

    def check_state(
        self,
        due: DueArticle,
        *,
        content_hash: str | None = None,
        canonical_url: str | None = None,
        windows: Mapping[str, float] | None = None,
        now: datetime,
    ) -> CheckState:
        """The article's latest version, its source's health, and what the check asks:
        the quarantine streak of ``content_hash``, another article at ``canonical_url``,
        the source's change alerts per channel within ``windows`` (seconds back from
        ``now``). One snapshot: everything is read in one read transaction, and what every
        check asks in one statement (see :func:`_state_select`)."""
        since = {
            channel: ts(now - timedelta(seconds=back)) for channel, back in (windows or {}).items()
        }
        sql, params = _state_select(due.article_id, canonical_url, since)
        with self._c.snapshot() as c:
            row = c.row(sql, params)
            if row is None:
                raise StoreError(f"article {due.article_id} vanished during a check")
            latest = version_record(row) if row["n"] is not None else None
            streak = 0
            history: tuple[StoredVersion, ...] = ()
            tests: tuple[dict[str, Any], ...] = ()
            if content_hash is not None and (latest is None or latest.hash != content_hash):
                readers = self._readers if c is self._c else Readers(c)
                streak = readers.quarantine_streak(due.article_id, content_hash)
                history = tuple(readers.versions(due.article_id))
                tests = tuple(
                    dict(json.loads(r["record_json"]))
                    for r in c.rows(
                        "SELECT record_json FROM changes WHERE article_id = ?"
                        " AND kind = 'headline_test' ORDER BY id",
                        [due.article_id],
                    )
                )
        duplicate = row["_duplicate"]
        return CheckState(
            article_id=due.article_id,
            latest=latest,
            source=SourceHealth(
                source_id=int(row["_source_id"]),
                name=row["_source_name"],
                health=str(row["_health"]),
                health_since=parse_iso(row["_health_since"]),
                failure_streak=int(row["_failure_streak"]),
                extract_streak=int(row["_extract_streak"]),
            ),
            quarantine_streak=streak,
            duplicate_of=int(duplicate) if duplicate is not None else None,
            recent_alerts={channel: int(row[f"_recent_{i}"]) for i, channel in enumerate(since)},
            last_n=int(row["_last_n"]) if row["_last_n"] is not None else None,
            history=history,
            headline_tests=tests,
            generation=int(row["_generation"]),
        )

    @staticmethod
    def _recent(c: SqliteConnection, channel: str, source_id: int, since: datetime) -> int:
        """Change alerts of ``source_id`` on ``channel`` since ``since``, read on ``c``."""
        row = c.row(
            "SELECT count(*) AS n FROM deliveries WHERE channel = ? AND source_id = ?"
            " AND kind = 'change' AND created_at > ?",
            [channel, source_id, ts(since)],
        )
        return int(row["n"]) if row is not None else 0

    def apply(self, plan: WritePlan) -> Applied:
        """Write ``plan`` in one transaction, or nothing (see module docstring).

        Group commit: the plans other threads hand in while one transaction is being
        written wait, and the next of them writes them all in one transaction (each plan
        all or nothing, in the order they came). A transaction per plan held the file's
        write lock, shared by every process, through one commit per check and its thread
        through the interpreter lock's waits: on 2 cores the write lock was held about 65%
        of a 1,000-page pass and half the holders' time went to waiting for it.
        """
        mine = _Waiting(plan)
        with self._turn:
            self._queue.append(mine)
            while mine.result is None and mine.error is None and self._writing:
                self._turn.wait()
            if mine.result is not None or mine.error is not None:
                return mine.outcome()
            self._writing = True
            batch, self._queue = self._queue, []
        try:
            self._write_batch(batch)
        finally:
            with self._turn:
                self._writing = False
                for waiting in batch:
                    if waiting.result is None and waiting.error is None:
                        waiting.error = StoreError("the transaction was interrupted")
                self._turn.notify_all()
        return mine.outcome()

    def _write_batch(self, batch: list[_Waiting]) -> None:
        """Every plan of ``batch`` in one transaction; when one of them fails, each plan alone,
        so each gets what it would have got by itself."""
        try:
            with self._c.transaction() as db:
                results = [self._apply_one(db, waiting.plan) for waiting in batch]
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
            for waiting in batch:
                try:
                    with self._c.transaction() as db:
                        waiting.result = self._apply_one(db, waiting.plan)
                except Exception as alone:
                    waiting.error = alone
            return
        for waiting, result in zip(batch, results, strict=True):
            waiting.result = result

    def _apply_one(self, db: Database, plan: WritePlan) -> Applied:
        """One plan's writes inside the caller's transaction; a refused plan writes nothing.

        Plain ``sqlite3`` statements, and the fencing token, the source-health guard and
        the capture's base read in one statement: each statement lets go of the
        interpreter lock, and the transaction holds the file's write lock (every
        process's) until it has it back."""
        conn = db.conn
        due = plan.due
        base = plan.capture.body_base if plan.capture is not None else None
        row = conn.execute(
            "SELECT a.source_id, a.lease_token, a.lease_until IS NOT NULL,"
            " s.health, s.failure_streak, s.extract_streak,"
            " (SELECT 1 FROM capture_bodies b WHERE b.sha256 = ? AND b.base IS NULL)"
            " FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?",
            [base, due.article_id],
        ).fetchone()
        if row is None or int(row[1]) != due.lease_token or not row[2]:
            return Applied(lease_lost=True)
        source_id = int(row[0])
        health = (str(row[3]), int(row[4]), int(row[5]))
        if not self._guards_hold(plan, source_id, health) or (base is not None and not row[6]):
            return Applied(conflict=True)
        fetch_id = _insert(conn, "fetches", fetch_values(SQLITE, due.article_id, plan.fetch))
        if plan.capture is not None:
            insert_capture(
                conn, SQLITE, due.article_id, fetch_id, plan.capture, ts(plan.checked_at)
            )
        if plan.merge is not None:
            merge = plan.merge
            follow.merge_into(
                db, due.article_id, merge.survivor, merge.canonical_url, ts(plan.checked_at)
            )
            return Applied()
        if plan.article is not None:
            self._update_article(conn, due.article_id, plan.article)
        if plan.health is not None:
            self._update_health(conn, source_id, plan.health)
        at = plan.checked_at
        for event in plan.events:
            event_id = _insert(
                conn,
                "events",
                {
                    "uid": event.uid,
                    "source_id": source_id,
                    "article_id": event.article_id,
                    "kind": event.kind,
                    "message": event.message,
                    "at": ts(at),
                },
            )
            for delivery in event.deliveries:
                self._deliver(db, delivery, source_id, at, event_id=event_id)
        if plan.quarantine is not None:
            q = plan.quarantine
            _insert(
                conn,
                "quarantine",
                {
                    "article_id": due.article_id,
                    "fetch_id": fetch_id,
                    "at": ts(at),
                    "reason": q.reason,
                    "hash": q.hash,
                    "title": q.title,
                    "paragraphs": to_json(list(q.paragraphs)),
                    "words": q.words,
                    "after_n": q.after_n,
                },
            )
        if plan.seen_again is not None:
            conn.execute(
                "UPDATE versions SET last_seen_at = ?, seen_count = seen_count + 1"
                " WHERE article_id = ? AND n = ?",
                [ts(at), due.article_id, plan.seen_again],
            )
        if plan.reading is not None:
            r = plan.reading
            conn.execute(
                "UPDATE versions SET reading = ? WHERE article_id = ? AND n = ? AND hash = ?",
                [r.reading, due.article_id, r.n, r.hash],
            )
        if plan.version is not None:
            values = version_values(SQLITE, plan.version, due.article_id, at, at, 1)
            _insert(conn, "versions", values)
        change_id = None
        if plan.change is not None:
            change_id = self._insert_change(db, due.article_id, source_id, plan.change, at)
        return Applied(change_id=change_id)

    def _guards_hold(self, plan: WritePlan, source_id: int, health: tuple[str, int, int]) -> bool:
        """The source's ``health`` (as read in this transaction) and its recent alerts per
        digest channel are what the plan was made against."""
        if plan.health is not None:
            expected = plan.health.expected
            if health != (expected.health, expected.failure_streak, expected.extract_streak):
                return False
        return all(
            self._recent(self._c, g.channel, source_id, g.since) == g.count
            for g in plan.digest_guards
        )

    def _insert_change(
        self, db: Database, article_id: int, source_id: int, write: ChangeWrite, at: datetime
    ) -> int:
        change_id = _insert(db.conn, "changes", change_values(SQLITE, write, article_id, at))
        for delivery in write.deliveries:
            self._deliver(db, delivery, source_id, at, change_id=change_id)
        return change_id

    @staticmethod
    def _deliver(
        db: Database,
        delivery: DeliveryWrite,
        source_id: int,
        at: datetime,
        *,
        change_id: int | None = None,
        event_id: int | None = None,
    ) -> None:
        insert_delivery(
            db,
            "event" if event_id is not None else "change",
            delivery.channel,
            delivery.key,
            source_id,
            ts(at),
            change_id=change_id,
            event_id=event_id,
            state=delivery.state,
            due_at=ts(delivery.due_at),
        )

    @staticmethod
    def _update_health(conn: sqlite3.Connection, source_id: int, health: HealthWrite) -> None:
        expected = health.expected
        if not health.set_error and (
            health.health,
            health.health_since,
            health.failure_streak,
            health.extract_streak,
        ) == (
            expected.health,
            expected.health_since,
            expected.failure_streak,
            expected.extract_streak,
        ):
            return  # the guard read exactly this: nothing to write
        sets: dict[str, Any] = {
            "failure_streak": health.failure_streak,
            "extract_streak": health.extract_streak,
            "health": health.health,
            "health_since": ts(health.health_since) if health.health_since else None,
        }
        if health.set_error:
            sets["health_error"] = health.health_error
        assignments = ", ".join(f"{column} = :{column}" for column in sets)
        conn.execute(f"UPDATE sources SET {assignments} WHERE id = :id", {**sets, "id": source_id})

    @staticmethod
    def _update_article(conn: sqlite3.Connection, article_id: int, write: ArticleWrite) -> None:
        params: dict[str, Any] = {
            "id": article_id,
            "checked": ts(write.checked_at),
            "next": ts(write.next_check_at),
            "failures": write.consecutive_failures,
            "error": write.last_error,
        }
        sets = [
            "last_checked_at = :checked",
            "next_check_at = :next",
            "lease_until = NULL",
            "consecutive_failures = :failures",
            "last_error = :error",
        ]
        optional = {
            "etag": write.etag,
            "last_modified": write.last_modified,
            "unchanged_checks": write.unchanged_checks,
            "last_change_at": ts(write.last_change_at) if write.last_change_at else None,
            "title": write.title,
            "canonical_url": write.canonical_url,
        }
        for column, value in optional.items():
            if value is not None:
                sets.append(f"{column} = :{column}")
                params[column] = value
        if write.removed == "set":
            sets += ["removed_at = :removed_at", "removed_reason = :removed_reason"]
            params["removed_at"] = ts(write.removed_at) if write.removed_at else None
            params["removed_reason"] = write.removed_reason
        elif write.removed == "clear":
            sets += ["removed_at = NULL", "removed_reason = NULL"]
        if write.retire:
            sets += ["state = 'retired'", "retired_at = :checked"]
        conn.execute(f"UPDATE articles SET {', '.join(sets)} WHERE id = :id", params)


def _insert(conn: sqlite3.Connection, table: str, values: Mapping[str, Any]) -> int:
    """Insert one row of parameters already converted (see :mod:`.rows`); its rowid."""
    columns = ", ".join(f'"{name}"' for name in values)
    cursor = conn.execute(
        f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(values))})',
        list(values.values()),
    )
    if cursor.lastrowid is None:
        raise StoreError(f"insert into {table} returned no row id")
    return cursor.lastrowid


def _state_select(
    article_id: int, canonical_url: str | None, since: Mapping[str, str]
) -> tuple[str, list[Any]]:
    """The statement reading what every check asks, and its parameters: the article's
    current version (``v.*``, all NULL when it has none), its source's health, its
    generation, its highest version number, another article at ``canonical_url``, and
    per channel of ``since`` the source's change alerts created after that time (as
    ``_recent_0``, ``_recent_1``... in order). One statement instead of one per item:
    each is a round through the sqlite3 module and a release of the interpreter lock."""
    duplicate, params = "NULL", []
    if canonical_url:
        duplicate = (
            "(SELECT o.id FROM articles o WHERE o.id != a.id AND o.merged_into IS NULL"
            " AND (o.url = ? OR o.canonical_url = ?)"
            " ORDER BY o.state = 'active' DESC, o.id LIMIT 1)"
        )
        params += [canonical_url, canonical_url]
    recent = ""
    for i, (channel, after) in enumerate(since.items()):
        recent += (
            ", (SELECT count(*) FROM deliveries WHERE channel = ? AND source_id = s.id"
            f" AND kind = 'change' AND created_at > ?) AS _recent_{i}"
        )
        params += [channel, after]
    sql = (
        "SELECT v.*, s.id AS _source_id, s.name AS _source_name, s.health AS _health,"
        " s.health_since AS _health_since, s.failure_streak AS _failure_streak,"
        " s.extract_streak AS _extract_streak, a.generation AS _generation,"
        " (SELECT max(m.n) FROM versions m WHERE m.article_id = a.id) AS _last_n,"
        f" {duplicate} AS _duplicate{recent}"
        " FROM articles a JOIN sources s ON s.id = a.source_id"
        f" LEFT JOIN versions v ON v.id = (SELECT v.id FROM versions v {CURRENT_VERSION})"
        " WHERE a.id = ?"
    )
    return sql, [*params, article_id, article_id, article_id]


class _Waiting:
    """A plan handed to :meth:`CheckWrites.apply`, and what applying it gave."""

    __slots__ = ("error", "plan", "result")

    def __init__(self, plan: WritePlan) -> None:
        self.plan = plan
        self.result: Applied | None = None
        self.error: Exception | None = None

    def outcome(self) -> Applied:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result
