"""The store's record readers on PostgreSQL: the shared ones
(:mod:`newswatch.store.sql.readers`) over the pool, its dialect and the version columns
(not the search ``tsvector``)."""

from __future__ import annotations

from newswatch.store.postgres.connection import PgConnection
from newswatch.store.postgres.rows import POSTGRES, VERSION_COLUMNS
from newswatch.store.sql import readers as shared

#: :data:`newswatch.store.sql.readers.CURRENT_VERSION` with ``%s`` marks, for the check's
#: state read
CURRENT_VERSION = POSTGRES.sql(shared.CURRENT_VERSION)


class Readers(shared.Readers):
    """Reading single records and short lists back from PostgreSQL."""

    def __init__(self, db: PgConnection) -> None:
        super().__init__(db, POSTGRES, VERSION_COLUMNS)
