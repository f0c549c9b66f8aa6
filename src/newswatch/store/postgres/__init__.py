"""The PostgreSQL backend: one database shared by every host that watches.

The only package that speaks psycopg. Opened through :func:`newswatch.store.open_store` with
a ``postgresql://`` URL; the program creates and migrates the schema itself
(:mod:`~newswatch.store.postgres.schema`), claims due articles with ``FOR UPDATE SKIP
LOCKED`` (:mod:`~newswatch.store.postgres.claims`), applies each check's plan fenced by its
lease token (:mod:`~newswatch.store.postgres.checking`) and searches with PostgreSQL's own
text search, folded as the SQLite side folds (:mod:`~newswatch.store.postgres.search`). It
writes rows; it decides no rule.
"""

from __future__ import annotations

from newswatch.store.postgres.connection import PgConnection
from newswatch.store.postgres.store import PostgresReader, PostgresStore

__all__ = ["PostgresReader", "PostgresStore", "open_postgres"]


def open_postgres(
    url: str, readonly: bool = False, upgrade: bool = False
) -> PostgresStore | PostgresReader:
    """Connect to ``url``: the whole store, its schema migrated first; or, ``readonly``, the
    reader of a current schema over sessions that refuse every write (``upgrade``: an older
    schema is migrated first, through a writable connection)."""
    connection = PgConnection(url, readonly=readonly, upgrade=upgrade)
    return PostgresReader(connection) if readonly else PostgresStore(connection)
