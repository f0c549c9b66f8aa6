"""The PostgreSQL store: several hosts, one history (see :mod:`newswatch.store.postgres`)."""

from __future__ import annotations

from newswatch.store.postgres.checking import CheckWrites
from newswatch.store.postgres.claims import Claims
from newswatch.store.postgres.outbox import Outbox
from newswatch.store.postgres.queries import HistoryQueries
from newswatch.store.postgres.status import Status


class PostgresStore(Claims, CheckWrites, Outbox, Status, HistoryQueries):
    """The :class:`~newswatch.store.Store` on one PostgreSQL database (see
    :mod:`newswatch.store.postgres.connection` for the pool and transaction model)."""
