"""A check's two visits to the database: ONE read of the article's state, then applying the
plan the pure planner (:mod:`newswatch.judge.plan`) made, in one transaction.

Applying decides nothing: it writes the rows the plan names, refusing the whole plan when
the claim's fencing token moved on (the lease was lost) or when a guard no longer holds
(the source's health or a channel's recent alert count changed since the read: the
checker plans again).
"""

from __future__ import annotations

import json
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
    FetchRecord,
    HealthWrite,
    SourceHealth,
    StoredVersion,
    WritePlan,
)
from newswatch.store.sql.captures import base_present, insert_capture
from newswatch.store.sql.writes import change_values, fetch_values, version_values
from newswatch.store.sqlite import follow
from newswatch.store.sqlite.connection import SqliteConnection, insert_row
from newswatch.store.sqlite.outbox import insert_delivery
from newswatch.store.sqlite.readers import Readers
from newswatch.store.sqlite.rows import SQLITE, to_json, ts


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
        ``now``). One snapshot: everything is read in one read transaction."""
        with self._c.snapshot() as c:
            readers = self._readers if c is self._c else Readers(c)
            source = c.row(
                "SELECT s.id, s.name, s.health, s.health_since, s.failure_streak,"
                " s.extract_streak, a.generation"
                " FROM sources s JOIN articles a ON a.source_id = s.id"
                " WHERE a.id = ?",
                [due.article_id],
            )
            if source is None:
                raise StoreError(f"article {due.article_id} vanished during a check")
            latest = readers.latest_version(due.article_id)
            streak = 0
            history: tuple[StoredVersion, ...] = ()
            tests: tuple[dict[str, Any], ...] = ()
            if content_hash is not None and (latest is None or latest.hash != content_hash):
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
            top = c.row("SELECT max(n) AS n FROM versions WHERE article_id = ?", [due.article_id])
            duplicate = None
            if canonical_url:
                other = c.row(
                    "SELECT id FROM articles WHERE id != ? AND merged_into IS NULL"
                    " AND (url = ? OR canonical_url = ?)"
                    " ORDER BY state = 'active' DESC, id LIMIT 1",
                    [due.article_id, canonical_url, canonical_url],
                )
                duplicate = int(other["id"]) if other is not None else None
            recent = {
                channel: self._recent(c, channel, int(source["id"]), now - timedelta(seconds=back))
                for channel, back in (windows or {}).items()
            }
        return CheckState(
            article_id=due.article_id,
            latest=latest,
            source=SourceHealth(
                source_id=int(source["id"]),
                name=source["name"],
                health=str(source["health"]),
                health_since=parse_iso(source["health_since"]),
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
        """One plan's writes inside the caller's transaction; a refused plan writes nothing."""
        due = plan.due
        row = self._c.row(
            "SELECT source_id, lease_token, lease_until FROM articles WHERE id = ?",
            [due.article_id],
        )
        if row is None or int(row["lease_token"]) != due.lease_token or row["lease_until"] is None:
            return Applied(lease_lost=True)
        source_id = int(row["source_id"])
        if not self._guards_hold(plan, source_id) or (
            plan.capture is not None and not base_present(db, SQLITE, plan.capture)
        ):
            return Applied(conflict=True)
        fetch_id = self._insert_fetch(db, due.article_id, plan.fetch)
        if plan.capture is not None:
            insert_capture(db, SQLITE, due.article_id, fetch_id, plan.capture, ts(plan.checked_at))
        if plan.merge is not None:
            merge = plan.merge
            follow.merge_into(
                db, due.article_id, merge.survivor, merge.canonical_url, ts(plan.checked_at)
            )
            return Applied()
        if plan.article is not None:
            self._update_article(db, due.article_id, plan.article)
        if plan.health is not None:
            self._update_health(db, source_id, plan.health)
        at = plan.checked_at
        for event in plan.events:
            event_id = insert_row(
                db,
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
            insert_row(
                db,
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
            db.execute(
                "UPDATE versions SET last_seen_at = ?, seen_count = seen_count + 1"
                " WHERE article_id = ? AND n = ?",
                [ts(at), due.article_id, plan.seen_again],
            )
        if plan.reading is not None:
            r = plan.reading
            db.execute(
                "UPDATE versions SET reading = ? WHERE article_id = ? AND n = ? AND hash = ?",
                [r.reading, due.article_id, r.n, r.hash],
            )
        if plan.version is not None:
            values = version_values(SQLITE, plan.version, due.article_id, at, at, 1)
            insert_row(db, "versions", values)
        change_id = None
        if plan.change is not None:
            change_id = self._insert_change(db, due.article_id, source_id, plan.change, at)
        return Applied(change_id=change_id)

    def _guards_hold(self, plan: WritePlan, source_id: int) -> bool:
        if plan.health is not None:
            expected = plan.health.expected
            now = self._c.row(
                "SELECT health, failure_streak, extract_streak FROM sources WHERE id = ?",
                [source_id],
            )
            if now is None or (
                str(now["health"]),
                int(now["failure_streak"]),
                int(now["extract_streak"]),
            ) != (expected.health, expected.failure_streak, expected.extract_streak):
                return False
        return all(
            self._recent(self._c, g.channel, source_id, g.since) == g.count
            for g in plan.digest_guards
        )

    @staticmethod
    def _insert_fetch(db: Database, article_id: int, fetch: FetchRecord) -> int:
        return insert_row(db, "fetches", fetch_values(SQLITE, article_id, fetch))

    def _insert_change(
        self, db: Database, article_id: int, source_id: int, write: ChangeWrite, at: datetime
    ) -> int:
        change_id = insert_row(db, "changes", change_values(SQLITE, write, article_id, at))
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
    def _update_health(db: Database, source_id: int, health: HealthWrite) -> None:
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
        db.execute(f"UPDATE sources SET {assignments} WHERE id = :id", {**sets, "id": source_id})

    @staticmethod
    def _update_article(db: Database, article_id: int, write: ArticleWrite) -> None:
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
        db.execute(f"UPDATE articles SET {', '.join(sets)} WHERE id = :id", params)


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
