"""Handing claims back on PostgreSQL (see :mod:`newswatch.store.sqlite.leases`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from newswatch.store.postgres.connection import PgConnection, aware, fetch_all, fetch_one
from newswatch.store.records import DueArticle
from newswatch.store.variants import url_variants


class LeaseControl:
    """Giving leases back, making articles due, counting what is due."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def release_leases(self, claims: Sequence[DueArticle]) -> int:
        if not claims:
            return 0
        with self.db.transaction() as conn:
            rows = fetch_all(
                conn,
                "UPDATE articles a SET lease_until = NULL"
                " FROM unnest(%(ids)s::bigint[], %(tokens)s::bigint[]) AS c(id, token)"
                " WHERE a.id = c.id AND a.lease_token = c.token AND a.lease_until IS NOT NULL"
                " RETURNING a.id",
                {
                    "ids": [due.article_id for due in claims],
                    "tokens": [due.lease_token for due in claims],
                },
            )
        return len(rows)

    def count_due(
        self,
        due_by: datetime,
        sources: Sequence[str] | None = None,
        urls: Sequence[str] | None = None,
    ) -> int:
        where, params = _narrowed(sources, urls)
        params["due_by"] = aware(due_by)
        row = self.db.row(
            "SELECT count(*) AS n FROM articles a JOIN sources s ON s.id = a.source_id"
            f" WHERE {' AND '.join(where)} AND a.next_check_at <= %(due_by)s",
            params,
        )
        return int(row["n"]) if row else 0

    def make_due(
        self,
        now: datetime,
        sources: Sequence[str] | None = None,
        urls: Sequence[str] | None = None,
    ) -> int:
        where, params = _narrowed(sources, urls)
        params["now"] = aware(now)
        with self.db.transaction() as conn:
            fetch_all(
                conn,
                "UPDATE articles a SET next_check_at = %(now)s FROM sources s"
                f" WHERE s.id = a.source_id AND {' AND '.join(where)}"
                " AND (a.next_check_at IS NULL OR a.next_check_at > %(now)s) RETURNING a.id",
                params,
            )
            row = fetch_one(
                conn,
                "SELECT count(*) AS n FROM articles a JOIN sources s ON s.id = a.source_id"
                f" WHERE {' AND '.join(where)}",
                params,
            )
        return int(row["n"]) if row else 0


def _narrowed(
    sources: Sequence[str] | None, urls: Sequence[str] | None
) -> tuple[list[str], dict[str, Any]]:
    where = ["a.state = 'active'", "s.enabled"]
    params: dict[str, Any] = {}
    if sources is not None:
        where.append("s.name = ANY(%(sources)s)")
        params["sources"] = list(sources)
    if urls is not None:
        where.append("(a.url = ANY(%(urls)s) OR a.canonical_url = ANY(%(urls)s))")
        params["urls"] = [v for url in urls for v in url_variants(url)]
    return where, params
