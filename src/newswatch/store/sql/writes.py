"""Records to rows, for both backends: the columns a fetch, version or change row is written with,
converted by the backend's :class:`~newswatch.store.sql.dialect.Dialect` (a check's apply and
a re-extraction write them alike, so both take them from here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newswatch.models import Redirect
from newswatch.store.records import ChangeWrite, FetchRecord, VersionWrite
from newswatch.store.sql.dialect import Dialect


def redirect_dict(redirect: Redirect) -> dict[str, Any]:
    return {"status": redirect.status, "url": redirect.url, "location": redirect.location}


def fetch_values(d: Dialect, article_id: int, fetch: FetchRecord) -> dict[str, Any]:
    """The ``fetches`` row of one fetch (column names to parameters)."""
    return {
        "article_id": article_id,
        "url": fetch.url,
        "started_at": d.time(fetch.started_at),
        "outcome": fetch.outcome,
        "status": fetch.status,
        "elapsed_ms": fetch.elapsed_ms,
        "bytes": fetch.bytes,
        "final_url": fetch.final_url,
        "redirects": d.json([redirect_dict(r) for r in fetch.redirects]),
        "error_kind": fetch.error_kind,
        "error": fetch.error,
    }


def version_values(
    d: Dialect,
    v: VersionWrite,
    article_id: int,
    first_seen_at: datetime,
    last_seen_at: datetime,
    seen_count: int,
) -> dict[str, Any]:
    """The ``versions`` row of ``v`` (column names to parameters)."""
    return {
        "article_id": article_id,
        "n": v.n,
        "hash": v.hash,
        "title": v.title,
        "paragraphs": d.json(list(v.paragraphs)),
        "published": d.maybe_time(v.published),
        "updated": d.maybe_time(v.updated),
        "stamps": d.json([s.as_dict() for s in v.stamps]),
        "language": v.language,
        "final_url": v.final_url,
        "reading": v.reading,
        "first_seen_at": d.time(first_seen_at),
        "last_seen_at": d.time(last_seen_at),
        "seen_count": seen_count,
    }


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
