"""The connection pool every part of the PostgreSQL store shares, and its transactions.

Threading model: one :class:`PgConnection` per process holds a small psycopg pool; every
public method borrows one connection for ONE transaction (committed when the method returns,
rolled back on any exception) and gives it back, so a worker's threads each get their own.
Each session speaks UTC, so every ``timestamptz`` comes back as an aware UTC datetime.
Connections are checked before they are lent: after a server restart the pool reconnects
instead of failing the next check. psycopg's errors become :class:`StoreError` naming the
database (its URL with the password hidden), never a traceback from the driver.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from psycopg import Connection, errors
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from newswatch.clock import Clock, utc_now
from newswatch.errors import StoreError
from newswatch.store.location import shown as shown_url
from newswatch.store.postgres.schema import LATEST_VERSION, current_version, migrate

Conn = Connection[DictRow]
Row = dict[str, Any]
T = TypeVar("T")


def aware(value: datetime) -> datetime:
    """Every instant written must carry its zone (a naive one is a bug, refused)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: every instant must carry a zone")
    return value


def maybe(value: datetime | None) -> datetime | None:
    return None if value is None else aware(value)


def utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def required(value: datetime | None) -> datetime:
    if value is None:
        raise StoreError("a required timestamp is missing in the database")
    return value.astimezone(UTC)


def fetch_all(conn: Conn, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
    return [dict(row) for row in conn.execute(sql, params).fetchall()]


def fetch_one(conn: Conn, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
    row = conn.execute(sql, params).fetchone()
    return dict(row) if row is not None else None


class PgConnection:
    """A pool over one PostgreSQL database, shared by every part of the store."""

    def __init__(
        self,
        url: str,
        *,
        readonly: bool = False,
        upgrade: bool = False,
        pool_size: int = 4,
        connect_timeout_s: float = 30.0,
        clock: Clock = utc_now,
    ) -> None:
        self.url = url
        self.shown = shown_url(url)
        self.readonly = readonly
        self.migrated: list[int] = []
        self._probe(connect_timeout_s)
        if not readonly:
            with self._connect(connect_timeout_s) as conn:
                try:
                    self.migrated = migrate(conn, clock())
                except psycopg.Error as exc:
                    raise StoreError(f"{self.shown}: cannot migrate the database: {exc}") from exc
        else:
            with self._connect(connect_timeout_s) as conn:
                found = current_version(conn)
                if upgrade and 0 < found < LATEST_VERSION:
                    migrate(conn, clock())
                    found = current_version(conn)
            if found != LATEST_VERSION:
                raise StoreError(
                    f"{self.shown}: database schema version {found}, this newswatch reads "
                    f"{LATEST_VERSION}; "
                    + ("upgrade newswatch" if found > LATEST_VERSION else "run 'newswatch check'")
                )
        self._pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            connection_class=Connection[DictRow],
            kwargs={"row_factory": dict_row, "connect_timeout": int(connect_timeout_s)},
            min_size=1,
            max_size=max(1, pool_size),
            configure=self._configure,
            check=ConnectionPool.check_connection,
            timeout=connect_timeout_s,
            open=False,
            name="newswatch",
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout_s)
        except psycopg.Error as exc:
            self._pool.close()
            raise StoreError(f"database: cannot connect to {self.shown}: {exc}") from exc

    def _configure(self, conn: Conn) -> None:
        conn.execute("SET TIME ZONE 'UTC'")
        if self.readonly:
            conn.execute("SET default_transaction_read_only = on")
        conn.commit()

    def _connect(self, timeout_s: float) -> Conn:
        conn = psycopg.connect(
            self.url, row_factory=dict_row, connect_timeout=max(1, int(timeout_s))
        )
        conn.execute("SET TIME ZONE 'UTC'")
        conn.commit()
        return conn

    def _probe(self, timeout_s: float) -> None:
        """Connect once, so an unreachable server or a refused login is a clear error
        (the pool alone would only say that it timed out)."""
        try:
            self._connect(timeout_s).close()
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise StoreError(f"database: cannot connect to {self.shown}: {reason}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Conn]:
        """One transaction on a borrowed connection; rolled back on any exception."""
        try:
            with self._pool.connection() as conn:
                yield conn
        except psycopg.Error as exc:
            raise StoreError(f"{self.shown}: {' '.join(str(exc).split())}") from exc

    def run(self, work: Callable[[Conn], T], *, attempts: int = 4) -> T:
        """``work`` in one transaction, run again (from the start, nothing of the failed try
        kept) when PostgreSQL chose it as a deadlock's victim or could not serialise it."""
        for attempt in range(1, attempts + 1):
            try:
                with self._pool.connection() as conn:
                    return work(conn)
            except (errors.DeadlockDetected, errors.SerializationFailure) as exc:
                if attempt == attempts:
                    raise StoreError(f"{self.shown}: {' '.join(str(exc).split())}") from exc
                time.sleep(random.uniform(0.01, 0.05) * attempt)
            except psycopg.Error as exc:
                raise StoreError(f"{self.shown}: {' '.join(str(exc).split())}") from exc
        raise AssertionError("unreachable")

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        """One read, in a transaction of its own."""
        with self.transaction() as conn:
            return fetch_all(conn, sql, params)

    def row(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        self._pool.close()
