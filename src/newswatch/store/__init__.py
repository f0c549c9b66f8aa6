"""Where versions, changes, due times and alert deliveries live.

:func:`open_store` is the only door: give it a path or a database URL, get a
:class:`Store` (or, ``readonly=True``, a :class:`HistoryReader` that cannot write). Callers
type themselves against the role they play (:mod:`newswatch.store.roles`) and read the
records of :mod:`newswatch.store.records`; nothing outside this package imports a backend
(``sqlite/``), its schema or its read-only internals. Backends are picked by URL scheme in
:mod:`newswatch.store.backends`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal, cast, overload

from newswatch.store.backends import opener, split_url
from newswatch.store.location import DatabaseLocation
from newswatch.store.location import locate as locate_database
from newswatch.store.location import shown as shown_database_url
from newswatch.store.records import (
    CHANGE_KINDS,
    KIND_ALIASES,
    MARK_END,
    MARK_START,
    AlertRoute,
    ArticleRecord,
    ArticleState,
    ChangeFilter,
    ChangeKind,
    ChangePage,
    CheckResult,
    Delivery,
    DeliveryKind,
    DeliveryState,
    DeliverySubject,
    DocumentValidators,
    DueArticle,
    EventKind,
    FetchOutcome,
    FetchRecord,
    LearnedFragment,
    Quarantined,
    Recorded,
    SearchHit,
    SourceSpec,
    SourceState,
    StoredChange,
    StoredEvent,
    StoredVersion,
    StoreStats,
    VersionRow,
    VersionStub,
)
from newswatch.store.roles import (
    AdminStore,
    CheckingStore,
    DiscoveryStore,
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
    "ArticleRecord",
    "ArticleState",
    "ChangeFilter",
    "ChangeKind",
    "ChangePage",
    "CheckResult",
    "CheckingStore",
    "DatabaseLocation",
    "Delivery",
    "DeliveryKind",
    "DeliveryState",
    "DeliverySubject",
    "DiscoveryStore",
    "DocumentValidators",
    "DueArticle",
    "EventKind",
    "FetchOutcome",
    "FetchRecord",
    "HistoryReader",
    "LearnedFragment",
    "OutboxStore",
    "Quarantined",
    "Recorded",
    "SearchHit",
    "SourceSpec",
    "SourceState",
    "Store",
    "StoreStats",
    "StoredChange",
    "StoredEvent",
    "StoredVersion",
    "TableReport",
    "TransferReport",
    "VersionRow",
    "VersionStub",
    "change_uid",
    "copy_history",
    "locate_database",
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


def change_uid(url: str, from_hash: str, to_hash: str, to_n: int) -> str:
    """The stable id of a change (webhook ``id``, delivery keys): same inputs, same id."""
    digest = hashlib.sha256(f"{url}\n{from_hash}\n{to_hash}\n{to_n}".encode())
    return digest.hexdigest()[:32]
