"""Where versions, changes, due times and alert deliveries live.

:func:`open_store` is the only door: give it a path or a database URL, get a
:class:`Store` (or, ``readonly=True``, a :class:`HistoryReader` that cannot write). Callers
type themselves against the role they play (:mod:`newswatch.store.roles`) and read the
records of :mod:`newswatch.store.records`; nothing outside this package imports a backend
(``sqlite/``), its schema or its read-only internals. Backends are picked by URL scheme in
:mod:`newswatch.store.backends`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast, overload

from newswatch.store.backends import opener, split_url
from newswatch.store.budgets import open_budgets
from newswatch.store.location import DatabaseLocation
from newswatch.store.location import locate as locate_database
from newswatch.store.location import shown as shown_database_url
from newswatch.store.records import (
    CHANGE_KINDS,
    KIND_ALIASES,
    MARK_END,
    MARK_START,
    AlertRoute,
    Applied,
    ArticleRecord,
    ArticleState,
    ArticleWrite,
    CaptureFilter,
    CaptureLink,
    CapturePrune,
    CaptureRole,
    CaptureUsage,
    CaptureWrite,
    ChangeFilter,
    ChangeKind,
    ChangePage,
    ChangeWrite,
    CheckState,
    Delivery,
    DeliveryKind,
    DeliveryState,
    DeliverySubject,
    DeliveryWrite,
    DigestGuard,
    DocumentValidators,
    DueArticle,
    EventKind,
    EventWrite,
    FetchOutcome,
    FetchRecord,
    Followed,
    Generation,
    GenerationApplied,
    GenerationWrite,
    HealthWrite,
    LearnedFragment,
    MadeReading,
    MergeWrite,
    Pruned,
    Quarantined,
    QuarantineWrite,
    ReadingWrite,
    RebuiltChange,
    RebuiltVersion,
    SearchHit,
    SignalWrite,
    SourceHealth,
    SourceSpec,
    SourceState,
    StoredBody,
    StoredCapture,
    StoredChange,
    StoredEvent,
    StoredVersion,
    StoreStats,
    VersionRow,
    VersionStub,
    VersionWrite,
    WritePlan,
)
from newswatch.store.roles import (
    AdminStore,
    CaptureReader,
    CheckingStore,
    DiscoveryStore,
    GenerationStore,
    HistoryReader,
    OutboxStore,
    Store,
)
from newswatch.store.transfer import TableReport, TransferReport, copy_history

__all__ = [
    "CHANGE_KINDS",
    "KIND_ALIASES",
    "MARK_END",
    "MARK_START",
    "AdminStore",
    "AlertRoute",
    "Applied",
    "ArticleRecord",
    "ArticleState",
    "ArticleWrite",
    "CaptureFilter",
    "CaptureLink",
    "CapturePrune",
    "CaptureReader",
    "CaptureRole",
    "CaptureUsage",
    "CaptureWrite",
    "ChangeFilter",
    "ChangeKind",
    "ChangePage",
    "ChangeWrite",
    "CheckState",
    "CheckingStore",
    "DatabaseLocation",
    "Delivery",
    "DeliveryKind",
    "DeliveryState",
    "DeliverySubject",
    "DeliveryWrite",
    "DigestGuard",
    "DiscoveryStore",
    "DocumentValidators",
    "DueArticle",
    "EventKind",
    "EventWrite",
    "FetchOutcome",
    "FetchRecord",
    "Followed",
    "Generation",
    "GenerationApplied",
    "GenerationStore",
    "GenerationWrite",
    "HealthWrite",
    "HistoryReader",
    "LearnedFragment",
    "MadeReading",
    "MergeWrite",
    "OutboxStore",
    "Pruned",
    "QuarantineWrite",
    "Quarantined",
    "ReadingWrite",
    "RebuiltChange",
    "RebuiltVersion",
    "SearchHit",
    "SignalWrite",
    "SourceHealth",
    "SourceSpec",
    "SourceState",
    "Store",
    "StoreStats",
    "StoredBody",
    "StoredCapture",
    "StoredChange",
    "StoredEvent",
    "StoredVersion",
    "TableReport",
    "TransferReport",
    "VersionRow",
    "VersionStub",
    "VersionWrite",
    "WritePlan",
    "copy_history",
    "locate_database",
    "open_budgets",
    "open_store",
    "shown_database_url",
]


@overload
def open_store(url: str | Path, *, readonly: Literal[False] = False) -> Store: ...


@overload
def open_store(
    url: str | Path, *, readonly: Literal[True], upgrade: bool = False
) -> HistoryReader: ...


def open_store(
    url: str | Path, *, readonly: bool = False, upgrade: bool = False
) -> Store | HistoryReader:
    """Open the store at ``url``: a path or ``sqlite:///path`` (the embedded default).

    Writable: the database is created if needed and migrated to the current schema.
    ``readonly=True``: an existing database opened so that no write can succeed (the web
    view, ``health``); a missing one, or one of another schema version, is a
    :class:`~newswatch.errors.StoreError`, unless ``upgrade`` lets an older schema be
    upgraded first, once, through a writable connection.
    """
    scheme, rest = split_url(url)
    opened = opener(scheme)(rest, readonly, upgrade)
    return cast(HistoryReader, opened) if readonly else cast(Store, opened)
