"""Where versions, changes, due times and alert deliveries live.

Callers depend on :class:`Store` and the records of :mod:`newswatch.store.base`;
:func:`open_store` gives the SQLite implementation, creating and migrating the file.
"""

from __future__ import annotations

from pathlib import Path

from newswatch.store.base import (
    ArticleRecord,
    ArticleState,
    CheckResult,
    Delivery,
    DeliveryState,
    DueArticle,
    FetchOutcome,
    FetchRecord,
    Recorded,
    SourceSpec,
    SourceState,
    Store,
    StoredChange,
    StoredVersion,
)
from newswatch.store.sqlite import SqliteStore, change_uid

__all__ = [
    "ArticleRecord",
    "ArticleState",
    "CheckResult",
    "Delivery",
    "DeliveryState",
    "DueArticle",
    "FetchOutcome",
    "FetchRecord",
    "Recorded",
    "SourceSpec",
    "SourceState",
    "SqliteStore",
    "Store",
    "StoredChange",
    "StoredVersion",
    "change_uid",
    "open_store",
]


def open_store(path: str | Path) -> Store:
    """Open (creating its directory and file if needed) and migrate the SQLite store."""
    target = Path(path)
    if str(target) != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore(target)
