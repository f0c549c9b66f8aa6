"""Leasing a source's discovery on PostgreSQL (see :meth:`DiscoveryStore.claim_discovery`).

The claim is one conditional ``UPDATE`` of the source's row: two hosts claiming at once
queue on that row, and the second, re-reading it, finds the first one's lease live. A
fencing token keeps a late host from giving back a newer lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from newswatch.clock import CLOCK_SKEW_SECONDS
from newswatch.errors import StoreError
from newswatch.store.postgres.connection import PgConnection, aware, fetch_one


class DiscoveryLeases:
    """The discovery lease of each source (columns of ``sources``)."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def claim_discovery(
        self,
        source: str,
        now: datetime,
        lease_seconds: float,
        *,
        fresh_after: datetime | None = None,
    ) -> int | None:
        stamp = aware(now)
        params = {
            "name": source,
            "now": stamp,
            "until": stamp + timedelta(seconds=lease_seconds),
            # a lease set by a clock that ran ahead does not lock the source out
            "ahead": stamp + timedelta(seconds=lease_seconds + CLOCK_SKEW_SECONDS),
            "fresh": aware(fresh_after) if fresh_after is not None else None,
        }
        with self.db.transaction() as conn:
            row = fetch_one(
                conn,
                "UPDATE sources SET discovery_lease_until = %(until)s,"
                " discovery_token = discovery_token + 1"
                " WHERE name = %(name)s AND (discovery_lease_until IS NULL"
                "  OR discovery_lease_until <= %(now)s OR discovery_lease_until > %(ahead)s)"
                " AND (%(fresh)s::timestamptz IS NULL OR last_discovery_at IS NULL"
                "  OR last_discovery_at <= %(fresh)s OR last_discovery_at > %(now)s)"
                " RETURNING discovery_token",
                params,
            )
            if row is not None:
                return int(row["discovery_token"])
            if fetch_one(conn, "SELECT 1 AS found FROM sources WHERE name = %s", [source]) is None:
                raise StoreError(f"unknown source {source!r}")
        return None

    def release_discovery(self, source: str, token: int) -> bool:
        with self.db.transaction() as conn:
            row = fetch_one(
                conn,
                "UPDATE sources SET discovery_lease_until = NULL WHERE name = %s"
                " AND discovery_token = %s AND discovery_lease_until IS NOT NULL"
                " RETURNING id",
                [source, int(token)],
            )
        return row is not None
