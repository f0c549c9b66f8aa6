"""The store's record readers on SQLite: the shared ones (:mod:`newswatch.store.sql.readers`)
over this connection, its dialect and the whole version row (``v.*``)."""

from __future__ import annotations

from newswatch.store.sql import readers as shared
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.rows import SQLITE


class Readers(shared.Readers):
    """Reading single records and short lists back from the SQLite file."""

    def __init__(self, c: SqliteConnection) -> None:
        super().__init__(c, SQLITE, "v.*")
