"""The design's webhook body for one stored change.

Built from the stored change, so a delivery retried days later says exactly what the first
attempt would have said.
"""

from __future__ import annotations

from typing import Any

from newswatch.store import StoredChange


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
