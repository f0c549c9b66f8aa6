"""Volatile fragments learned per article (table ``volatile``); the rule that decides what
is volatile is :mod:`newswatch.judge.volatile`'s, this only keeps what it learned."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from newswatch.store.records import LearnedFragment
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.rows import ts

#: an article's own templates, plus those of its source seen on two articles or more
_TEMPLATES = """
SELECT template FROM volatile WHERE article_id = :a
UNION
SELECT v.template FROM volatile v JOIN articles a ON a.id = v.article_id
WHERE a.source_id = (SELECT source_id FROM articles WHERE id = :a)
GROUP BY v.template HAVING count(DISTINCT v.article_id) >= 2
"""


class VolatileFragments:
    def __init__(self, c: SqliteConnection) -> None:
        self._c = c

    def volatile_templates(self, article_id: int) -> list[str]:
        return sorted(r["template"] for r in self._c.rows(_TEMPLATES, {"a": article_id}))

    def learn_volatile(self, article_id: int, templates: Sequence[str], now: datetime) -> None:
        with self._c.transaction() as db:
            for template in templates:
                db.execute(
                    "INSERT OR IGNORE INTO volatile (article_id, template, learned_at)"
                    " VALUES (?, ?, ?)",
                    [article_id, template, ts(now)],
                )

    def volatile_learned(self, source: str) -> list[LearnedFragment]:
        rows = self._c.rows(
            "SELECT v.template, count(DISTINCT v.article_id) AS n FROM volatile v"
            " JOIN articles a ON a.id = v.article_id JOIN sources s ON s.id = a.source_id"
            " WHERE s.name = ? GROUP BY v.template ORDER BY n DESC, v.template",
            [source],
        )
        return [LearnedFragment(r["template"], int(r["n"])) for r in rows]

    def forget_volatile(self, source: str, template: str | None = None) -> int:
        where = "" if template is None else " AND template = :t"
        with self._c.transaction() as db:
            cursor = db.execute(
                "DELETE FROM volatile WHERE article_id IN (SELECT a.id FROM articles a"
                " JOIN sources s ON s.id = a.source_id WHERE s.name = :s)" + where,
                {"s": source, "t": template},
            )
            return int(cursor.rowcount)
