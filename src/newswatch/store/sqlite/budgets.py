"""Politeness budgets shared by the worker processes on one SQLite file.

:class:`SqliteBudgets` is the :class:`~newswatch.politeness.SharedBudgets` of ``newswatch
run --processes N``: every process's requests take their place here, so ``per_host``,
``concurrency`` and ``host_delay`` hold for the host, not per process. The places of the
requests in flight are byte-range locks on a file beside the database where the OS has them
(:mod:`.places`: no write per request, freed by the kernel when a process dies), else rows
of ``host_places`` (with an expiry and the holder's pid, so a killed process's places free
themselves). Beside the history, two more small tables hold short-lived state (so they are
created when first needed and never migrated): ``host_budgets`` (per host: the next start
time, claimed atomically when there is a delay to keep, and a Retry-After block) and
``robots_copies`` (each host's robots.txt as one process read it, and which process is
fetching it).

Its own connection and lock, so a request waiting for its place never waits behind a check
being written; ``BEGIN IMMEDIATE`` makes each take atomic across processes. Times are the
wall clock (``time.time``), the one clock every process shares.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from newswatch.errors import StoreError
from newswatch.politeness import RobotsCopy, RobotsRules
from newswatch.store.sqlite.places import open_places

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS host_places ("
    " token TEXT PRIMARY KEY, host TEXT NOT NULL, expires_at REAL NOT NULL,"
    " pid INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS host_places_host ON host_places (host)",
    "CREATE TABLE IF NOT EXISTS host_budgets ("
    " host TEXT PRIMARY KEY, next_start REAL NOT NULL DEFAULT 0, blocked_until REAL)",
    "CREATE TABLE IF NOT EXISTS robots_copies ("
    " host TEXT PRIMARY KEY, status INTEGER, body TEXT NOT NULL DEFAULT '',"
    " problem TEXT NOT NULL DEFAULT '', expires_at REAL NOT NULL DEFAULT 0,"
    " claimed_until REAL, claimed_by INTEGER, server_down INTEGER NOT NULL DEFAULT 0)",
)


class SqliteBudgets:
    """Shared politeness budgets in the database file at ``path`` (see module docstring)."""

    def __init__(self, path: Path, *, hold_seconds: float = 60.0, busy_ms: int = 10_000) -> None:
        """``hold_seconds``: how long past its start a place lasts at most (longer than any
        fetch may take); a place whose process is gone (``kill -9``) is freed as soon as a
        request finds the host full."""
        self._hold = hold_seconds
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(
                str(path), timeout=busy_ms / 1000, check_same_thread=False, isolation_level=None
            )
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            for statement in SCHEMA:
                self._conn.execute(statement)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the shared politeness budgets: {exc}") from exc
        self._path = path
        self._places = open_places(path)
        self._tokens: dict[str, tuple[int, int]] = {}  # a token's places, when locks

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            if self._places is not None:
                self._places.close()

    def _write(self, work: str) -> sqlite3.Cursor:
        """A cursor inside ``BEGIN IMMEDIATE`` (the caller holds the lock and commits)."""
        try:
            return self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"{self._path}: {work}: {exc}") from exc

    def take(
        self, host: str, per_host: int, concurrency: int, delay: float
    ) -> tuple[str, float] | None:
        if self._places is None:
            return self._take_in_database(host, per_host, concurrency, delay)
        place = self._places.take(host, per_host, concurrency)
        if place is None:
            return None
        try:
            wait = self._start(host, delay)
        except BaseException:
            self._places.give_back(place)
            raise
        token = uuid.uuid4().hex
        with self._lock:
            self._tokens[token] = place
        return token, wait

    def _start(self, host: str, delay: float) -> float:
        """Claim the host's next start (a write only when there is a delay to keep)."""
        with self._lock:
            db = self._conn
            if delay <= 0:  # nothing to move: the later of now and another's claim
                now = time.time()
                return self._next_start(host, now) - now
            self._write("claiming a start")
            try:
                now = time.time()
                start = self._claim_start(host, now, delay)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return start - now

    def _take_in_database(
        self, host: str, per_host: int, concurrency: int, delay: float
    ) -> tuple[str, float] | None:
        """:meth:`take` where byte-range locks do not hold: the places are rows."""
        with self._lock:
            db = self._conn
            self._write("taking a place")
            try:
                now = time.time()
                if not self._room(host, per_host, concurrency):
                    self._free_abandoned(now)
                    if not self._room(host, per_host, concurrency):
                        db.execute("COMMIT")
                        return None
                start = self._claim_start(host, now, delay)
                token = uuid.uuid4().hex
                db.execute(
                    "INSERT INTO host_places (token, host, expires_at, pid) VALUES (?, ?, ?, ?)",
                    [token, host, start + self._hold, os.getpid()],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return token, start - now

    def _next_start(self, host: str, now: float) -> float:
        """The host's next start: the later of ``now`` and another request's claim."""
        row = self._conn.execute(
            "SELECT next_start FROM host_budgets WHERE host = ?", [host]
        ).fetchone()
        return max(now, float(row[0]) if row else 0.0)

    def _claim_start(self, host: str, now: float, delay: float) -> float:
        """Take the host's next start and move it ``delay`` on (inside the caller's
        ``BEGIN IMMEDIATE``, so two processes never claim the same start)."""
        start = self._next_start(host, now)
        self._conn.execute(
            "INSERT INTO host_budgets (host, next_start) VALUES (?, ?)"
            " ON CONFLICT (host) DO UPDATE SET next_start = excluded.next_start",
            [host, start + delay],
        )
        return start

    def _free_abandoned(self, now: float) -> None:
        """Drop the places past their time or held by processes that are gone."""
        db = self._conn
        db.execute("DELETE FROM host_places WHERE expires_at < ?", [now])
        pids = [row[0] for row in db.execute("SELECT DISTINCT pid FROM host_places")]
        for pid in pids:
            if not alive(pid):
                db.execute("DELETE FROM host_places WHERE pid = ?", [pid])

    def _room(self, host: str, per_host: int, concurrency: int) -> bool:
        at_host, overall = self._conn.execute(
            "SELECT coalesce(sum(host = ?), 0), count(*) FROM host_places", [host]
        ).fetchone()
        return bool(at_host < per_host and overall < concurrency)

    def give_back(self, token: str) -> None:
        with self._lock:
            place = self._tokens.pop(token, None)
            if place is not None and self._places is not None:
                self._places.give_back(place)
                return
            self._conn.execute("DELETE FROM host_places WHERE token = ?", [token])

    def block(self, host: str, until: datetime) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO host_budgets (host, blocked_until) VALUES (?, ?)"
                " ON CONFLICT (host) DO UPDATE SET blocked_until ="
                " max(coalesce(blocked_until, 0), excluded.blocked_until)",
                [host, until.timestamp()],
            )

    def blocked_until(self, host: str) -> datetime | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT blocked_until FROM host_budgets WHERE host = ?", [host]
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return datetime.fromtimestamp(float(row[0]), UTC)

    def robots_get(self, host: str) -> RobotsCopy | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT status, body, problem, expires_at, server_down FROM robots_copies"
                " WHERE host = ? AND expires_at > 0",
                [host],
            ).fetchone()
        if row is None:
            return None
        status, body, problem, expires, down = row
        fresh = float(expires) > time.time()
        return RobotsCopy(status, body, problem, fresh=fresh, server_down=bool(down))

    def robots_claim(self, host: str, seconds: float) -> bool:
        with self._lock:
            db = self._conn
            self._write("claiming robots.txt")
            try:
                now = time.time()
                row = db.execute(
                    "SELECT claimed_until, claimed_by FROM robots_copies WHERE host = ?", [host]
                ).fetchone()
                if (
                    row is not None
                    and row[0] is not None
                    and float(row[0]) > now
                    and alive(int(row[1] or 0))
                ):
                    db.execute("COMMIT")
                    return False
                db.execute(
                    "INSERT INTO robots_copies (host, claimed_until, claimed_by) VALUES (?, ?, ?)"
                    " ON CONFLICT (host) DO UPDATE SET claimed_until = excluded.claimed_until,"
                    " claimed_by = excluded.claimed_by",
                    [host, now + seconds, os.getpid()],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return True

    def robots_put(self, host: str, rules: RobotsRules, ttl: float) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO robots_copies"
                " (host, status, body, problem, expires_at, server_down)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (host) DO UPDATE SET"
                " status = excluded.status, body = excluded.body, problem = excluded.problem,"
                " expires_at = excluded.expires_at, server_down = excluded.server_down,"
                " claimed_until = NULL",
                [
                    host,
                    rules.status,
                    rules.text,
                    rules.problem,
                    time.time() + ttl,
                    int(rules.server_down),
                ],
            )


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs on this machine (SQLite's processes share one)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
