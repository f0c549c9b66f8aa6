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

from newswatch.store.postgres.store import PostgresStore

__all__ = ["PostgresStore", "open_postgres"]


def open_postgres(url: str, readonly: bool = False, upgrade: bool = False) -> PostgresStore:
    """Connect to ``url`` (migrating the schema unless ``readonly``; ``upgrade`` is SQLite's
    concern: a read-only PostgreSQL role cannot migrate)."""
    return PostgresStore(url, readonly=readonly)
