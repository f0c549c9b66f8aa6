"""Where versions, changes, due times and alert deliveries live.

Callers depend on :class:`Store` and the records of :mod:`newswatch.store.base`;
:func:`open_store` gives the SQLite implementation, creating and migrating the file.
"""

from __future__ import annotations

from pathlib import Path

from newswatch.store.base import (
    CHANGE_KINDS,
    MARK_END,
    MARK_START,
    ArticleRecord,
    ArticleState,
    ChangeFilter,
    ChangeKind,
    ChangePage,
    CheckResult,
    Delivery,
    DeliveryState,
    DocumentValidators,
    DueArticle,
    FetchOutcome,
    FetchRecord,
    HistoryReader,
    Quarantined,
    Recorded,
    SearchHit,
    SourceSpec,
    SourceState,
    Store,
    StoredChange,
    StoredVersion,
    StoreStats,
    VersionRow,
    VersionStub,
)
from newswatch.store.readonly import ReadOnlyStore
from newswatch.store.sqlite import SqliteStore, change_uid

__all__ = [
    "CHANGE_KINDS",
    "MARK_END",
    "MARK_START",
    "ArticleRecord",
    "ArticleState",
    "ChangeFilter",
    "ChangeKind",
    "ChangePage",
    "CheckResult",
    "Delivery",
    "DeliveryState",
    "DocumentValidators",
    "DueArticle",
    "FetchOutcome",
    "FetchRecord",
    "HistoryReader",
    "Quarantined",
    "ReadOnlyStore",
    "Recorded",
    "SearchHit",
    "SourceSpec",
    "SourceState",
    "SqliteStore",
    "Store",
    "StoreStats",
    "StoredChange",
    "StoredVersion",
    "VersionRow",
    "VersionStub",
    "change_uid",
    "open_readonly",
    "open_store",
]


def open_store(path: str | Path) -> Store:
    """Open (creating its directory and file if needed) and migrate the SQLite store."""
    target = Path(path)
    if str(target) != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore(target)


def open_readonly(path: str | Path) -> ReadOnlyStore:
    """Open an existing store for reading only (the web view): SQLite refuses any write."""
    return ReadOnlyStore(Path(path))
