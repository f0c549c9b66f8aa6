"""The SQLite connection every part of the store shares: opening, locking, transactions.

Threading model: a store owns ONE :class:`SqliteConnection` (opened with
``check_same_thread=False``) with a re-entrant lock; every public store method holds the
lock for its whole duration, so a small worker pool can share one store object and no thread
ever sees another thread's open transaction. Several *processes* (the daemon and a one-shot
``newswatch check``) may open the same file: WAL lets readers run beside the writer, every
write transaction starts with ``BEGIN IMMEDIATE`` so it takes the write lock before reading
what it will change (the lease check when a check is recorded, the claim of due articles),
and the busy timeout makes a second writer wait instead of failing. Newswatch's own
writers also take an exclusive ``flock`` on ``<database>-writer`` around each write
transaction, tried every 0.2 to 2 ms (and freed by the kernel when its holder dies), where
SQLite's busy handler retries with sleeps of 1 to 100 ms, so two worker processes writing
by turns left each other's cores idle. It is waited for within the busy timeout only; past
it the writer goes on to SQLite's own lock and its timeout, as before.

``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a process crash
(an OS crash may lose the last few, never corrupt the file); each check's result is one
transaction, so a crash leaves either all of it or none of it.

A read-only connection (:meth:`SqliteConnection.open_readonly`) is opened with ``mode=ro``
and ``PRAGMA query_only``: SQLite itself refuses any write through it. A file that cannot
be written (nor its folder) is opened ``immutable`` (see :func:`connect_readonly`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import jsonify_if_needed

from newswatch.clock import Clock, utc_now
from newswatch.errors import StoreError
from newswatch.store.sqlite.rows import Row
from newswatch.store.sqlite.schema import LATEST_VERSION, current_version, migrate


def insert_row(db: Database, table: str, record: dict[str, Any]) -> int:
    """Insert one row and return its rowid; values converted as sqlite-utils converts them
    (JSON for lists and dicts, ISO 8601 for times). Plain SQL: ``Table.insert`` reads the
    table's schema on every call, a tenth of a check's time in the store."""
    columns = ", ".join(f'"{name}"' for name in record)
    marks = ", ".join("?" for _ in record)
    cursor = db.conn.execute(
        f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',
        [jsonify_if_needed(value) for value in record.values()],
    )
    if cursor.lastrowid is None:
        raise StoreError(f"insert into {table} returned no row id")
    return int(cursor.lastrowid)


def update_row(db: Database, table: str, row_id: int, fields: dict[str, Any]) -> None:
    """Set ``fields`` of the row with this ``id`` (values converted as :func:`insert_row`
    converts them); plain SQL for the reason given there."""
    sets = ", ".join(f'"{name}" = ?' for name in fields)
    db.conn.execute(
        f'UPDATE "{table}" SET {sets} WHERE id = ?',
        [*(jsonify_if_needed(value) for value in fields.values()), row_id],
    )


class SqliteConnection:
    """One SQLite file behind one lock, shared by the store's parts (see module docstring)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, busy_timeout_ms: int = 10_000) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = conn
        self.db = Database(conn, execute_plugins=False)
        self._busy_ms = busy_timeout_ms
        self._spare: list[SqliteConnection] = []  # snapshot connections not in use
        self._snapshots: list[SqliteConnection] = []  # every one opened, closed with this
        self._spare_lock = threading.Lock()
        self._writer: int | None = None  # the writers' lock file (-1: none to be had)

    @classmethod
    def open(
        cls, path: str | Path, *, busy_timeout_ms: int = 10_000, clock: Clock = utc_now
    ) -> SqliteConnection:
        """Open (creating) the file for writing, in WAL mode, and migrate it."""
        target = Path(path)
        try:
            conn = sqlite3.connect(
                str(target), timeout=busy_timeout_ms / 1000, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{target}: cannot open database: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            opened = cls(target, conn, busy_timeout_ms)
            opened.db.enable_wal()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(opened.db, clock())
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{target}: cannot open or migrate database: {exc}") from exc
        return opened

    @classmethod
    def open_readonly(cls, path: str | Path, *, busy_timeout_ms: int = 5_000) -> SqliteConnection:
        """Open an existing, current database so that SQLite refuses every write.

        It never creates, migrates or upgrades the file, and refuses one whose schema is not
        the one this code reads.
        """
        target = Path(path)
        if not target.is_file():
            raise StoreError(f"{target}: no database here yet (run 'newswatch check' first)")
        try:
            conn = connect_readonly(target, busy_timeout_ms / 1000)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            opened = cls(target, conn)
            found = current_version(opened.db)
        except sqlite3.Error as exc:
            raise StoreError(f"{target}: cannot open database read-only: {exc}") from exc
        if found != LATEST_VERSION:
            conn.close()
            newer = found > LATEST_VERSION
            raise StoreError(
                f"{target}: database schema version {found}, this newswatch reads "
                f"{LATEST_VERSION}; "
                + (
                    "upgrade newswatch"
                    if newer
                    else "open it once with 'newswatch check' to upgrade"
                )
            )
        return opened

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction holding the thread lock and SQLite's write lock.

        Any exception rolls the whole transaction back; SQLite's own errors (a lock still
        held by another process after the busy timeout, a full disk) become StoreError.
        """
        with self.lock:
            writer = self._take_writer_lock()
            try:
                with self.conn:
                    self.db.execute("BEGIN IMMEDIATE")
                    yield self.db
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {exc}") from exc
            finally:
                if writer >= 0:
                    fcntl.flock(writer, fcntl.LOCK_UN)

    def _take_writer_lock(self) -> int:
        """Take the writers' lock within the busy timeout; the open file (to let go), or -1
        when there is none or it was not had in time: then SQLite's own busy handler bounds
        the wait as for any other writer, so a stopped holder (SIGSTOP) never stalls this
        writer beyond the timeout. Tried at once, then every 0.2 to 2 ms: a blocking flock
        cannot be given a timeout, and the holders' transactions are short."""
        writer = self._writer_lock()
        if writer < 0:
            return -1
        deadline = time.monotonic() + self._busy_ms / 1000
        pause = 0.0002
        while True:
            try:
                fcntl.flock(writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return writer
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return -1
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def _writer_lock(self) -> int:
        """The open ``<database>-writer`` file whose lock every newswatch writer of the file
        takes (the caller holds :attr:`lock`); -1 for an in-memory database or where it
        cannot be opened."""
        if self._writer is None:
            self._writer = -1
            if str(self.path) != ":memory:":
                with contextlib.suppress(OSError):
                    self._writer = os.open(
                        self.path.with_name(self.path.name + "-writer"),
                        os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                        0o600,
                    )
        return self._writer

    @contextmanager
    def snapshot(self) -> Iterator[SqliteConnection]:
        """A connection of its own inside one read transaction: a check's state read never
        waits for another thread's write transaction on the shared connection (in WAL,
        readers run beside the writer; a worker thread waiting out another process's write
        lock held the shared lock, and every read of the process queued behind it). Pooled,
        so there are never more than threads reading at once. An in-memory database has
        only this connection (a second one would open another database)."""
        if str(self.path) == ":memory:":
            with self.lock, self.conn:
                self.conn.execute("BEGIN")
                yield self
            return
        with self._spare_lock:
            reader = self._spare.pop() if self._spare else None
        if reader is None:
            reader = self._open_snapshot()
        try:
            with reader.lock, reader.conn:
                reader.conn.execute("BEGIN")
                yield reader
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc
        finally:
            with self._spare_lock:
                self._spare.append(reader)

    def _open_snapshot(self) -> SqliteConnection:
        try:
            conn = sqlite3.connect(
                str(self.path), timeout=self._busy_ms / 1000, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_ms)}")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open a reading connection: {exc}") from exc
        reader = SqliteConnection(self.path, conn, self._busy_ms)
        with self._spare_lock:
            self._snapshots.append(reader)
        return reader

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        with self.lock:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def row(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        with self._spare_lock:
            readers, self._snapshots, self._spare = self._snapshots, [], []
        for reader in readers:
            reader.close()
        with self.lock:
            self.conn.close()
            if self._writer is not None and self._writer >= 0:
                os.close(self._writer)
            self._writer = None


def schema_version(path: str | Path) -> int:
    """The schema version of the database at ``path``, read without writing (0 if new)."""
    try:
        conn = connect_readonly(Path(path), 5.0)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open database read-only: {exc}") from exc
    try:
        return current_version(Database(conn, execute_plugins=False))
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: not a newswatch database: {exc}") from exc
    finally:
        conn.close()


def connect_readonly(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection that cannot write to ``path``: ``mode=ro`` and ``query_only``.

    A WAL database needs its ``-shm`` file even to be read; when the file or its folder is
    read-only and no writer left one, ``mode=ro`` cannot open it. Then the file is opened
    ``immutable``: read as it is on disk, without locks, which is right for what nobody
    can write (a read-only folder, a backup copy); a WAL file left beside it is not read.
    """
    base = path.resolve().as_uri()
    conn = sqlite3.connect(f"{base}?mode=ro", uri=True, timeout=timeout, check_same_thread=False)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if os.access(path.parent, os.W_OK) and os.access(path, os.W_OK):
            raise  # not a read-only file: a real error, reported as it is
    except BaseException:
        conn.close()
        raise
    conn = sqlite3.connect(
        f"{base}?mode=ro&immutable=1", uri=True, timeout=timeout, check_same_thread=False
    )
    conn.execute("PRAGMA query_only = ON")
    return conn
