"""Politeness budgets shared by every host on one PostgreSQL database.

:class:`PgBudgets` is the :class:`~newswatch.politeness.SharedBudgets` of a fleet: every
request of every worker process on every host takes its place here, so ``per_host`` and
``host_delay`` hold for a site whatever the number of hosts, and a Retry-After one host was
given keeps all of them away, and one host fetches a site's robots.txt for all. The tables
(``host_places``, ``host_budgets``, ``robots_copies``) hold short-lived state; migration 3
of the schema creates them. A robots.txt claim lasts its ``seconds`` at most (a live host
that is slow to fetch it keeps the others waiting that long, no more).

Times are the database server's clock (``clock_timestamp()``), the one clock all hosts share:
their own may disagree by seconds. A take runs under a transaction-level advisory lock, so
two hosts never both take the last place.

A place whose process died (``kill -9``, a host gone) must not keep the site's budget for
the whole hold: with ``per_host`` 2, one killed process holding two places stopped every host
from fetching that site for the fetch timeout plus a margin. So each process holds a session
advisory lock on a connection of its own (its *presence*), and its places' tokens name it;
when the host is full, a take first drops the places whose owner's lock the server no longer
holds (the server drops it the moment that connection goes). The hold stays as a last bound.
A robots.txt claim names its owner the same way (``claimed_by``, migration 10): a host killed
while fetching a site's robots.txt made every other host wait out the whole claim; now the
claim is free once its owner's lock is gone.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import UTC, datetime

import psycopg

from newswatch.errors import StoreError
from newswatch.politeness import RobotsCopy, RobotsRules
from newswatch.store.postgres.connection import Conn, PgConnection, fetch_one

#: the advisory lock of a take ("nwplace" in ASCII)
TAKE_LOCK = 0x6E77706C616365
#: the first key of a process's presence lock ("nwpo"; the second key names the process)
PRESENCE_LOCK = 0x6E77706F
#: seconds between two checks that the presence connection is still there (a server
#: restart cuts it; until it is back, other hosts may free this process's places)
PRESENCE_CHECK_S = 1.0
#: seconds between two sweeps for abandoned places by one process (a full host is polled
#: often; a dead process's place may wait that long, and the sweep reads pg_locks)
SWEEP_EVERY_S = 0.5
_NOW = "extract(epoch FROM clock_timestamp())"


def _gone(owner: str) -> str:
    """SQL true when no session holds the presence lock of the owner number ``owner`` (an
    SQL expression; the statement passes the lock's first key as ``%(presence)s``)."""
    return (
        "NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND l.classid::bigint = %(presence)s AND l.objsubid = 2"
        f" AND l.objid::bigint = {owner})"
    )


#: places whose owner holds no presence lock (tokens without an owner: expiry only)
_ABANDONED = (
    "DELETE FROM host_places p WHERE p.expires_at < %(now)s OR ("
    " position(':' in p.token) > 0 AND " + _gone("split_part(p.token, ':', 1)::bigint") + ")"
)
#: a robots.txt claim: taken when there is none, it ran out, or its owner is gone (a claim
#: without an owner, from before migration 10: expiry only)
_ROBOTS_CLAIM = (
    "INSERT INTO robots_copies AS r (host, claimed_until, claimed_by)"
    f" VALUES (%(host)s, {_NOW} + %(s)s, %(owner)s) ON CONFLICT (host) DO UPDATE"
    " SET claimed_until = excluded.claimed_until, claimed_by = excluded.claimed_by"
    f" WHERE r.claimed_until IS NULL OR r.claimed_until <= {_NOW}"
    " OR (r.claimed_by IS NOT NULL AND " + _gone("r.claimed_by") + ") RETURNING host"
)


class Presence:
    """This process's mark of life on the server: a session advisory lock
    (:data:`PRESENCE_LOCK`, ``owner``) on a connection nothing else uses, taken again after
    a server restart cut it."""

    def __init__(self, url: str, shown: str) -> None:
        self._url = url
        self._shown = shown
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.owner = random.randint(1, 2**31 - 1)

    def mark(self) -> int:
        """The owner number of this process's places, its lock held (checked now and then)."""
        with self._lock:
            now = time.monotonic()
            if self._conn is not None and now - self._checked < PRESENCE_CHECK_S:
                return self.owner
            try:
                if self._conn is not None:
                    try:
                        self._conn.execute("SELECT 1")
                    except psycopg.Error:
                        self._drop()
                if self._conn is None:
                    self._take()
            except psycopg.Error as exc:
                self._drop()
                raise StoreError(f"{self._shown}: {' '.join(str(exc).split())}") from exc
            self._checked = now
            return self.owner

    def _take(self) -> None:
        conn = psycopg.connect(self._url, autocommit=True, connect_timeout=30)
        try:
            while True:  # another process drew the same number: draw again
                row = conn.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", [PRESENCE_LOCK, self.owner]
                ).fetchone()
                if row is not None and row[0]:
                    break
                self.owner = random.randint(1, 2**31 - 1)
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def close(self) -> None:
        with self._lock:
            self._drop()


class PgBudgets:
    """Shared politeness budgets in the database of ``connection`` (see module docstring)."""

    def __init__(self, connection: PgConnection, *, hold_seconds: float = 600.0) -> None:
        """``hold_seconds``: how long a place lasts if its process dies holding it."""
        self.connection = connection
        self._hold = hold_seconds
        self.presence = Presence(connection.url, connection.shown)
        self._swept = 0.0

    def take(
        self, host: str, per_host: int, concurrency: int, delay: float
    ) -> tuple[str, float] | None:
        owner = self.presence.mark()
        with self.connection.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [TAKE_LOCK])
            now_row = fetch_one(conn, f"SELECT {_NOW} AS now")
            assert now_row is not None
            now = float(now_row["now"])
            if not _room(conn, host, now, per_host, concurrency):
                if time.monotonic() - self._swept < SWEEP_EVERY_S:
                    return None
                self._swept = time.monotonic()
                conn.execute(_ABANDONED, {"now": now, "presence": PRESENCE_LOCK})
                if not _room(conn, host, now, per_host, concurrency):
                    return None
            row = fetch_one(conn, "SELECT next_start FROM host_budgets WHERE host = %s", [host])
            start = max(now, float(row["next_start"]) if row else 0.0)
            conn.execute(
                "INSERT INTO host_budgets (host, next_start) VALUES (%s, %s)"
                " ON CONFLICT (host) DO UPDATE SET next_start = excluded.next_start",
                [host, start + delay],
            )
            token = f"{owner}:{uuid.uuid4().hex}"
            conn.execute(
                "INSERT INTO host_places (token, host, expires_at) VALUES (%s, %s, %s)",
                [token, host, start + self._hold],
            )
        return token, start - now

    def give_back(self, token: str) -> None:
        with self.connection.transaction() as conn:
            conn.execute("DELETE FROM host_places WHERE token = %s", [token])

    def block(self, host: str, until: datetime) -> None:
        with self.connection.transaction() as conn:
            conn.execute(
                "INSERT INTO host_budgets (host, blocked_until) VALUES (%s, %s)"
                " ON CONFLICT (host) DO UPDATE SET blocked_until ="
                " greatest(coalesce(host_budgets.blocked_until, 0), excluded.blocked_until)",
                [host, until.timestamp()],
            )

    def blocked_until(self, host: str) -> datetime | None:
        row = self.connection.row("SELECT blocked_until FROM host_budgets WHERE host = %s", [host])
        if row is None or row["blocked_until"] is None:
            return None
        return datetime.fromtimestamp(float(row["blocked_until"]), UTC)

    def robots_get(self, host: str) -> RobotsCopy | None:
        row = self.connection.row(
            f"SELECT status, body, problem, server_down, expires_at > {_NOW} AS fresh"
            " FROM robots_copies"
            " WHERE host = %s AND expires_at > 0",
            [host],
        )
        if row is None:
            return None
        return RobotsCopy(
            row["status"],
            row["body"],
            row["problem"],
            fresh=bool(row["fresh"]),
            server_down=bool(row["server_down"]),
        )

    def robots_claim(self, host: str, seconds: float) -> bool:
        owner = self.presence.mark()
        with self.connection.transaction() as conn:
            claimed = fetch_one(
                conn,
                _ROBOTS_CLAIM,
                {"host": host, "s": float(seconds), "owner": owner, "presence": PRESENCE_LOCK},
            )
        return claimed is not None

    def robots_put(self, host: str, rules: RobotsRules, ttl: float) -> None:
        with self.connection.transaction() as conn:
            conn.execute(
                "INSERT INTO robots_copies"
                " (host, status, body, problem, server_down, expires_at)"
                f" VALUES (%s, %s, %s, %s, %s, {_NOW} + %s) ON CONFLICT (host) DO UPDATE SET"
                " status = excluded.status, body = excluded.body, problem = excluded.problem,"
                " server_down = excluded.server_down, expires_at = excluded.expires_at,"
                " claimed_until = NULL, claimed_by = NULL",
                [host, rules.status, rules.text, rules.problem, rules.server_down, float(ttl)],
            )

    def close(self) -> None:
        self.presence.close()
        self.connection.close()


def _room(conn: Conn, host: str, now: float, per_host: int, concurrency: int) -> bool:
    room = fetch_one(
        conn,
        "SELECT count(*) FILTER (WHERE host = %(host)s) AS here, count(*) AS overall"
        " FROM host_places WHERE expires_at >= %(now)s",
        {"host": host, "now": now},
    )
    assert room is not None
    return int(room["here"]) < per_host and int(room["overall"]) < concurrency


def open_budgets(url: str, *, hold_seconds: float = 600.0) -> PgBudgets:
    """The shared budgets of the database at ``url`` (its schema migrated first)."""
    return PgBudgets(PgConnection(url, pool_size=2), hold_seconds=hold_seconds)
