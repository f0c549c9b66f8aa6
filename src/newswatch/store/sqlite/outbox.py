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
)
from newswatch.store.sql.outbox import DeliveryLedger
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.readers import Readers
from newswatch.store.sqlite.rows import (
    SQLITE,
    Row,
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


class Outbox(DeliveryLedger):
    """The shared ledger, plus claiming and digest forming the SQLite way (one writer)."""

    def __init__(self, c: SqliteConnection, readers: Readers) -> None:
        super().__init__(c, SQLITE, readers, lambda: c.lock)
        self._c = c

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
