"""Claiming due articles: leases with a fencing token, so two checkers never record one claim.

The token bumped here is the one applying a check's plan (:mod:`.checking`) checks before it
writes anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from newswatch.clock import CLOCK_SKEW_SECONDS
from newswatch.models import parse_iso
from newswatch.store.records import DueArticle
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.rows import ts
from newswatch.store.variants import url_variants

_CHUNK = 500  # ids per lease update (well below SQLite's limit on parameters)


class Claims:
    """Leasing due articles to a checker."""

    def __init__(self, c: SqliteConnection) -> None:
        self._c = c

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
        """Lease up to ``limit`` due articles, oldest due first, bumping their fencing token.

        Only active articles of enabled sources whose lease is free or expired are taken;
        ``force`` ignores ``next_check_at`` (never a live lease). An article whose last check
        or first sighting lies more than ``CLOCK_SKEW_SECONDS`` in the future is due whatever
        its ``next_check_at`` says: a clock that once jumped ahead wrote both, and its due
        times must not hold the article back. ``sources`` keeps those
        sources' articles, ``urls`` the articles watched at (or canonically at) those URLs.
        ``due_by`` (default ``now``) is the due time taken: a pass takes what was due when it
        began, so an article whose short interval comes round again meanwhile waits for the
        next pass instead of keeping this one going.
        """
        stamp = ts(now)
        where = [
            "a.state = 'active'",
            "s.enabled = 1",
            "(a.lease_until IS NULL OR a.lease_until <= ?)",
        ]
        params: list[Any] = [stamp]
        if not force:
            # due, or checked "in the future": written by a clock that ran ahead, whose due
            # time would otherwise hold the article back for as long as the clock was off
            ahead = ts(now + timedelta(seconds=CLOCK_SKEW_SECONDS))
            where.append("(a.next_check_at <= ? OR a.last_checked_at > ? OR a.first_seen_at > ?)")
            params.extend([ts(due_by) if due_by is not None else stamp, ahead, ahead])
        if sources is not None:
            where.append(f"s.name IN ({', '.join('?' for _ in sources) or 'NULL'})")
            params.extend(sources)
        if urls is not None:
            variants = [v for url in urls for v in url_variants(url)]
            marks = ", ".join("?" for _ in variants) or "NULL"
            where.append(f"(a.url IN ({marks}) OR a.canonical_url IN ({marks}))")
            params.extend([*variants, *variants])
        with self._c.transaction() as db:
            # retired "in the future": the same wrong clock judged them quiet for too long
            db.execute(
                "UPDATE articles SET state = 'active', retired_at = NULL"
                " WHERE state = 'retired' AND retired_at > ?",
                [ts(now + timedelta(seconds=CLOCK_SKEW_SECONDS))],
            )
            rows = self._c.rows(
                "SELECT a.id, s.name AS source, a.url, s.timezone, s.interval_seconds,"
                " a.etag, a.last_modified, a.consecutive_failures, a.lease_token,"
                " a.removed_at,"
                " a.first_seen_at, a.last_change_at, a.unchanged_checks"
                " FROM articles a JOIN sources s ON s.id = a.source_id"
                f" WHERE {' AND '.join(where)}"
                " ORDER BY a.next_check_at, a.id LIMIT ?",
                [*params, int(limit)],
            )
            # one statement per chunk, not per row: each statement lets go of the
            # interpreter lock, and the claim holds the file's write lock till it is back
            lease_until = ts(now + timedelta(seconds=lease_seconds))
            ids = [row["id"] for row in rows]
            for at in range(0, len(ids), _CHUNK):
                chunk = ids[at : at + _CHUNK]
                db.conn.execute(
                    "UPDATE articles SET lease_until = ?, lease_token = lease_token + 1"
                    f" WHERE id IN ({', '.join('?' for _ in chunk)})",
                    [lease_until, *chunk],
                )
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
                lease_token=int(row["lease_token"]) + 1,
                removed_at=parse_iso(row["removed_at"]),
                first_seen_at=parse_iso(row["first_seen_at"]),
                last_change_at=parse_iso(row["last_change_at"]),
                unchanged_checks=int(row["unchanged_checks"] or 0),
            )
            for row in rows
        ]
