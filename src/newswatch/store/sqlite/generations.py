"""Extraction generations in the SQLite file: the past ones read back, a new one written.

``versions`` and ``changes`` hold the current generation, so every reader shows it without
knowing generations exist; a re-extraction moves the rows it replaces into
``past_versions``/``past_changes`` and writes the rebuilt ones, in one transaction.
Alert deliveries of the replaced changes stay (what was sent was sent): each follows its
change into the new generation when that change is rebuilt unchanged (same uid), else it is
unlinked. A change whose alert is still queued is never replaced under it (``queued``).
"""

from __future__ import annotations

from sqlite_utils import Database

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
from newswatch.store.sqlite.connection import SqliteConnection, insert_row
from newswatch.store.sqlite.readers import Readers
from newswatch.store.sqlite.rows import (
    RECORDS,
    SQLITE,
    change_record,
    version_record,
)

_VERSION_COLUMNS = (
    "n, hash, title, paragraphs, published, updated, stamps, language, final_url,"
    " first_seen_at, last_seen_at, seen_count"
)
_CHANGE_COLUMNS = (
    "uid, from_n, to_n, detected_at, title_changed, old_title, new_title, paragraphs_added,"
    " paragraphs_removed, paragraphs_modified, new_updated_stamp, silent, severity, position,"
    " summary, record_json, diff_json, kind"
)
_PAST_CHANGE_SELECT = (
    "SELECT c.*, s.name AS source_name, a.url AS article_url, a.title AS article_title"
    " FROM past_changes c JOIN articles a ON a.id = c.article_id"
    " JOIN sources s ON s.id = a.source_id"
)
#: deliveries of an article's changes that are not settled: pending, held for a digest, or
#: gathered into a digest not yet sent (one ``?``: the article id)
_QUEUED = (
    "SELECT count(*) AS n FROM deliveries d JOIN changes c ON c.id = d.change_id"
    " WHERE c.article_id = ? AND (d.state IN ('pending', 'held') OR d.digest_id IN"
    " (SELECT g.id FROM deliveries g WHERE g.kind = 'digest' AND g.state = 'pending'))"
)


class Generations:
    """Reading generations and applying a new one (see module docstring)."""

    def __init__(self, c: SqliteConnection, readers: Readers) -> None:
        self._c = c
        self._readers = readers

    def generations(self, article_id: int) -> list[Generation]:
        with self._c.lock, self._c.conn:
            self._c.conn.execute("BEGIN")  # one read snapshot
            article = self._c.row(GENERATION_ARTICLE, [article_id])
            if article is None:
                return []
            rows = self._c.rows(GENERATION_ROWS, [article_id])
            counts = self._c.row(GENERATION_COUNTS, [article_id] * 2)
        assert counts is not None
        return RECORDS.generations(article_id, article, rows, counts)

    def generation_versions(self, article_id: int, generation: int) -> list[StoredVersion]:
        if self._current(article_id) == generation:
            return self._readers.versions(article_id)
        rows = self._c.rows(
            "SELECT * FROM past_versions WHERE article_id = ? AND generation = ? ORDER BY n",
            [article_id, generation],
        )
        return [version_record(row) for row in rows]

    def generation_changes(self, article_id: int, generation: int) -> list[StoredChange]:
        if self._current(article_id) == generation:
            return self._readers.changes(article_id, limit=1_000_000)
        rows = self._c.rows(
            _PAST_CHANGE_SELECT + " WHERE c.article_id = ? AND c.generation = ? ORDER BY c.id DESC",
            [article_id, generation],
        )
        return [change_record(row) for row in rows]

    def _current(self, article_id: int) -> int | None:
        row = self._c.row("SELECT generation FROM articles WHERE id = ?", [article_id])
        return int(row["generation"]) if row is not None else None

    def apply_generation(self, write: GenerationWrite) -> GenerationApplied:
        """Write ``write`` as the article's current generation in ONE transaction."""
        article_id = write.article_id
        with self._c.transaction() as db:
            article = self._c.row(
                "SELECT generation, first_seen_at FROM articles WHERE id = ?", [article_id]
            )
            if article is None:
                return GenerationApplied(refused="gone")
            if int(article["generation"]) != write.replaces:
                return GenerationApplied(refused="moved")
            queued = self._c.row(_QUEUED, [article_id])
            if queued is not None and int(queued["n"]) > 0:
                return GenerationApplied(refused="queued")
            self._keep_replaced(db, write, str(article["first_seen_at"]))
            links = self._c.rows(DELIVERY_LINKS, [article_id])

            made = swap_current(db, SQLITE, write, links, lambda: self._insert_rebuilt(db, write))
        return GenerationApplied(generation=made)

    @staticmethod
    def _keep_replaced(db: Database, write: GenerationWrite, first_seen: str) -> None:
        """The replaced generation's rows, and its entry if it has none (generation 1)."""
        article_id, past = write.article_id, write.replaces
        db.execute(
            f"INSERT INTO past_versions (article_id, generation, {_VERSION_COLUMNS})"
            f" SELECT article_id, ?, {_VERSION_COLUMNS} FROM versions WHERE article_id = ?",
            [past, article_id],
        )
        db.execute(
            f"INSERT INTO past_changes (change_id, article_id, generation, {_CHANGE_COLUMNS})"
            f" SELECT id, article_id, ?, {_CHANGE_COLUMNS} FROM changes WHERE article_id = ?"
            " ORDER BY id",
            [past, article_id],
        )
        db.execute(
            "INSERT OR IGNORE INTO generations"
            " (article_id, generation, made_at, versions, changes, report_json)"
            " SELECT :a, :g, :at, (SELECT count(*) FROM versions WHERE article_id = :a),"
            " (SELECT count(*) FROM changes WHERE article_id = :a), '{}'",
            {"a": article_id, "g": past, "at": first_seen},
        )

    @staticmethod
    def _insert_rebuilt(db: Database, write: GenerationWrite) -> None:
        for rebuilt in write.versions:
            values = version_values(
                SQLITE,
                rebuilt.version,
                write.article_id,
                rebuilt.first_seen_at,
                rebuilt.last_seen_at,
                rebuilt.seen_count,
            )
            db.table("versions").insert(values)
        for rebuilt_change in write.changes:
            values = change_values(
                SQLITE, rebuilt_change.change, write.article_id, rebuilt_change.detected_at
            )
            insert_row(db, "changes", values)
