"""Counts per source for status and health, for both backends; the whole-store statistics
differ in how they take one snapshot and measure the database, so each backend's
``Status`` adds its own ``stats`` to these."""

from __future__ import annotations

from datetime import datetime

from newswatch.clock import utc_now
from newswatch.store.records import SourceState
from newswatch.store.sql.dialect import Db, Dialect


class SourceCounts:
    """The per-source counts over one backend's connection."""

    def __init__(self, db: Db, dialect: Dialect) -> None:
        self.db = db
        self.d = dialect

    def source_states(self, now: datetime | None = None) -> list[SourceState]:
        """Counts per enabled (configured) source; ``due`` is judged at ``now`` (default: the
        real clock). An article counts for every source that found it (``article_sources``);
        a duplicate merged into another article counts for none."""
        stamp = self.d.time(now if now is not None else utc_now())
        rows = self.db.rows(
            self.d.sql(
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
                 AND a.state = 'active' AND a.next_check_at <= ?) AS n_due,
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
            """
            ),
            [stamp],
        )
        d = self.d
        return [
            SourceState(
                name=row["name"],
                url=row["url"],
                kind=row["kind"],
                interval_seconds=float(row["interval_seconds"]),
                articles=int(row["n_articles"]),
                due=int(row["n_due"]),
                failing=int(row["n_failing"]),
                last_check_at=d.read_time(row["last_check"]),
                last_error=row["last_discovery_error"] or row["last_err"],
                versions=int(row["n_versions"]),
                changes=int(row["n_changes"]),
                pending_deliveries=int(row["n_pending"]),
                failed_deliveries=int(row["n_failed"]),
                held_deliveries=int(row["n_held"]),
                health=row["health"],
                health_since=d.read_time(row["health_since"]) if row["health"] != "ok" else None,
                last_delivery_error=row["delivery_err"],
                retired=int(row["n_retired"]),
                removed=int(row["n_removed"]),
                last_discovery_at=d.read_time(row["last_discovery_at"]),
                last_discovery_error=row["last_discovery_error"],
                last_discovered=row["last_discovered"],
                last_discovery_not_modified=bool(row["last_discovery_not_modified"]),
            )
            for row in rows
        ]
