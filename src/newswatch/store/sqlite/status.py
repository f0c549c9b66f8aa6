"""Counts for status, health and metrics: per source, and over the whole store."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from newswatch.models import parse_iso
from newswatch.store.records import StoreStats
from newswatch.store.sql.status import SourceCounts
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.rows import SQLITE, ts


class Status(SourceCounts):
    """The shared per-source counts, and the whole-store statistics read under the
    connection's lock (one consistent snapshot) with the file's size."""

    def __init__(self, c: SqliteConnection) -> None:
        super().__init__(c, SQLITE)
        self._c = c

    def stats(self, now: datetime) -> StoreStats:
        """Counts for metrics and health, read under one lock (one consistent snapshot)."""
        stamp = ts(now)
        with self._c.lock, self._c.conn:
            self._c.conn.execute("BEGIN")  # one read snapshot for all the counts
            fetches = {
                r["outcome"]: int(r["n"])
                for r in self._c.rows("SELECT outcome, count(*) AS n FROM fetches GROUP BY outcome")
            }
            c = self._c.row(
                "SELECT count(*) AS total, sum(title_changed) AS title,"
                " sum(paragraphs_added > 0) AS added, sum(paragraphs_removed > 0) AS removed,"
                " sum(paragraphs_modified > 0) AS modified, sum(silent) AS silent,"
                " sum(new_updated_stamp IS NOT NULL) AS stamped,"
                " sum(severity = 'major') AS major FROM changes"
            )
            deliveries = {
                (r["channel"], r["state"]): int(r["n"])
                for r in self._c.rows(
                    "SELECT channel, state, count(*) AS n FROM deliveries GROUP BY channel, state"
                )
            }
            a = self._c.row(
                "SELECT count(*) AS n, sum(a.consecutive_failures > 0) AS failing,"
                " min(CASE WHEN a.next_check_at <= :now AND (a.lease_until IS NULL"
                " OR a.lease_until <= :now) THEN a.next_check_at END) AS oldest_due,"
                # the last check of any article, retired ones too: a clock that ran ahead
                # may have retired them all, and health must still see its check
                " (SELECT max(b.last_checked_at) FROM articles b JOIN sources t"
                " ON t.id = b.source_id WHERE t.enabled = 1) AS last_check"
                " FROM articles a JOIN sources s ON s.id = a.source_id"
                " WHERE a.state = 'active' AND s.enabled = 1",
                {"now": stamp},
            )
            quarantined = self._c.row("SELECT count(*) AS n FROM quarantine")
        assert c is not None and a is not None and quarantined is not None
        oldest = parse_iso(a["oldest_due"])
        size = 0
        for suffix in ("", "-wal"):
            file = Path(f"{self._c.path}{suffix}")
            size += file.stat().st_size if file.exists() else 0
        kinds = ("title", "added", "removed", "modified", "silent", "stamped", "major")
        return StoreStats(
            fetches=fetches,
            changes={"all": int(c["total"]), **{k: int(c[k] or 0) for k in kinds}},
            deliveries=deliveries,
            quarantined=int(quarantined["n"]),
            articles=int(a["n"]),
            failing=int(a["failing"] or 0),
            check_lag_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
            last_check_at=parse_iso(a["last_check"]),
            database_bytes=size,
        )
