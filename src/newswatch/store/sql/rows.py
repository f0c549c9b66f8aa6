"""Rows to records, for both backends: one mapping per record, reading times and JSON
through the backend's :class:`~newswatch.store.sql.dialect.Dialect`, so a column is read the
same way by every part of either store."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from newswatch.models import Stamp
from newswatch.store.records import (
    ArticleRecord,
    ArticleState,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Generation,
    StoredChange,
    StoredEvent,
    StoredVersion,
)
from newswatch.store.sql.dialect import Dialect, Row

CHANGE_SELECT = """
SELECT c.*, s.name AS source_name, a.url AS article_url, a.title AS article_title
FROM changes c
JOIN articles a ON a.id = c.article_id
JOIN sources s ON s.id = a.source_id
"""

EVENT_SELECT = """
SELECT e.*, s.name AS source_name, s.url AS source_url, a.url AS article_url,
       a.title AS article_title
FROM events e
JOIN sources s ON s.id = e.source_id
LEFT JOIN articles a ON a.id = e.article_id
"""


ARTICLE_SELECT = """
SELECT a.*, s.name AS source_name,
  (SELECT count(*) FROM versions v WHERE v.article_id = a.id) AS version_count
FROM articles a JOIN sources s ON s.id = a.source_id
"""


#: an article's generation snapshot: the article, its generations' entries, the counts of the
#: current one (``?``: the article id; twice for the counts)
GENERATION_ARTICLE = "SELECT generation, first_seen_at FROM articles WHERE id = ?"
GENERATION_ROWS = "SELECT * FROM generations WHERE article_id = ? ORDER BY generation"
GENERATION_COUNTS = (
    "SELECT (SELECT count(*) FROM versions WHERE article_id = ?) AS v,"
    " (SELECT count(*) FROM changes WHERE article_id = ?) AS c"
)


class Records:
    """The record mappings over one backend's dialect (each backend holds one)."""

    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect

    def stamps(self, value: Any) -> list[Stamp]:
        return [Stamp.from_dict(s) for s in (self.d.read_json(value) or [])]

    def article(self, row: Row) -> ArticleRecord:
        d = self.d
        return ArticleRecord(
            id=int(row["id"]),
            source=row["source_name"],
            url=row["url"],
            canonical_url=row["canonical_url"],
            title=row["title"],
            state=cast(ArticleState, row["state"]),
            first_seen_at=d.required_time(row["first_seen_at"]),
            last_checked_at=d.read_time(row["last_checked_at"]),
            next_check_at=d.read_time(row["next_check_at"]),
            consecutive_failures=int(row["consecutive_failures"] or 0),
            last_error=row["last_error"],
            versions=int(row["version_count"]),
            removed_at=d.read_time(row["removed_at"]),
            removed_reason=row["removed_reason"],
            merged_into=row["merged_into"],
        )

    def version(self, row: Row) -> StoredVersion:
        d = self.d
        return StoredVersion(
            article_id=int(row["article_id"]),
            n=int(row["n"]),
            hash=row["hash"],
            title=row["title"],
            paragraphs=list(d.read_json(row["paragraphs"])),
            published=d.read_time(row["published"]),
            updated=d.read_time(row["updated"]),
            stamps=self.stamps(row["stamps"]),
            language=row["language"],
            final_url=row["final_url"],
            first_seen_at=d.required_time(row["first_seen_at"]),
            last_seen_at=d.required_time(row["last_seen_at"]),
            seen_count=int(row["seen_count"]),
        )

    def change(self, row: Row) -> StoredChange:
        d = self.d
        return StoredChange(
            id=int(row["id"]),
            uid=row["uid"],
            article_id=int(row["article_id"]),
            source=row["source_name"],
            url=row["article_url"],
            title=row["article_title"] or row["new_title"] or "",
            from_n=int(row["from_n"]),
            to_n=int(row["to_n"]),
            at=d.required_time(row["detected_at"]),
            title_changed=bool(row["title_changed"]),
            paragraphs_added=int(row["paragraphs_added"]),
            paragraphs_removed=int(row["paragraphs_removed"]),
            paragraphs_modified=int(row["paragraphs_modified"]),
            new_updated_stamp=d.read_time(row["new_updated_stamp"]),
            silent=bool(row["silent"]),
            severity=row["severity"],
            summary=row["summary"],
            record=dict(d.read_json(row["record_json"])),
            diff=dict(d.read_json(row["diff_json"])),
            kind=row.get("kind") or "edit",
        )

    def event(self, row: Row) -> StoredEvent:
        return StoredEvent(
            id=int(row["id"]),
            uid=row["uid"],
            source=row["source_name"],
            kind=row["kind"],
            message=row["message"],
            at=self.d.required_time(row["at"]),
            url=row["article_url"] or row["source_url"],
            title=row["article_title"],
        )

    def delivery(self, row: Row) -> Delivery:
        return Delivery(
            id=int(row["id"]),
            change_id=int(row["change_id"]) if row["change_id"] is not None else None,
            kind=cast(DeliveryKind, row.get("kind") or "change"),
            event_id=int(row["event_id"]) if row.get("event_id") is not None else None,
            channel=row["channel"],
            key=row["key"],
            attempts=int(row["attempts"]),
            state=cast(DeliveryState, row["state"]),
            next_attempt_at=self.d.required_time(row["next_attempt_at"]),
            last_error=row["last_error"],
            lease_token=int(row.get("lease_token") or 0),
        )

    def generations(
        self, article_id: int, article: Row, rows: list[Row], counts: Row
    ) -> list[Generation]:
        """An article's generations from one snapshot (:data:`GENERATION_ARTICLE`,
        :data:`GENERATION_ROWS`, :data:`GENERATION_COUNTS`); the current one counted live."""
        d = self.d
        current = int(article["generation"])
        found = [
            Generation(
                article_id=article_id,
                n=int(row["generation"]),
                current=int(row["generation"]) == current,
                made_at=d.required_time(row["made_at"]),
                versions=int(row["versions"]),
                changes=int(row["changes"]),
                report=dict(d.read_json(row["report_json"])),
            )
            for row in rows
        ]
        if not found:  # never re-extracted: the live reading, generation 1
            found = [
                Generation(
                    article_id=article_id,
                    n=current,
                    current=True,
                    made_at=d.required_time(article["first_seen_at"]),
                    versions=0,
                    changes=0,
                )
            ]
        return [
            replace(g, versions=int(counts["v"]), changes=int(counts["c"])) if g.current else g
            for g in found
        ]
