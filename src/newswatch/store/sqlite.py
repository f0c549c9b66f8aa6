"""The embedded store: one SQLite file, spoken to through sqlite-utils.

:class:`SqliteStore` is assembled from one part per concern, each in its own module:
the connection and its locking (:mod:`~newswatch.store.connection`), sources and discovered
articles (:mod:`~newswatch.store.sources`) and the validators of their documents
(:mod:`~newswatch.store.validators`), leases (:mod:`~newswatch.store.claims`, given back
by :mod:`~newswatch.store.leases`), recording a check (:mod:`~newswatch.store.recording`,
with :mod:`~newswatch.store.health` and the delivery :mod:`~newswatch.store.outbox`),
readers (:mod:`~newswatch.store.readers`, :mod:`~newswatch.store.status`,
:mod:`~newswatch.store.queries`).
"""

from __future__ import annotations

from newswatch.store.claims import Claims
from newswatch.store.leases import LeaseControl
from newswatch.store.queries import HistoryQueries
from newswatch.store.recording import CheckRecording, change_uid
from newswatch.store.sources import SourceSync
from newswatch.store.status import Status
from newswatch.store.validators import ValidatorStore

__all__ = ["SqliteStore", "change_uid"]


class SqliteStore(
    SourceSync, ValidatorStore, Claims, LeaseControl, CheckRecording, Status, HistoryQueries
):
    """The :class:`~newswatch.store.base.Store` on one SQLite file (see
    :mod:`newswatch.store.connection` for the threading and transaction model)."""
