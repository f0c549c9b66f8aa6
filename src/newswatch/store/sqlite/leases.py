"""Handing claims back: a clean stop returns the leases of the checks it abandons, and a
forced pass makes its articles due now, so the ordinary claim loop covers them all.

Kept apart from :mod:`.claims` (which takes leases): these are the run loop's calls that are
not part of a check.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from newswatch.store.records import DueArticle
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.rows import ts
from newswatch.store.variants import url_variants


class LeaseControl:
    """Giving leases back, making articles due, counting what is due."""

    def __init__(self, c: SqliteConnection) -> None:
        self._c = c

    def release_leases(self, claims: Sequence[DueArticle]) -> int:
        """Free the leases still held under these claims' fencing tokens; how many were freed.

        A claim recorded meanwhile, or taken over by another checker, is left alone. A late
        result of a released claim is refused (its lease is gone), and the article is due
        again at once for whoever claims next.
        """
        if not claims:
            return 0
        freed = 0
        with self._c.transaction() as db:
            for due in claims:
                cursor = db.execute(
                    "UPDATE articles SET lease_until = NULL"
                    " WHERE id = ? AND lease_token = ? AND lease_until IS NOT NULL",
                    [due.article_id, due.lease_token],
                )
                freed += max(cursor.rowcount, 0)
        return freed

    def count_due(
        self,
        due_by: datetime,
        sources: Sequence[str] | None = None,
        urls: Sequence[str] | None = None,
    ) -> int:
        """How many active articles (narrowed as a claim is) are due by ``due_by``."""
        where, params = narrowed(sources, urls)
        row = self._c.row(
            "SELECT count(*) AS n FROM articles a JOIN sources s ON s.id = a.source_id"
            f" WHERE {' AND '.join(where)} AND a.next_check_at <= ?",
            [*params, ts(due_by)],
        )
        return int(row["n"]) if row else 0

    def make_due(
        self,
        now: datetime,
        sources: Sequence[str] | None = None,
        urls: Sequence[str] | None = None,
    ) -> int:
        """Make the active articles (narrowed as a claim is) due at ``now``; returns how many
        articles that covers."""
        where, params = narrowed(sources, urls)
        stamp = ts(now)
        with self._c.transaction() as db:
            db.execute(
                "UPDATE articles SET next_check_at = ? WHERE id IN ("
                " SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id"
                f" WHERE {' AND '.join(where)})"
                " AND (next_check_at IS NULL OR next_check_at > ?)",
                [stamp, *params, stamp],
            )
            row = db.execute(
                "SELECT count(*) FROM articles a JOIN sources s ON s.id = a.source_id"
                f" WHERE {' AND '.join(where)}",
                params,
            ).fetchone()
        return int(row[0]) if row else 0


def narrowed(
    sources: Sequence[str] | None, urls: Sequence[str] | None
) -> tuple[list[str], list[Any]]:
    """The WHERE terms (over ``articles a JOIN sources s``) of a claim's narrowing."""
    where = ["a.state = 'active'", "s.enabled = 1"]
    params: list[Any] = []
    if sources is not None:
        where.append(f"s.name IN ({', '.join('?' for _ in sources) or 'NULL'})")
        params.extend(sources)
    if urls is not None:
        variants = [v for url in urls for v in url_variants(url)]
        marks = ", ".join("?" for _ in variants) or "NULL"
        where.append(f"(a.url IN ({marks}) OR a.canonical_url IN ({marks}))")
        params.extend([*variants, *variants])
    return where, params
