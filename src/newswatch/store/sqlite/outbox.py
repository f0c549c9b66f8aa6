"""The delivery outbox: one row per (change or event, channel), written in the check's
transaction (:mod:`.checking`), then sent, retried or gathered into digests by the alert
sender.

A crash between recording a change and sending its alert loses nothing: the pending row is
still there on restart, and its key (change uid + channel) keeps it from being queued twice.

Senders *claim* deliveries the way checkers claim articles: a lease (``lease_until``) and a
fencing token (``lease_token``, bumped by every claim). A delivery leased to one process is
invisible to the others until the lease expires; the holder renews it just before each send
and settles it only while its token is still the current one. So two daemons on one file
never send one delivery at once; a sender killed mid-send leaves its claim to expire, and
the next claim resends with the same ``Idempotency-Key`` (at least once, never lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from newswatch import digests as digesting
from newswatch.models import parse_iso
from newswatch.store.records import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    DeliverySubject,
    StoredChange,
)
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.readers import Readers
from newswatch.store.sqlite.rows import (
    CHANGE_SELECT,
    Row,
    change_record,
    delivery_record,
    ts,
)


def insert_delivery(
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


class Outbox:
    """Queueing, listing and settling deliveries (see module docstring)."""

    def __init__(self, c: SqliteConnection, readers: Readers) -> None:
        self._c = c
        self._readers = readers

    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        rows = self._c.rows(
            "SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            [ts(now), int(limit)],
        )
        return [delivery_record(row) for row in rows]

    def claim_deliveries(
        self,
        now: datetime,
        limit: int,
        lease_seconds: float,
        *,
        channels: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
    ) -> list[Delivery]:
        """Lease up to ``limit`` due pending deliveries, oldest due first (module docstring)."""
        stamp = ts(now)
        where = [
            "state = 'pending'",
            "next_attempt_at <= ?",
            "(lease_until IS NULL OR lease_until <= ?)",
        ]
        params: list[Any] = [stamp, stamp]
        if channels is not None:
            where.append(f"channel IN ({', '.join('?' for _ in channels) or 'NULL'})")
            params.extend(channels)
        if exclude:
            where.append(f"channel NOT IN ({', '.join('?' for _ in exclude)})")
            params.extend(exclude)
        with self._c.transaction() as db:
            rows = self._c.rows(
                f"SELECT * FROM deliveries WHERE {' AND '.join(where)}"
                " ORDER BY next_attempt_at, id LIMIT ?",
                [*params, int(limit)],
            )
            until = ts(now + timedelta(seconds=lease_seconds))
            for row in rows:
                db.execute(
                    "UPDATE deliveries SET lease_until = ?, lease_token = lease_token + 1"
                    " WHERE id = ?",
                    [until, row["id"]],
                )
                row["lease_token"] = int(row["lease_token"] or 0) + 1
        return [delivery_record(row) for row in rows]

    def renew_delivery(self, delivery_id: int, token: int, until: datetime) -> bool:
        with self._c.transaction() as db:
            cursor = db.execute(
                "UPDATE deliveries SET lease_until = ? WHERE id = ? AND lease_token = ?"
                " AND state = 'pending'",
                [ts(until), delivery_id, token],
            )
            return cursor.rowcount == 1

    def release_deliveries(self, claims: Sequence[tuple[int, int]]) -> None:
        with self._c.transaction() as db:
            for delivery_id, token in claims:
                db.execute(
                    "UPDATE deliveries SET lease_until = NULL WHERE id = ? AND lease_token = ?",
                    [delivery_id, token],
                )

    def mark_delivered(self, delivery_id: int, at: datetime, token: int | None = None) -> bool:
        fence, params = _fence(token)
        with self._c.transaction() as db:
            cursor = db.execute(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1,"
                f" delivered_at = ?, last_error = NULL, lease_until = NULL WHERE id = ?{fence}",
                [ts(at), delivery_id, *params],
            )
            return cursor.rowcount == 1

    def mark_retry(
        self,
        delivery_id: int,
        error: str,
        next_attempt_at: datetime,
        give_up: bool,
        token: int | None = None,
    ) -> bool:
        """Count a failed attempt; ``give_up`` marks the delivery failed for good."""
        fence, params = _fence(token)
        with self._c.transaction() as db:
            cursor = db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?,"
                " next_attempt_at = ?, state = ?, lease_until = NULL"
                f" WHERE id = ? AND state = 'pending'{fence}",
                [
                    error,
                    ts(next_attempt_at),
                    "failed" if give_up else "pending",
                    delivery_id,
                    *params,
                ],
            )
            return cursor.rowcount == 1

    def delivery_context(self, delivery_id: int) -> tuple[Delivery, StoredChange] | None:
        with self._c.lock:
            row = self._c.row("SELECT * FROM deliveries WHERE id = ?", [delivery_id])
            if row is None or row["change_id"] is None:
                return None
            change = self._readers.change(int(row["change_id"]))
        if change is None:
            return None
        return delivery_record(row), change

    def delivery_subject(self, delivery_id: int) -> DeliverySubject | None:
        """A delivery with its change, its event, or the changes of its digest."""
        with self._c.lock:
            row = self._c.row(
                "SELECT d.*, s.name AS source_name FROM deliveries d"
                " LEFT JOIN sources s ON s.id = d.source_id WHERE d.id = ?",
                [delivery_id],
            )
            if row is None:
                return None
            delivery = delivery_record(row)
            source = row["source_name"] or ""
            if delivery.kind == "event" and delivery.event_id is not None:
                event = self._readers.event(delivery.event_id)
                return DeliverySubject(delivery, source, event=event) if event else None
            if delivery.kind == "digest":
                rows = self._c.rows(
                    CHANGE_SELECT
                    + " WHERE c.id IN (SELECT change_id FROM deliveries WHERE digest_id = ?)"
                    " ORDER BY c.id",
                    [delivery_id],
                )
                return DeliverySubject(delivery, source, digest=tuple(map(change_record, rows)))
            change = self._readers.change(delivery.change_id) if delivery.change_id else None
            if change is None:
                return None
            return DeliverySubject(delivery, change.source, change=change)

    def form_digests(self, now: datetime) -> int:
        """Turn each (channel, source) group of held deliveries whose oldest is due into ONE
        digest delivery; the members are marked ``digested`` in the same transaction, so a
        crash can neither lose a held alert nor put it in two digests. Which go together is
        :func:`newswatch.digests.digests`."""
        stamp = ts(now)
        formed = 0
        with self._c.transaction() as db:
            held = [
                digesting.Held(int(r["id"]), r["channel"], int(r["source_id"]), r["key"], _due(r))
                for r in self._c.rows(
                    "SELECT id, channel, source_id, key, next_attempt_at FROM deliveries"
                    " WHERE state = 'held'"
                )
            ]
            for digest in digesting.digests(held, now):
                digest_id = insert_delivery(
                    db, "digest", digest.channel, digest.key, digest.source_id, stamp
                )
                if not digest_id:
                    continue
                db.conn.executemany(
                    "UPDATE deliveries SET state = 'digested', digest_id = ?"
                    " WHERE id = ? AND state = 'held'",
                    [(digest_id, member) for member in digest.members],
                )
                formed += 1
        return formed


def _due(row: Row) -> datetime:
    due = parse_iso(row["next_attempt_at"])
    assert due is not None  # a held delivery always has its due time
    return due


def _fence(token: int | None) -> tuple[str, list[Any]]:
    """The WHERE clause that holds an update to the claim with ``token`` (none: any)."""
    return ("", []) if token is None else (" AND lease_token = ?", [token])
