"""Volatile fragments learned per article (table ``volatile``); the rule that decides what
is volatile is :mod:`newswatch.judge.volatile`'s, this only keeps what it learned."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from newswatch.store.postgres.connection import PgConnection, aware
from newswatch.store.records import LearnedFragment

#: an article's own templates, plus those of its source seen on two articles or more
_TEMPLATES = """
SELECT template FROM volatile WHERE article_id = %(a)s
UNION
SELECT v.template FROM volatile v JOIN articles a ON a.id = v.article_id
WHERE a.source_id = (SELECT source_id FROM articles WHERE id = %(a)s)
GROUP BY v.template HAVING count(DISTINCT v.article_id) >= 2
"""


class VolatileFragments:
    def __init__(self, db: PgConnection) -> None:
        self.db = db

    def volatile_templates(self, article_id: int) -> list[str]:
        return sorted(str(r["template"]) for r in self.db.rows(_TEMPLATES, {"a": article_id}))

    def learn_volatile(self, article_id: int, templates: Sequence[str], now: datetime) -> None:
        with self.db.transaction() as conn:
            for template in templates:
                conn.execute(
                    "INSERT INTO volatile (article_id, template, learned_at) VALUES (%s, %s, %s)"
                    " ON CONFLICT (article_id, template) DO NOTHING",
                    [article_id, template, aware(now)],
                )

    def volatile_learned(self, source: str) -> list[LearnedFragment]:
        rows = self.db.rows(
            "SELECT v.template, count(DISTINCT v.article_id) AS n FROM volatile v"
            " JOIN articles a ON a.id = v.article_id JOIN sources s ON s.id = a.source_id"
            " WHERE s.name = %s GROUP BY v.template ORDER BY n DESC, v.template",
            [source],
        )
        return [LearnedFragment(str(r["template"]), int(str(r["n"]))) for r in rows]

    def forget_volatile(self, source: str, template: str | None = None) -> int:
        where = "" if template is None else " AND template = %(t)s"
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM volatile WHERE article_id IN (SELECT a.id FROM articles a"
                " JOIN sources s ON s.id = a.source_id WHERE s.name = %(s)s)" + where,
                {"s": source, "t": template},
            )
            return int(cursor.rowcount)
