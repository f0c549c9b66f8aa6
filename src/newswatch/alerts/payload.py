"""What an alert says: the webhook JSON body and the one-line log message.

Both are built from a stored change, so a delivery retried days later says exactly what the
first attempt would have said.
"""

from __future__ import annotations

import json
from typing import Any

from newswatch.store.base import StoredChange

_BIDI_ISOLATE = "\u2068{}\u2069"  # FSI ... PDI keeps an RTL title from reordering the line


def webhook_payload(change: StoredChange) -> dict[str, Any]:
    """The design's webhook body: ``{"id","source","url","title","change","diff"}``."""
    return {
        "id": change.uid,
        "source": change.source,
        "url": change.url,
        "title": change.title,
        "change": change.as_dict(),
        "diff": change.diff,
    }


def webhook_body(change: StoredChange) -> bytes:
    """UTF-8 JSON (Arabic kept as text, not ``\\u`` escapes) with stable key order."""
    return json.dumps(webhook_payload(change), ensure_ascii=False, sort_keys=True).encode()


def log_line(change: StoredChange) -> str:
    """One readable line: source, title, versions, summary, link."""
    title = _BIDI_ISOLATE.format(change.title)
    return (
        f"[{change.source}] {title} v{change.from_n}\u2192v{change.to_n} "
        f"({change.severity}): {change.summary} <{change.url}>"
    )
