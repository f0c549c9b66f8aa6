"""The delivery outbox on PostgreSQL: listed, settled and gathered into digests.

Digests are formed under an advisory lock, so two hosts forming them at once cannot put one
held alert into two digests (the held rows are also re-checked in the same transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from newswatch import digests as digesting
from newswatch.store.postgres.checking import insert_delivery
from newswatch.store.postgres.connection import PgConnection, aware, fetch_all
from newswatch.store.postgres.readers import Readers
from newswatch.store.postgres.rows import POSTGRES, delivery_record
from newswatch.store.records import Delivery
from newswatch.store.sql.outbox import DeliveryLedger

#: the advisory lock of ``form_digests`` ("nwdigest" in ASCII)
DIGEST_LOCK = 0x6E77646967657374


class Outbox(DeliveryLedger):
    """The shared ledger, plus claiming and digest forming the PostgreSQL way (many hosts)."""

    def __init__(self, db: PgConnection, readers: Readers) -> None:
        # each read its own transaction, as before: no lock held across them
        super().__init__(db, POSTGRES, readers, nullcontext)
        self._pg = db

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
        with self._pg.transaction() as conn:
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

    def form_digests(self, now: datetime) -> int:
        """Form the digests :func:`newswatch.digests.digests` decides (see the SQLite side);
        one host at a time, under an advisory lock."""
        stamp = aware(now)
        formed = 0
        with self._pg.transaction() as conn:
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
