"""PostgreSQL rows to the store's records (native types in: datetimes, jsonb, booleans)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg.types.json import Json, Jsonb

from newswatch.models import iso
from newswatch.store.postgres.connection import Row, aware, utc
from newswatch.store.sql.dialect import Dialect
from newswatch.store.sql.rows import ARTICLE_SELECT, CHANGE_SELECT, EVENT_SELECT, Records

VERSION_COLUMNS = (
    "v.id, v.article_id, v.n, v.hash, v.title, v.paragraphs, v.published, v.updated,"
    " v.stamps, v.language, v.final_url, v.first_seen_at, v.last_seen_at, v.seen_count"
)


def _native(value: Any) -> Any:
    return value


#: how the shared SQL (:mod:`newswatch.store.sql`) speaks to PostgreSQL: ``%s`` marks,
#: instants as timestamptz (aware datetimes), JSON as jsonb (decoded by psycopg on the way out)
POSTGRES = Dialect(
    mark="%s",
    time=aware,
    read_time=utc,
    time_text=iso,
    json=Jsonb,
    json_as_written=Json,
    flag=bool,
    read_json=_native,
)

#: a check writing a frame against a base, and a pruning about to drop bodies nothing
#: needs: the two locks that order them (see ``store.sql.captures.base_present``)
WRITING_BODIES = "LOCK TABLE capture_bodies IN ROW EXCLUSIVE MODE"
PRUNING_BODIES = "LOCK TABLE capture_bodies IN SHARE ROW EXCLUSIVE MODE"


def insert_sql(
    table: str,
    values: Mapping[str, Any],
    *,
    returning_id: bool = False,
    computed: Mapping[str, str] | None = None,
) -> str:
    """The INSERT of ``values`` (column names to parameters) into ``table``, and of the
    ``computed`` columns (names to SQL expressions, each with its ``%s`` parameters after
    those of ``values``)."""
    names = [*values, *(computed or {})]
    marks = ["%s" for _ in values] + list((computed or {}).values())
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(marks)})"
    return sql + " RETURNING id" if returning_id else sql


#: a version's ``search`` column, from :func:`newswatch.store.postgres.search.document`
SEARCH_COLUMN = {"search": "to_tsvector('simple', %s)"}


#: the shared record mappings, read the PostgreSQL way
RECORDS = Records(POSTGRES)
stamps = RECORDS.stamps
article_record = RECORDS.article
version_record = RECORDS.version
change_record = RECORDS.change
event_record = RECORDS.event
delivery_record = RECORDS.delivery

__all__ = ["ARTICLE_SELECT", "CHANGE_SELECT", "EVENT_SELECT", "POSTGRES", "RECORDS", "Row"]
