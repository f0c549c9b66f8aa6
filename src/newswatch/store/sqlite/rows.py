"""How the SQLite store writes timestamps and JSON (ISO 8601 text, JSON text) and reads them
back: its :class:`~newswatch.store.sql.dialect.Dialect`, and the shared record mappings
(:mod:`newswatch.store.sql.rows`) bound to it, so every part reads a column the same way.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from newswatch.errors import StoreError
from newswatch.models import iso, parse_iso
from newswatch.store.sql.dialect import Dialect, Row
from newswatch.store.sql.rows import CHANGE_SELECT, EVENT_SELECT, Records


def ts(value: datetime) -> str:
    text = iso(value)
    assert text is not None
    return text


#: what ``json.dumps(value, ensure_ascii=False)`` builds on every call, built once
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def to_json(value: Any) -> str:
    return _ENCODER.encode(value)


def from_json(value: str | None) -> Any:
    return json.loads(value) if value else None


def stored_text(value: str | None) -> str | None:
    return value


def required_time(value: str | None) -> datetime:
    parsed = parse_iso(value)
    if parsed is None:
        raise StoreError("a required timestamp is missing in the database")
    return parsed


#: how the shared SQL (:mod:`newswatch.store.sql`) speaks to SQLite: ``?`` marks, instants
#: as ISO 8601 text, JSON as text
SQLITE = Dialect(
    mark="?",
    time=ts,
    read_time=parse_iso,
    time_text=stored_text,
    json=to_json,
    json_as_written=to_json,
    flag=int,
    read_json=from_json,
)

#: the shared record mappings, read the SQLite way
RECORDS = Records(SQLITE)
version_record = RECORDS.version
change_record = RECORDS.change
event_record = RECORDS.event
delivery_record = RECORDS.delivery

__all__ = ["CHANGE_SELECT", "EVENT_SELECT", "RECORDS", "SQLITE", "Row"]
