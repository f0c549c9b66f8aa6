"""The delivery outbox, for both backends: listing, renewing, settling and reading deliveries.

Senders *claim* deliveries the way checkers claim articles: a lease (``lease_until``) and a
fencing token (``lease_token``, bumped by every claim). The holder renews its lease just
before each send and settles the delivery only while its token is still the current one, so
two senders never send one delivery at once, and a sender killed mid-send leaves its claim
to expire (at least once, never lost). The claim itself and the forming of digests differ
per backend (a loop under SQLite's one writer, ``SKIP LOCKED`` and an advisory lock on
PostgreSQL), so each backend's ``Outbox`` adds those two to this ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from newswatch.store.records import Delivery, DeliverySubject, StoredChange, StoredEvent
from newswatch.store.sql.dialect import Db, Dialect
from newswatch.store.sql.rows import CHANGE_SELECT, Records


class ChangeEventReader(Protocol):
    """The two reads a delivery's subject needs (each backend's ``Readers``)."""

    def change(self, change_id: int) -> StoredChange | None: ...

    def event(self, event_id: int) -> StoredEvent | None: ...


class DeliveryLedger:
    """Listing, renewing, settling and reading deliveries over one backend's connection.

    ``together`` holds several reads as one (SQLite: the connection's lock, so no other
    thread writes between them; PostgreSQL: nothing, each read its own snapshot as before).
    """

    def __init__(
        self,
        db: Db,
        dialect: Dialect,
        readers: ChangeEventReader,
        together: Callable[[], AbstractContextManager[object]],
    ) -> None:
        self.db = db
        self.d = dialect
        self.readers = readers
        self.together = together
        self.records = Records(dialect)

    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        rows = self.db.rows(
            self.d.sql(
                "SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?"
                " ORDER BY next_attempt_at, id LIMIT ?"
            ),
            [self.d.time(now), int(limit)],
        )
        return [self.records.delivery(row) for row in rows]

    def renew_delivery(self, delivery_id: int, token: int, until: datetime) -> bool:
        with self.db.transaction() as tx:
            cursor = tx.execute(
                self.d.sql(
                    "UPDATE deliveries SET lease_until = ? WHERE id = ? AND lease_token = ?"
                    " AND state = 'pending'"
                ),
                [self.d.time(until), delivery_id, token],
            )
            return cursor.rowcount == 1

    def release_deliveries(self, claims: Sequence[tuple[int, int]]) -> None:
        sql = self.d.sql(
            "UPDATE deliveries SET lease_until = NULL WHERE id = ? AND lease_token = ?"
        )
        with self.db.transaction() as tx:
            for delivery_id, token in claims:
                tx.execute(sql, [delivery_id, token])

    def mark_delivered(self, delivery_id: int, at: datetime, token: int | None = None) -> bool:
        fence, params = _fence(token)
        with self.db.transaction() as tx:
            cursor = tx.execute(
                self.d.sql(
                    "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1,"
                    " delivered_at = ?, last_error = NULL, lease_until = NULL"
                    f" WHERE id = ?{fence}"
                ),
                [self.d.time(at), delivery_id, *params],
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
        with self.db.transaction() as tx:
            cursor = tx.execute(
                self.d.sql(
                    "UPDATE deliveries SET attempts = attempts + 1, last_error = ?,"
                    " next_attempt_at = ?, state = ?, lease_until = NULL"
                    f" WHERE id = ? AND state = 'pending'{fence}"
                ),
                [
                    error,
                    self.d.time(next_attempt_at),
                    "failed" if give_up else "pending",
                    delivery_id,
                    *params,
                ],
            )
            return cursor.rowcount == 1

    def delivery_context(self, delivery_id: int) -> tuple[Delivery, StoredChange] | None:
        with self.together():
            row = self.db.row(self.d.sql("SELECT * FROM deliveries WHERE id = ?"), [delivery_id])
            if row is None or row["change_id"] is None:
                return None
            change = self.readers.change(int(row["change_id"]))
        if change is None:
            return None
        return self.records.delivery(row), change

    def delivery_subject(self, delivery_id: int) -> DeliverySubject | None:
        """A delivery with its change, its event, or the changes of its digest."""
        with self.together():
            row = self.db.row(
                self.d.sql(
                    "SELECT d.*, s.name AS source_name FROM deliveries d"
                    " LEFT JOIN sources s ON s.id = d.source_id WHERE d.id = ?"
                ),
                [delivery_id],
            )
            if row is None:
                return None
            delivery = self.records.delivery(row)
            source = row["source_name"] or ""
            if delivery.kind == "event" and delivery.event_id is not None:
                event = self.readers.event(delivery.event_id)
                return DeliverySubject(delivery, source, event=event) if event else None
            if delivery.kind == "digest":
                rows = self.db.rows(
                    self.d.sql(
                        CHANGE_SELECT
                        + " WHERE c.id IN (SELECT change_id FROM deliveries WHERE digest_id = ?)"
                        " ORDER BY c.id"
                    ),
                    [delivery_id],
                )
                digest = tuple(self.records.change(r) for r in rows)
                return DeliverySubject(delivery, source, digest=digest)
            change = self.readers.change(delivery.change_id) if delivery.change_id else None
            if change is None:
                return None
            return DeliverySubject(delivery, change.source, change=change)


def _fence(token: int | None) -> tuple[str, list[Any]]:
    """The WHERE clause that holds an update to the claim with ``token`` (none: any)."""
    return ("", []) if token is None else (" AND lease_token = ?", [token])
