"""Records to rows, for both backends: the columns a change row is written with, converted by
the backend's :class:`~newswatch.store.sql.dialect.Dialect` (a check's apply and a
re-extraction write changes alike, so both take them from here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newswatch.store.records import ChangeWrite
from newswatch.store.sql.dialect import Dialect


def change_values(
    d: Dialect, write: ChangeWrite, article_id: int, detected_at: datetime
) -> dict[str, Any]:
    """The ``changes`` row of ``write`` (column names to parameters)."""
    change = write.change
    return {
        "uid": write.uid,
        "article_id": article_id,
        "from_n": write.from_n,
        "to_n": write.to_n,
        "detected_at": d.time(detected_at),
        "title_changed": d.flag(change.title_changed),
        "old_title": change.old_title,
        "new_title": change.new_title,
        "paragraphs_added": change.paragraphs_added,
        "paragraphs_removed": change.paragraphs_removed,
        "paragraphs_modified": change.paragraphs_modified,
        "new_updated_stamp": d.maybe_time(change.new_updated_stamp),
        "silent": d.flag(change.silent),
        "severity": change.severity,
        "position": change.where,
        "summary": change.summary(),
        "record_json": d.json_as_written(change.record()),
        "diff_json": d.json_as_written(change.diff_dict()),
        "kind": change.kind,
    }
