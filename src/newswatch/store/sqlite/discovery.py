"""Leasing a source's discovery on SQLite (see :meth:`DiscoveryStore.claim_discovery`).

Every process sharing the file takes the lease under SQLite's write lock, so one discovers
a source at a time; a fencing token keeps a late process from giving back a newer lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from newswatch.clock import CLOCK_SKEW_SECONDS
from newswatch.errors import StoreError
from newswatch.models import parse_iso
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.rows import ts


class DiscoveryLeases:
    """The discovery lease of each source (columns of ``sources``)."""

    def __init__(self, connection: SqliteConnection) -> None:
        self._c = connection

    def claim_discovery(
        self,
        source: str,
        now: datetime,
        lease_seconds: float,
        *,
        fresh_after: datetime | None = None,
    ) -> int | None:
        with self._c.transaction() as db:
            row = db.execute(
                "SELECT id, discovery_lease_until, discovery_token, last_discovery_at"
                " FROM sources WHERE name = ?",
                [source],
            ).fetchone()
            if row is None:
                raise StoreError(f"unknown source {source!r}")
            source_id, until, token, last = row
            held = parse_iso(until)
            # a lease set by a clock that ran ahead does not lock the source out
            ahead = now + timedelta(seconds=lease_seconds + CLOCK_SKEW_SECONDS)
            if held is not None and now < held <= ahead:
                return None
            done = parse_iso(last)
            if fresh_after is not None and done is not None and fresh_after < done <= now:
                return None
            db.execute(
                "UPDATE sources SET discovery_lease_until = ?,"
                " discovery_token = discovery_token + 1 WHERE id = ?",
                [ts(now + timedelta(seconds=lease_seconds)), source_id],
            )
        return int(token) + 1

    def release_discovery(self, source: str, token: int) -> bool:
        with self._c.transaction() as db:
            done = db.execute(
                "UPDATE sources SET discovery_lease_until = NULL WHERE name = ?"
                " AND discovery_token = ? AND discovery_lease_until IS NOT NULL",
                [source, int(token)],
            )
            return done.rowcount == 1
