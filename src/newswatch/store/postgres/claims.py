"""Claiming due articles on PostgreSQL: ``FOR UPDATE SKIP LOCKED``, a lease, a fencing token.

Many workers on many hosts claim at once: each picks the due rows no other transaction is
claiming right now (``SKIP LOCKED``, so claims never queue behind each other), leases them
and bumps their fencing token in the same statement. The partial index on
``(next_check_at, id) WHERE state = 'active'`` keeps a claim to a few index reads at any size.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from newswatch.clock import CLOCK_SKEW_SECONDS
from newswatch.store.postgres.connection import PgConnection, aware, fetch_all, utc
from newswatch.store.records import DueArticle
from newswatch.store.variants import url_variants


class Claims:
    """Leasing due articles to a checker (see :meth:`newswatch.store.records.Store.claim_due`)."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def claim_due(
        self,
        now: datetime,
        limit: int,
        lease_seconds: float,
        sources: Sequence[str] | None = None,
        force: bool = False,
        urls: Sequence[str] | None = None,
        due_by: datetime | None = None,
    ) -> list[DueArticle]:
        stamp = aware(now)
        where = [
            "a.state = 'active'",
            "s.enabled",
            "(a.lease_until IS NULL OR a.lease_until <= %(now)s)",
        ]
        params: dict[str, Any] = {
            "now": stamp,
            "limit": int(limit),
            "until": stamp + timedelta(seconds=lease_seconds),
            "due_by": aware(due_by) if due_by is not None else stamp,
            "ahead": stamp + timedelta(seconds=CLOCK_SKEW_SECONDS),
        }
        if not force:  # due, or checked "in the future" by a clock that ran ahead
            where.append(
                "(a.next_check_at <= %(due_by)s OR a.last_checked_at > %(ahead)s"
                " OR a.first_seen_at > %(ahead)s)"
            )
        if sources is not None:
            where.append("s.name = ANY(%(sources)s)")
            params["sources"] = list(sources)
        if urls is not None:
            where.append("(a.url = ANY(%(urls)s) OR a.canonical_url = ANY(%(urls)s))")
            params["urls"] = [v for url in urls for v in url_variants(url)]
        with self.db.transaction() as conn:
            # retired "in the future": the same wrong clock judged them quiet for too long
            conn.execute(
                "UPDATE articles SET state = 'active', retired_at = NULL"
                " WHERE state = 'retired' AND retired_at > %(ahead)s",
                params,
            )
            rows = fetch_all(
                conn,
                "WITH picked AS ("
                " SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id"
                f" WHERE {' AND '.join(where)}"
                " ORDER BY a.next_check_at NULLS FIRST, a.id LIMIT %(limit)s"
                " FOR UPDATE OF a SKIP LOCKED)"
                " UPDATE articles a SET lease_until = %(until)s,"
                " lease_token = a.lease_token + 1"
                " FROM picked, sources s WHERE a.id = picked.id AND s.id = a.source_id"
                " RETURNING a.id, s.name AS source, a.url, s.timezone, s.interval_seconds,"
                " a.etag, a.last_modified, a.consecutive_failures, a.lease_token,"
                " a.removed_at, a.first_seen_at, a.last_change_at, a.unchanged_checks,"
                " a.next_check_at",
                params,
            )
        rows.sort(key=lambda r: (r["next_check_at"] is not None, r["next_check_at"], r["id"]))
        return [
            DueArticle(
                article_id=int(row["id"]),
                source=row["source"],
                url=row["url"],
                timezone=row["timezone"],
                interval_seconds=float(row["interval_seconds"]),
                etag=row["etag"],
                last_modified=row["last_modified"],
                consecutive_failures=int(row["consecutive_failures"] or 0),
                lease_token=int(row["lease_token"]),
                removed_at=utc(row["removed_at"]),
                first_seen_at=utc(row["first_seen_at"]),
                last_change_at=utc(row["last_change_at"]),
                unchanged_checks=int(row["unchanged_checks"] or 0),
            )
            for row in rows
        ]
