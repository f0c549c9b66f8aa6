"""The PostgreSQL side of the history queries: how they spell what differs (see
:mod:`newswatch.store.sql.queries`, which holds them), and search on each version's
``tsvector`` (see :mod:`newswatch.store.postgres.search`).
"""

from __future__ import annotations

from newswatch.store.postgres import search
from newswatch.store.postgres.connection import PgConnection, required
from newswatch.store.postgres.rows import VERSION_COLUMNS
from newswatch.store.records import SearchHit
from newswatch.store.sql.queries import HistorySpelling

SPELLING = HistorySpelling(
    kinds={
        "title": "c.title_changed",
        "paragraphs-added": "c.paragraphs_added > 0",
        "paragraphs-removed": "c.paragraphs_removed > 0",
        "paragraphs-modified": "c.paragraphs_modified > 0",
        "stamped": "c.new_updated_stamp IS NOT NULL",
        "silent": "c.silent",
        "correction": "coalesce(json_typeof(c.record_json -> 'correction'), 'null') <> 'null'",
        "removed": "c.kind = 'removed'",
        "restored": "c.kind = 'restored'",
    },
    array_length="jsonb_array_length",
    # not v.*: the search column (a tsvector) stays in the database
    version_columns=VERSION_COLUMNS,
)


class HistorySearch:
    """Search over the versions' ``tsvector`` column."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Articles whose versions match ``query``, the one with the newest match first."""
        parsed = search.Query.parse(query)
        if parsed.empty:
            return []
        match, terms = parsed.sql()
        groups = self.db.rows(
            "SELECT v.article_id, min(v.n) AS first_n, max(v.n) AS last_n,"
            " count(*) AS matching, max(v.id) AS last_id"
            f" FROM versions v WHERE v.search @@ {match} GROUP BY v.article_id"
            " ORDER BY last_id DESC LIMIT %s OFFSET %s",
            [*terms, max(1, int(limit)), max(0, int(offset))],
        )
        hits: list[SearchHit] = []
        for group in groups:
            row = self.db.row(
                "SELECT v.title, v.paragraphs, v.language, v.first_seen_at, a.url,"
                " s.name AS source,"
                " (SELECT count(*) FROM versions w WHERE w.article_id = v.article_id) AS total"
                " FROM versions v JOIN articles a ON a.id = v.article_id"
                " JOIN sources s ON s.id = a.source_id WHERE v.id = %s",
                [group["last_id"]],
            )
            if row is None:
                continue
            hits.append(
                SearchHit(
                    article_id=int(group["article_id"]),
                    source=row["source"],
                    url=row["url"],
                    title=row["title"],
                    language=row["language"],
                    first_n=int(group["first_n"]),
                    last_n=int(group["last_n"]),
                    matching=int(group["matching"]),
                    versions=int(row["total"]),
                    seen_at=required(row["first_seen_at"]),
                    snippet=search.snippet(parsed, row["title"], list(row["paragraphs"])),
                )
            )
        return hits
