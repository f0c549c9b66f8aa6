"""``newswatch export``: versions or changes as JSON Lines or CSV, for analysis elsewhere.

Rows stream from the store in batches, so exporting 100,000 versions holds a few hundred in
memory. JSON Lines keeps structure (paragraphs and stamps as arrays, the diff as an
object); CSV flattens it: paragraphs joined by blank lines, nested values as JSON text.
Times are ISO 8601 UTC, as everywhere.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, Literal, TextIO

from newswatch.errors import NewswatchError
from newswatch.models import iso
from newswatch.store import ChangeFilter, HistoryReader, StoredChange, VersionRow

Format = Literal["jsonl", "csv"]
What = Literal["versions", "changes"]

VERSION_FIELDS = (
    "source",
    "url",
    "canonical_url",
    "n",
    "hash",
    "first_seen_at",
    "last_seen_at",
    "seen_count",
    "title",
    "published",
    "updated",
    "language",
    "final_url",
    "stamps",
    "paragraphs",
)
CHANGE_FIELDS = (
    "id",
    "source",
    "url",
    "title",
    "from",
    "to",
    "at",
    "kind",
    "reason",
    "severity",
    "silent",
    "title_changed",
    "paragraphs_added",
    "paragraphs_removed",
    "paragraphs_modified",
    "where",
    "new_updated_stamp",
    "correction",
    "paragraphs_moved",
    "back_to",
    "headline_variants",
    "summary",
    "words_added",
    "words_removed",
    "diff",
)


def version_row(row: VersionRow) -> dict[str, Any]:
    v = row.version
    return {
        "source": row.source,
        "url": row.url,
        "canonical_url": row.canonical_url,
        "n": v.n,
        "hash": v.hash,
        "first_seen_at": iso(v.first_seen_at),
        "last_seen_at": iso(v.last_seen_at),
        "seen_count": v.seen_count,
        "title": v.title,
        "published": iso(v.published),
        "updated": iso(v.updated),
        "language": v.language,
        "final_url": v.final_url,
        "stamps": [s.as_dict() for s in v.stamps],
        "paragraphs": list(v.paragraphs),
    }


def change_row(c: StoredChange) -> dict[str, Any]:
    words = c.record.get("words") or {}
    return {
        "id": c.uid,
        "source": c.source,
        "url": c.url,
        "title": c.title,
        "from": c.from_n,
        "to": c.to_n,
        "at": iso(c.at),
        # edit, correction, revert, headline_test, removed or restored (a removal is
        # "v1→v1" with its reason; a revert "v3→v1", back to a version already held)
        "kind": c.kind,
        "reason": c.record.get("reason"),
        "severity": c.severity,
        "silent": c.silent,
        "title_changed": c.title_changed,
        "paragraphs_added": c.paragraphs_added,
        "paragraphs_removed": c.paragraphs_removed,
        "paragraphs_modified": c.paragraphs_modified,
        "where": c.record.get("where"),
        "new_updated_stamp": iso(c.new_updated_stamp),
        "correction": c.record.get("correction"),
        "paragraphs_moved": c.record.get("paragraphs_moved", 0),
        "back_to": c.record.get("back_to"),
        "headline_variants": (c.record.get("headline_test") or {}).get("variants"),
        "summary": c.summary,
        "words_added": list(words.get("added", [])),
        "words_removed": list(words.get("removed", [])),
        "diff": c.diff,
    }


def _csv_value(key: str, value: Any) -> Any:
    if key == "paragraphs":
        return "\n\n".join(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def write(rows: Iterable[dict[str, Any]], out: TextIO, fmt: Format, fields: tuple[str, ...]) -> int:
    """Write ``rows`` to ``out`` in ``fmt``; returns how many were written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(k, row.get(k)) for k in fields})
            count += 1
        return count
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


class FilterNotForVersions(NewswatchError):
    """A change-only filter was given for an export of versions."""


def export(
    reader: HistoryReader, out: TextIO, fmt: Format, what: What, filters: ChangeFilter
) -> int:
    """Export every version or every change matching ``filters``.

    Versions take ``source`` and ``since``/``until`` (when the version was first seen);
    ``kinds`` and ``severity`` describe changes, so they are refused for versions rather
    than silently ignored.
    """
    if what == "versions":
        if filters.kinds or filters.severity:
            raise FilterNotForVersions(
                "--kind and --severity select changes; with --what versions use --source,"
                " --since and --until (when a version was first seen)"
            )
        rows = (
            version_row(row)
            for row in reader.iter_versions(filters.source)
            if _seen_within(row, filters)
        )
        return write(rows, out, fmt, VERSION_FIELDS)
    return write(map(change_row, reader.iter_changes(filters)), out, fmt, CHANGE_FIELDS)


def _seen_within(row: VersionRow, filters: ChangeFilter) -> bool:
    seen = row.version.first_seen_at
    if filters.since is not None and seen < filters.since:
        return False
    return filters.until is None or seen < filters.until
