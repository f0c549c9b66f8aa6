"""The SQLite side of the history queries: how they spell what differs (see
:mod:`newswatch.store.sql.queries`, which holds them), and full-text search on FTS5.

The one OFFSET the history reads use is here, over the (small) list of articles a search
matched.
"""

from __future__ import annotations

from newswatch.normalize import comparable
from newswatch.store.records import MARK_END, MARK_START, SearchHit
from newswatch.store.sql.queries import HistorySpelling
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.rows import required_time

SPELLING = HistorySpelling(
    kinds={
        "title": "c.title_changed = 1",
        "paragraphs-added": "c.paragraphs_added > 0",
        "paragraphs-removed": "c.paragraphs_removed > 0",
        "paragraphs-modified": "c.paragraphs_modified > 0",
        "stamped": "c.new_updated_stamp IS NOT NULL",
        "silent": "c.silent = 1",
        "correction": "json_extract(c.record_json, '$.correction') IS NOT NULL",
        "removed": "c.kind = 'removed'",
        "restored": "c.kind = 'restored'",
    },
    array_length="json_array_length",
    version_columns="v.*",
)


def fts_query(text: str) -> str | None:
    """A user's search text as an FTS5 query that cannot be a syntax error.

    Every word is quoted (so ``AND``, ``*``, ``:`` or a stray quote are just words) and all
    words must occur; text inside double quotes must occur as that phrase. Folded like the
    comparison key (tatweel, harakat, invisible controls), as the index is. None when the
    text holds no word.
    """
    parts: list[str] = []
    for i, chunk in enumerate(comparable(text).split('"')):
        words = [w.replace('"', "") for w in chunk.split()]
        words = [w for w in words if w]
        if not words:
            continue
        if i % 2:  # inside quotes: one phrase
            parts.append('"' + " ".join(words) + '"')
        else:
            parts.extend(f'"{w}"' for w in words)
    return " ".join(parts) or None


class HistorySearch:
    """Search over the versions' FTS5 index."""

    def __init__(self, c: SqliteConnection) -> None:
        self._c = c

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Articles whose versions match ``query`` (see :func:`fts_query`), the article with
        the most recently stored match first."""
        match = fts_query(query)
        if match is None:
            return []
        groups = self._c.rows(
            "SELECT v.article_id, min(v.n) AS first_n, max(v.n) AS last_n,"
            " count(*) AS matching, max(v.id) AS last_id"
            " FROM versions_fts f JOIN versions v ON v.id = f.rowid"
            " WHERE versions_fts MATCH ? GROUP BY v.article_id"
            " ORDER BY last_id DESC LIMIT ? OFFSET ?",
            [match, max(1, int(limit)), max(0, int(offset))],
        )
        hits: list[SearchHit] = []
        for group in groups:
            rows = self._c.rows(
                "SELECT v.title, v.language, v.first_seen_at, a.url, s.name AS source,"
                " (SELECT count(*) FROM versions w WHERE w.article_id = v.article_id) AS total,"
                f" snippet(versions_fts, -1, '{MARK_START}', '{MARK_END}', '…', 32) AS snip"
                " FROM versions_fts f JOIN versions v ON v.id = f.rowid"
                " JOIN articles a ON a.id = v.article_id JOIN sources s ON s.id = a.source_id"
                " WHERE versions_fts MATCH ? AND f.rowid = ?",
                [match, group["last_id"]],
            )
            if not rows:
                continue
            row = rows[0]
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
                    seen_at=required_time(row["first_seen_at"]),
                    snippet=row["snip"] or "",
                )
            )
        return hits
