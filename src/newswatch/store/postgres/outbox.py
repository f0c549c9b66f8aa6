"""The delivery outbox on PostgreSQL: listed, settled and gathered into digests.

Digests are formed under an advisory lock, so two hosts forming them at once cannot put one
held alert into two digests (the held rows are also re-checked in the same transaction).
"""

from __future__ import annotations

from datetime import datetime

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

    def mark_delivered(self, delivery_id: int, at: datetime) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1,"
                " delivered_at = %s, last_error = NULL WHERE id = %s",
                [aware(at), delivery_id],
            )

    def mark_retry(
        self, delivery_id: int, error: str, next_attempt_at: datetime, give_up: bool
    ) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = %s,"
                " next_attempt_at = %s, state = %s WHERE id = %s AND state = 'pending'",
                [error, aware(next_attempt_at), "failed" if give_up else "pending", delivery_id],
            )

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
        stamp = aware(now)
        formed = 0
        with self.db.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [DIGEST_LOCK])
            groups = fetch_all(
                conn,
                "SELECT channel, source_id, min(next_attempt_at) AS due, min(key) AS first"
                " FROM deliveries WHERE state = 'held' GROUP BY channel, source_id"
                " HAVING min(next_attempt_at) <= %s",
                [stamp],
            )
            for group in groups:
                digest_id = insert_delivery(
                    conn,
                    "digest",
                    group["channel"],
                    f"digest-{group['first']}",
                    int(group["source_id"]),
                    stamp,
                )
                if not digest_id:
                    continue
                conn.execute(
                    "UPDATE deliveries SET state = 'digested', digest_id = %s"
                    " WHERE state = 'held' AND channel = %s AND source_id = %s",
                    [digest_id, group["channel"], group["source_id"]],
                )
                formed += 1
        return formed
