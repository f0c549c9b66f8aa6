"""Counts for status, health and metrics on PostgreSQL, each read in one snapshot."""

from __future__ import annotations

from datetime import datetime

from newswatch.store.postgres.connection import PgConnection, aware, fetch_all, fetch_one, utc
from newswatch.store.postgres.rows import POSTGRES
from newswatch.store.records import StoreStats
from newswatch.store.sql.status import SourceCounts


class Status(SourceCounts):
    """The shared per-source counts, and the whole-store statistics in one REPEATABLE READ
    snapshot with the database's size."""

    def __init__(self, db: PgConnection) -> None:
        super().__init__(db, POSTGRES)
        self._pg = db

    def stats(self, now: datetime) -> StoreStats:
        """Counts for metrics and health, in one REPEATABLE READ snapshot."""
        stamp = aware(now)
        with self._pg.transaction() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            fetches = {
                r["outcome"]: int(r["n"])
                for r in fetch_all(
                    conn, "SELECT outcome, count(*) AS n FROM fetches GROUP BY outcome"
                )
            }
            c = fetch_one(
                conn,
                "SELECT count(*) AS total, count(*) FILTER (WHERE title_changed) AS title,"
                " count(*) FILTER (WHERE paragraphs_added > 0) AS added,"
                " count(*) FILTER (WHERE paragraphs_removed > 0) AS removed,"
                " count(*) FILTER (WHERE paragraphs_modified > 0) AS modified,"
                " count(*) FILTER (WHERE silent) AS silent,"
                " count(*) FILTER (WHERE new_updated_stamp IS NOT NULL) AS stamped,"
                " count(*) FILTER (WHERE severity = 'major') AS major FROM changes",
            )
            deliveries = {
                (r["channel"], r["state"]): int(r["n"])
                for r in fetch_all(
                    conn,
                    "SELECT channel, state, count(*) AS n FROM deliveries GROUP BY channel, state",
                )
            }
            a = fetch_one(
                conn,
                "SELECT count(*) AS n, count(*) FILTER (WHERE a.consecutive_failures > 0)"
                " AS failing,"
                " min(a.next_check_at) FILTER (WHERE a.next_check_at <= %(now)s"
                " AND (a.lease_until IS NULL OR a.lease_until <= %(now)s)) AS oldest_due,"
                # the last check of any article, retired ones too (see the SQLite backend)
                " (SELECT max(b.last_checked_at) FROM articles b JOIN sources t"
                " ON t.id = b.source_id WHERE t.enabled) AS last_check"
                " FROM articles a JOIN sources s ON s.id = a.source_id"
                " WHERE a.state = 'active' AND s.enabled",
                {"now": stamp},
            )
            quarantined = fetch_one(conn, "SELECT count(*) AS n FROM quarantine")
            size = fetch_one(conn, "SELECT pg_database_size(current_database()) AS n")
        assert c is not None and a is not None and quarantined is not None and size is not None
        oldest = utc(a["oldest_due"])
        kinds = ("title", "added", "removed", "modified", "silent", "stamped", "major")
        return StoreStats(
            fetches=fetches,
            changes={"all": int(c["total"]), **{k: int(c[k] or 0) for k in kinds}},
            deliveries=deliveries,
            quarantined=int(quarantined["n"]),
            articles=int(a["n"]),
            failing=int(a["failing"] or 0),
            check_lag_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
            last_check_at=utc(a["last_check"]),
            database_bytes=int(size["n"]),
        )
