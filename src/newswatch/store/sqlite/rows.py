"""Rows to records: how the store writes timestamps and JSON, and reads its rows back.

Shared by every part of the SQLite store (and the history queries), so a column is read
and written the same way everywhere.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from newswatch.errors import StoreError
from newswatch.models import Stamp, iso, parse_iso
from newswatch.store.records import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    StoredChange,
    StoredEvent,
    StoredVersion,
)
from newswatch.store.sql.dialect import Dialect

Row = dict[str, Any]

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


def ts(value: datetime) -> str:
    text = iso(value)
    assert text is not None
    return text


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def from_json(value: str | None) -> Any:
    return json.loads(value) if value else None


def required_time(value: str | None) -> datetime:
    parsed = parse_iso(value)
    if parsed is None:
        raise StoreError("a required timestamp is missing in the database")
    return parsed


def version_record(row: Row) -> StoredVersion:
    return StoredVersion(
        article_id=int(row["article_id"]),
        n=int(row["n"]),
        hash=row["hash"],
        title=row["title"],
        paragraphs=list(json.loads(row["paragraphs"])),
        published=parse_iso(row["published"]),
        updated=parse_iso(row["updated"]),
        stamps=[Stamp.from_dict(s) for s in json.loads(row["stamps"] or "[]")],
        language=row["language"],
        final_url=row["final_url"],
        first_seen_at=required_time(row["first_seen_at"]),
        last_seen_at=required_time(row["last_seen_at"]),
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
        at=required_time(row["detected_at"]),
        title_changed=bool(row["title_changed"]),
        paragraphs_added=int(row["paragraphs_added"]),
        paragraphs_removed=int(row["paragraphs_removed"]),
        paragraphs_modified=int(row["paragraphs_modified"]),
        new_updated_stamp=parse_iso(row["new_updated_stamp"]),
        silent=bool(row["silent"]),
        severity=row["severity"],
        summary=row["summary"],
        record=dict(json.loads(row["record_json"])),
        diff=dict(json.loads(row["diff_json"])),
        kind=row.get("kind") or "edit",
    )


def event_record(row: Row) -> StoredEvent:
    return StoredEvent(
        id=int(row["id"]),
        uid=row["uid"],
        source=row["source_name"],
        kind=row["kind"],
        message=row["message"],
        at=required_time(row["at"]),
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
        next_attempt_at=required_time(row["next_attempt_at"]),
        last_error=row["last_error"],
        lease_token=int(row.get("lease_token") or 0),
    )


#: how the shared SQL (:mod:`newswatch.store.sql`) speaks to SQLite: ``?`` marks, instants
#: as ISO 8601 text, JSON as text
SQLITE = Dialect(mark="?", time=ts, read_time=parse_iso, json=to_json, read_json=from_json)
