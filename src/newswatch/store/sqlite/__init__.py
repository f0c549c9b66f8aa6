"""The SQLite backend (the embedded default): one file, WAL, sqlite-utils.

Reached through :func:`newswatch.store.open_store` with a path or ``sqlite:///path``; the
registry in :mod:`newswatch.store.backends` calls :func:`open_sqlite`.
"""

from __future__ import annotations

from pathlib import Path

from newswatch.store.sqlite.connection import SqliteConnection, schema_version
from newswatch.store.sqlite.schema import LATEST_VERSION
from newswatch.store.sqlite.store import SqliteReader, SqliteStore

__all__ = ["SqliteReader", "SqliteStore", "open_sqlite"]


def open_sqlite(path: str, readonly: bool, upgrade: bool) -> SqliteStore | SqliteReader:
    """The store on the SQLite file at ``path`` (see :func:`newswatch.store.open_store`).

    Writable: its directory and file are created if needed and the schema migrated.
    Read-only: the file must exist and have the current schema; with ``upgrade`` one
    written by an older newswatch is upgraded first (once, through a writable connection).
    Either way it is then opened so that SQLite refuses any write.
    """
    target = Path(path)
    if readonly:
        if upgrade and target.is_file() and schema_version(target) < LATEST_VERSION:
            SqliteConnection.open(target).close()
        return SqliteReader(SqliteConnection.open_readonly(target))
    if path != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore(SqliteConnection.open(target))
