"""A read-only view of the SQLite store, for the web view and feeds.

Opened with ``mode=ro`` and ``PRAGMA query_only``: SQLite itself refuses any write, so a bug
or a hostile request in the web view can never change the history. It reads every record
the writable store reads (same queries, same row mapping); it never creates, migrates or
upgrades the file, and refuses one whose schema is not the one this code reads.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlite_utils import Database

from newswatch.errors import StoreError
from newswatch.store.schema import LATEST_VERSION, current_version
from newswatch.store.sqlite import SqliteStore


class ReadOnlyStore(SqliteStore):
    """The store's readers over a connection that cannot write (see module docstring)."""

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5_000) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        if not self.path.is_file():
            raise StoreError(f"{self.path}: no database here yet (run 'newswatch check' first)")
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        try:
            conn = sqlite3.connect(
                uri, uri=True, timeout=busy_timeout_ms / 1000, check_same_thread=False
            )
            conn.execute("PRAGMA query_only = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._conn = conn
            self._db = Database(conn, execute_plugins=False)
            found = current_version(self._db)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open database read-only: {exc}") from exc
        if found != LATEST_VERSION:
            conn.close()
            newer = found > LATEST_VERSION
            raise StoreError(
                f"{self.path}: database schema version {found}, this newswatch reads "
                f"{LATEST_VERSION}; "
                + (
                    "upgrade newswatch"
                    if newer
                    else "open it once with 'newswatch check' to upgrade"
                )
            )


def schema_version(path: str | Path) -> int:
    """The schema version of the database at ``path``, read without writing (0 if new)."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open database read-only: {exc}") from exc
    try:
        return current_version(Database(conn, execute_plugins=False))
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: not a newswatch database: {exc}") from exc
    finally:
        conn.close()
