"""PostgreSQL rows to the store's records (native types in: datetimes, jsonb, booleans)."""

from __future__ import annotations

from typing import Any, cast

from psycopg.types.json import Jsonb

from newswatch.store.postgres.connection import Row, aware, required, utc
from newswatch.store.records import ArticleRecord, ArticleState
from newswatch.store.sql.dialect import Dialect
from newswatch.store.sql.rows import CHANGE_SELECT, EVENT_SELECT, Records

ARTICLE_SELECT = """
SELECT a.*, s.name AS source_name,
  (SELECT count(*) FROM versions v WHERE v.article_id = a.id) AS version_count
FROM articles a JOIN sources s ON s.id = a.source_id
"""

VERSION_COLUMNS = (
    "v.id, v.article_id, v.n, v.hash, v.title, v.paragraphs, v.published, v.updated,"
    " v.stamps, v.language, v.final_url, v.first_seen_at, v.last_seen_at, v.seen_count"
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

#: the shared record mappings, read the PostgreSQL way
RECORDS = Records(POSTGRES)
stamps = RECORDS.stamps
version_record = RECORDS.version
change_record = RECORDS.change
event_record = RECORDS.event
delivery_record = RECORDS.delivery

__all__ = ["CHANGE_SELECT", "EVENT_SELECT", "POSTGRES", "RECORDS", "Row"]
