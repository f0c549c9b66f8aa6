"""The delivery outbox on PostgreSQL: listed, settled and gathered into digests.

Digests are formed under an advisory lock, so two hosts forming them at once cannot put one
held alert into two digests (the held rows are also re-checked in the same transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from newswatch import digests as digesting
from newswatch.store.postgres.checking import insert_delivery
from newswatch.store.postgres.connection import PgConnection, aware, fetch_all
from newswatch.store.postgres.readers import Readers
from newswatch.store.postgres.rows import CHANGE_SELECT, change_record, delivery_record
from newswatch.store.records import Delivery, DeliverySubject, StoredChange

#: the advisory lock of ``form_digests`` ("nwdigest" in ASCII)
DIGEST_LOCK = 0x6E77646967657374


class Outbox:
    """What the alert dispatcher asks of the store."""

    def __init__(self, db: PgConnection, readers: Readers) -> None:
        self.db = db
        self.readers = readers

    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        rows = self.db.rows(
            "SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= %s"
            " ORDER BY next_attempt_at, id LIMIT %s",
            [aware(now), int(limit)],
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
        """Lease due deliveries; ``SKIP LOCKED`` lets hosts claim side by side."""
        stamp = aware(now)
        where = [
            "state = 'pending'",
            "next_attempt_at <= %(now)s",
            "(lease_until IS NULL OR lease_until <= %(now)s)",
        ]
        params: dict[str, Any] = {
            "now": stamp,
            "limit": int(limit),
            "until": stamp + timedelta(seconds=lease_seconds),
        }
        if channels is not None:
            where.append("channel = ANY(%(channels)s)")
            params["channels"] = list(channels)
        if exclude:
            where.append("NOT (channel = ANY(%(exclude)s))")
            params["exclude"] = list(exclude)
        with self.db.transaction() as conn:
            rows = fetch_all(
                conn,
                "WITH picked AS ("
                f" SELECT id FROM deliveries WHERE {' AND '.join(where)}"
                " ORDER BY next_attempt_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED)"
                " UPDATE deliveries d SET lease_until = %(until)s,"
                " lease_token = d.lease_token + 1"
                " FROM picked WHERE d.id = picked.id RETURNING d.*",
                params,
            )
        rows.sort(key=lambda r: (r["next_attempt_at"], r["id"]))
        return [delivery_record(row) for row in rows]

    def renew_delivery(self, delivery_id: int, token: int, until: datetime) -> bool:
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE deliveries SET lease_until = %s WHERE id = %s AND lease_token = %s"
                " AND state = 'pending'",
                [aware(until), delivery_id, token],
            )
            return cursor.rowcount == 1

    def release_deliveries(self, claims: Sequence[tuple[int, int]]) -> None:
        with self.db.transaction() as conn:
            for delivery_id, token in claims:
                conn.execute(
                    "UPDATE deliveries SET lease_until = NULL WHERE id = %s AND lease_token = %s",
                    [delivery_id, token],
                )

    def mark_delivered(self, delivery_id: int, at: datetime, token: int | None = None) -> bool:
        fence, params = _fence(token)
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1,"
                f" delivered_at = %s, last_error = NULL, lease_until = NULL WHERE id = %s{fence}",
                [aware(at), delivery_id, *params],
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
        fence, params = _fence(token)
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = %s,"
                " next_attempt_at = %s, state = %s, lease_until = NULL"
                f" WHERE id = %s AND state = 'pending'{fence}",
                [
                    error,
                    aware(next_attempt_at),
                    "failed" if give_up else "pending",
                    delivery_id,
                    *params,
                ],
            )
            return cursor.rowcount == 1

    def delivery_context(self, delivery_id: int) -> tuple[Delivery, StoredChange] | None:
        row = self.db.row("SELECT * FROM deliveries WHERE id = %s", [delivery_id])
        if row is None or row["change_id"] is None:
            return None
        change = self.readers.change(int(row["change_id"]))
        if change is None:
            return None
        return delivery_record(row), change

    def delivery_subject(self, delivery_id: int) -> DeliverySubject | None:
        row = self.db.row(
            "SELECT d.*, s.name AS source_name FROM deliveries d"
            " LEFT JOIN sources s ON s.id = d.source_id WHERE d.id = %s",
            [delivery_id],
        )
        if row is None:
            return None
        delivery = delivery_record(row)
        source = row["source_name"] or ""
        if delivery.kind == "event" and delivery.event_id is not None:
            event = self.readers.event(delivery.event_id)
            return DeliverySubject(delivery, source, event=event) if event else None
        if delivery.kind == "digest":
            rows = self.db.rows(
                CHANGE_SELECT
                + " WHERE c.id IN (SELECT change_id FROM deliveries WHERE digest_id = %s)"
                " ORDER BY c.id",
                [delivery_id],
            )
            return DeliverySubject(delivery, source, digest=tuple(map(change_record, rows)))
        change = self.readers.change(delivery.change_id) if delivery.change_id else None
        if change is None:
            return None
        return DeliverySubject(delivery, change.source, change=change)

    def form_digests(self, now: datetime) -> int:
        """Form the digests :func:`newswatch.digests.digests` decides (see the SQLite side);
        one host at a time, under an advisory lock."""
        stamp = aware(now)
        formed = 0
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [DIGEST_LOCK])
            held = [
                digesting.Held(
                    int(r["id"]),
                    r["channel"],
                    int(r["source_id"]),
                    r["key"],
                    r["next_attempt_at"],
                )
                for r in fetch_all(
                    conn,
                    "SELECT id, channel, source_id, key, next_attempt_at FROM deliveries"
                    " WHERE state = 'held'",
                )
            ]
            for digest in digesting.digests(held, stamp):
                digest_id = insert_delivery(
                    conn, "digest", digest.channel, digest.key, digest.source_id, stamp
                )
                if not digest_id:
                    continue
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "UPDATE deliveries SET state = 'digested', digest_id = %s"
                        " WHERE id = %s AND state = 'held'",
                        [(digest_id, member) for member in digest.members],
                    )
                formed += 1
        return formed


def _fence(token: int | None) -> tuple[str, list[Any]]:
    """The WHERE clause that holds an update to the claim with ``token`` (none: any)."""
    return ("", []) if token is None else (" AND lease_token = %s", [token])
