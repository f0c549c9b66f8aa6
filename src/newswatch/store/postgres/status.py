"""Counts for status, health and metrics on PostgreSQL, each read in one snapshot."""

from __future__ import annotations

from datetime import datetime

from newswatch.clock import utc_now
from newswatch.store.postgres.connection import PgConnection, aware, fetch_all, fetch_one, utc
from newswatch.store.records import SourceState, StoreStats


class Status:
    """Per-source states and whole-store statistics (see the SQLite side's ``status``)."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def source_states(self, now: datetime | None = None) -> list[SourceState]:
        stamp = aware(now if now is not None else utc_now())
        rows = self.db.rows(
            """
            WITH mine AS (
              SELECT x.source_id AS found_by, a.*
              FROM article_sources x JOIN articles a ON a.id = x.article_id
              WHERE a.merged_into IS NULL
            )
            SELECT s.*,
              (SELECT count(*) FROM mine a
                 WHERE a.found_by = s.id AND a.state = 'active') AS n_articles,
              (SELECT count(*) FROM mine a WHERE a.found_by = s.id
                 AND a.state = 'active' AND a.next_check_at <= %(now)s) AS n_due,
              (SELECT count(*) FROM mine a WHERE a.found_by = s.id
                 AND a.state = 'active' AND a.consecutive_failures > 0) AS n_failing,
              (SELECT count(*) FROM mine a WHERE a.found_by = s.id
                 AND a.state = 'retired') AS n_retired,
              (SELECT count(*) FROM mine a WHERE a.found_by = s.id
                 AND a.state = 'active' AND a.removed_at IS NOT NULL) AS n_removed,
              (SELECT max(a.last_checked_at) FROM mine a
                 WHERE a.found_by = s.id) AS last_check,
              (SELECT a.last_error FROM mine a WHERE a.found_by = s.id
                 AND a.consecutive_failures > 0
                 ORDER BY a.last_checked_at DESC NULLS LAST LIMIT 1) AS last_err,
              (SELECT count(*) FROM versions v JOIN mine a ON a.id = v.article_id
                 WHERE a.found_by = s.id) AS n_versions,
              (SELECT count(*) FROM changes c JOIN mine a ON a.id = c.article_id
                 WHERE a.found_by = s.id) AS n_changes,
              (SELECT count(*) FROM deliveries d
                 WHERE d.source_id = s.id AND d.state = 'pending') AS n_pending,
              (SELECT count(*) FROM deliveries d
                 WHERE d.source_id = s.id AND d.state = 'failed') AS n_failed,
              (SELECT count(*) FROM deliveries d
                 WHERE d.source_id = s.id AND d.state = 'held') AS n_held,
              (SELECT d.channel || ': ' || d.last_error FROM deliveries d
                 WHERE d.source_id = s.id AND d.state IN ('pending', 'failed')
                 AND d.last_error IS NOT NULL ORDER BY d.id DESC LIMIT 1) AS delivery_err
            FROM sources s WHERE s.enabled ORDER BY s.name
            """,
            {"now": stamp},
        )
        return [
            SourceState(
                name=row["name"],
                url=row["url"],
                kind=row["kind"],
                interval_seconds=float(row["interval_seconds"]),
                articles=int(row["n_articles"]),
                due=int(row["n_due"]),
                failing=int(row["n_failing"]),
                last_check_at=utc(row["last_check"]),
                last_error=row["last_discovery_error"] or row["last_err"],
                versions=int(row["n_versions"]),
                changes=int(row["n_changes"]),
                pending_deliveries=int(row["n_pending"]),
                failed_deliveries=int(row["n_failed"]),
                held_deliveries=int(row["n_held"]),
                health=row["health"],
                health_since=utc(row["health_since"]) if row["health"] != "ok" else None,
                last_delivery_error=row["delivery_err"],
                retired=int(row["n_retired"]),
                removed=int(row["n_removed"]),
                last_discovery_at=utc(row["last_discovery_at"]),
                last_discovery_error=row["last_discovery_error"],
                last_discovered=row["last_discovered"],
                last_discovery_not_modified=bool(row["last_discovery_not_modified"]),
            )
            for row in rows
        ]

    def stats(self, now: datetime) -> StoreStats:
        """Counts for metrics and health, in one REPEATABLE READ snapshot."""
        stamp = aware(now)
        with self.db.transaction() as conn:
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
