"""PostgreSQL rows to the store's records (native types in: datetimes, jsonb, booleans)."""

from __future__ import annotations

from typing import Any, cast

from psycopg.types.json import Jsonb

from newswatch.models import Stamp
from newswatch.store.postgres.connection import Row, aware, required, utc
from newswatch.store.records import (
    ArticleRecord,
    ArticleState,
    Delivery,
    DeliveryKind,
    DeliveryState,
    StoredChange,
    StoredEvent,
    StoredVersion,
)
from newswatch.store.sql.dialect import Dialect

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

VERSION_COLUMNS = (
    "v.id, v.article_id, v.n, v.hash, v.title, v.paragraphs, v.published, v.updated,"
    " v.stamps, v.language, v.final_url, v.first_seen_at, v.last_seen_at, v.seen_count"
)


def stamps(value: Any) -> list[Stamp]:
    return [Stamp.from_dict(s) for s in (value or [])]


def version_record(row: Row) -> StoredVersion:
    return StoredVersion(
        article_id=int(row["article_id"]),
        n=int(row["n"]),
        hash=row["hash"],
        title=row["title"],
        paragraphs=list(row["paragraphs"]),
        published=utc(row["published"]),
        updated=utc(row["updated"]),
        stamps=stamps(row["stamps"]),
        language=row["language"],
        final_url=row["final_url"],
        first_seen_at=required(row["first_seen_at"]),
        last_seen_at=required(row["last_seen_at"]),
        seen_count=int(row["seen_count"]),
    )


def change_record(row: Row) -> StoredChange:
    return StoredChange(
        id=int(row["id"]),
        uid=row["uid"],
        article_id=int(row["article_id"]),
        source=row["source_name"],
        url=row["article_url"],
        title=row["article_title"] or row["new_title"] or "",
        from_n=int(row["from_n"]),
        to_n=int(row["to_n"]),
        at=required(row["detected_at"]),
        title_changed=bool(row["title_changed"]),
        paragraphs_added=int(row["paragraphs_added"]),
        paragraphs_removed=int(row["paragraphs_removed"]),
        paragraphs_modified=int(row["paragraphs_modified"]),
        new_updated_stamp=utc(row["new_updated_stamp"]),
        silent=bool(row["silent"]),
        severity=row["severity"],
        summary=row["summary"],
        record=dict(row["record_json"]),
        diff=dict(row["diff_json"]),
        kind=row.get("kind") or "edit",
    )


def event_record(row: Row) -> StoredEvent:
    return StoredEvent(
        id=int(row["id"]),
        uid=row["uid"],
        source=row["source_name"],
        kind=row["kind"],
        message=row["message"],
        at=required(row["at"]),
        url=row["article_url"] or row["source_url"],
        title=row["article_title"],
    )


def delivery_record(row: Row) -> Delivery:
    return Delivery(
        id=int(row["id"]),
        change_id=int(row["change_id"]) if row["change_id"] is not None else None,
        kind=cast(DeliveryKind, row.get("kind") or "change"),
        event_id=int(row["event_id"]) if row.get("event_id") is not None else None,
        channel=row["channel"],
        key=row["key"],
        attempts=int(row["attempts"]),
        state=cast(DeliveryState, row["state"]),
        next_attempt_at=required(row["next_attempt_at"]),
        last_error=row["last_error"],
        lease_token=int(row.get("lease_token") or 0),
    )


def article_record(row: Row) -> ArticleRecord:
    return ArticleRecord(
        id=int(row["id"]),
        source=row["source_name"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        title=row["title"],
        state=cast(ArticleState, row["state"]),
        first_seen_at=required(row["first_seen_at"]),
        last_checked_at=utc(row["last_checked_at"]),
        next_check_at=utc(row["next_check_at"]),
        consecutive_failures=int(row["consecutive_failures"] or 0),
        last_error=row["last_error"],
        versions=int(row["version_count"]),
        removed_at=utc(row["removed_at"]),
        removed_reason=row["removed_reason"],
        merged_into=row["merged_into"],
    )


def _native(value: Any) -> Any:
    return value


#: how the shared SQL (:mod:`newswatch.store.sql`) speaks to PostgreSQL: ``%s`` marks,
#: instants as timestamptz (aware datetimes), JSON as jsonb (decoded by psycopg on the way out)
POSTGRES = Dialect(mark="%s", time=aware, read_time=utc, json=Jsonb, read_json=_native)
