"""Extraction generations on PostgreSQL, as in the SQLite file (see
:mod:`newswatch.store.sqlite.generations`): ``versions``/``changes`` hold the current
generation, ``past_versions``/``past_changes`` the ones it replaced, ``generations`` when
each became current and its report. A new generation is written in ONE transaction that
locks the source and then the article row (the order a check's apply takes them in, so
the two never deadlock) and bumps the article's lease token, so a check in flight, planned
against the replaced reading, is refused.
"""

from __future__ import annotations

from newswatch.store.postgres import search
from newswatch.store.postgres.connection import (
    Conn,
    PgConnection,
    fetch_all,
    fetch_one,
)
from newswatch.store.postgres.rows import (
    POSTGRES,
    RECORDS,
    SEARCH_COLUMN,
    VERSION_COLUMNS,
    change_record,
    insert_sql,
    version_record,
)
from newswatch.store.records import (
    Generation,
    GenerationApplied,
    GenerationWrite,
    StoredChange,
    StoredVersion,
)
from newswatch.store.sql.generations import DELIVERY_LINKS, swap_current
from newswatch.store.sql.rows import GENERATION_ARTICLE, GENERATION_COUNTS, GENERATION_ROWS
from newswatch.store.sql.writes import change_values, version_values

_VERSION_COLUMNS = (
    "n, hash, title, paragraphs, published, updated, stamps, language, final_url,"
    " first_seen_at, last_seen_at, seen_count"
)
_CHANGE_COLUMNS = (
    "uid, from_n, to_n, detected_at, title_changed, old_title, new_title, paragraphs_added,"
    " paragraphs_removed, paragraphs_modified, new_updated_stamp, silent, severity, position,"
    " summary, record_json, diff_json, kind"
)
_CHANGE_FROM = (
    " s.name AS source_name, a.url AS article_url, a.title AS article_title"
    " FROM {table} c JOIN articles a ON a.id = c.article_id JOIN sources s ON s.id = a.source_id"
)
#: deliveries of an article's changes that are not settled (see the SQLite side)
_QUEUED = (
    "SELECT count(*) AS n FROM deliveries d JOIN changes c ON c.id = d.change_id"
    " WHERE c.article_id = %s AND (d.state IN ('pending', 'held') OR d.digest_id IN"
    " (SELECT g.id FROM deliveries g WHERE g.kind = 'digest' AND g.state = 'pending'))"
)


class Generations:
    """Reading generations and applying a new one (see module docstring)."""

    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def generations(self, article_id: int) -> list[Generation]:
        sql = POSTGRES.sql
        with self.db.transaction() as conn:
            article = fetch_one(conn, sql(GENERATION_ARTICLE), [article_id])
            if article is None:
                return []
            rows = fetch_all(conn, sql(GENERATION_ROWS), [article_id])
            counts = fetch_one(conn, sql(GENERATION_COUNTS), [article_id] * 2)
        assert counts is not None
        return RECORDS.generations(article_id, article, rows, counts)

    def generation_versions(self, article_id: int, generation: int) -> list[StoredVersion]:
        rows = self.db.rows(
            f"SELECT {VERSION_COLUMNS} FROM versions v JOIN articles a ON a.id = v.article_id"
            " WHERE v.article_id = %(a)s AND a.generation = %(g)s"
            f" UNION ALL SELECT {VERSION_COLUMNS} FROM past_versions v"
            " WHERE v.article_id = %(a)s AND v.generation = %(g)s ORDER BY n",
            {"a": article_id, "g": generation},
        )
        return [version_record(row) for row in rows]

    def generation_changes(self, article_id: int, generation: int) -> list[StoredChange]:
        current = ", ".join(
            f"c.{c.strip()}" for c in f"id, article_id, {_CHANGE_COLUMNS}".split(",")
        )
        rows = self.db.rows(
            f"SELECT {current},"
            + _CHANGE_FROM.format(table="changes")
            + " WHERE c.article_id = %(a)s AND a.generation = %(g)s"
            f" UNION ALL SELECT {current},"
            + _CHANGE_FROM.format(table="past_changes")
            + " WHERE c.article_id = %(a)s AND c.generation = %(g)s ORDER BY id DESC",
            {"a": article_id, "g": generation},
        )
        return [change_record(row) for row in rows]

    def apply_generation(self, write: GenerationWrite) -> GenerationApplied:
        """Write ``write`` as the article's current generation in ONE transaction."""
        return self.db.run(lambda conn: self._apply(conn, write))

    def _apply(self, conn: Conn, write: GenerationWrite) -> GenerationApplied:
        article_id = write.article_id
        fetch_one(
            conn,
            "SELECT id FROM sources WHERE id = (SELECT source_id FROM articles"
            " WHERE id = %s) FOR NO KEY UPDATE",
            [article_id],
        )
        article = fetch_one(
            conn,
            "SELECT generation, first_seen_at FROM articles WHERE id = %s FOR NO KEY UPDATE",
            [article_id],
        )
        if article is None:
            return GenerationApplied(refused="gone")
        if int(article["generation"]) != write.replaces:
            return GenerationApplied(refused="moved")
        queued = fetch_one(conn, _QUEUED, [article_id])
        if queued is not None and int(queued["n"]) > 0:
            return GenerationApplied(refused="queued")
        params = {"a": article_id, "g": write.replaces, "at": article["first_seen_at"]}
        conn.execute(
            f"INSERT INTO past_versions (article_id, generation, {_VERSION_COLUMNS})"
            f" SELECT article_id, %(g)s, {_VERSION_COLUMNS} FROM versions"
            " WHERE article_id = %(a)s",
            params,
        )
        conn.execute(
            f"INSERT INTO past_changes (change_id, article_id, generation, {_CHANGE_COLUMNS})"
            f" SELECT id, article_id, %(g)s, {_CHANGE_COLUMNS} FROM changes"
            " WHERE article_id = %(a)s ORDER BY id",
            params,
        )
        conn.execute(
            "INSERT INTO generations"
            " (article_id, generation, made_at, versions, changes, report_json)"
            " SELECT %(a)s, %(g)s, %(at)s,"
            " (SELECT count(*) FROM versions WHERE article_id = %(a)s),"
            " (SELECT count(*) FROM changes WHERE article_id = %(a)s), '{}'::json"
            " ON CONFLICT DO NOTHING",
            params,
        )
        links = fetch_all(conn, POSTGRES.sql(DELIVERY_LINKS), [article_id])

        made = swap_current(conn, POSTGRES, write, links, lambda: self._insert_rebuilt(conn, write))
        return GenerationApplied(generation=made)

    @staticmethod
    def _insert_rebuilt(conn: Conn, write: GenerationWrite) -> None:
        for rebuilt in write.versions:
            v = rebuilt.version
            values = version_values(
                POSTGRES,
                v,
                write.article_id,
                rebuilt.first_seen_at,
                rebuilt.last_seen_at,
                rebuilt.seen_count,
            )
            conn.execute(
                insert_sql("versions", values, computed=SEARCH_COLUMN),
                [*values.values(), search.document(v.title, list(v.paragraphs))],
            )
        for rebuilt_change in write.changes:
            values = change_values(
                POSTGRES, rebuilt_change.change, write.article_id, rebuilt_change.detected_at
            )
            conn.execute(insert_sql("changes", values), list(values.values()))
