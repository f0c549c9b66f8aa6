"""The SQLite connection every part of the store shares: opening, locking, transactions.

Threading model: a :class:`SqliteStore` owns ONE connection (opened with
``check_same_thread=False``) and a re-entrant lock; every public method holds the lock for
its whole duration, so a small worker pool can share one store object and no thread ever
sees another thread's open transaction. Several *processes* (the daemon and a one-shot
``newswatch check``) may open the same file: WAL lets readers run beside the writer, every
write transaction starts with ``BEGIN IMMEDIATE`` so it takes the write lock before reading
what it will change (the lease check in :meth:`record_check`, the claim in
:meth:`claim_due`), and the busy timeout makes a second writer wait instead of failing.

``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a process crash
(an OS crash may lose the last few, never corrupt the file); each check's result is one
transaction, so a crash leaves either all of it or none of it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from newswatch.clock import Clock, utc_now
from newswatch.errors import StoreError
from newswatch.store.records import Row
from newswatch.store.schema import migrate


def insert_row(db: Database, table: str, record: dict[str, Any]) -> int:
    """Insert one row through sqlite-utils and return its rowid."""
    pk = db.table(table).insert(record).last_pk
    if pk is None:
        raise StoreError(f"insert into {table} returned no row id")
    return int(pk)


class SqliteConnection:
    """One SQLite file behind one lock, the base of the store's parts (see module docstring)."""

    def __init__(
        self, path: str | Path, *, busy_timeout_ms: int = 10_000, clock: Clock = utc_now
    ) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            conn = sqlite3.connect(
                str(self.path), timeout=busy_timeout_ms / 1000, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        self._conn = conn
        try:
            self._db = Database(conn, execute_plugins=False)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._db.enable_wal()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._db, clock())
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{self.path}: cannot open or migrate database: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[Database]:
        """One write transaction holding the thread lock and SQLite's write lock.

        Any exception rolls the whole transaction back; SQLite's own errors (a lock still
        held by another process after the busy timeout, a full disk) become StoreError.
        """
        with self._lock:
            try:
                with self._conn:
                    self._db.execute("BEGIN IMMEDIATE")
                    yield self._db
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {exc}") from exc

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        with self._lock:
            cursor = self._conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _row(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        with self._lock:
            self._conn.close()
