"""Politeness budgets shared by every host on one PostgreSQL database.

:class:`PgBudgets` is the :class:`~newswatch.politeness.SharedBudgets` of a fleet: every
request of every worker process on every host takes its place here, so ``per_host`` and
``host_delay`` hold for a site whatever the number of hosts, and a Retry-After one host was
given keeps all of them away, and one host fetches a site's robots.txt for all. The tables
(``host_places``, ``host_budgets``, ``robots_copies``) hold short-lived state; migration 3
of the schema creates them. A robots.txt claim lasts its ``seconds`` (a host that dies
holding one delays the next fetch by that much, no more).

Times are the database server's clock (``clock_timestamp()``), the one clock all hosts share:
their own may disagree by seconds. A take runs under a transaction-level advisory lock, so
two hosts never both take the last place; a place whose process died frees itself at its
expiry.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from newswatch.politeness import RobotsCopy, RobotsRules
from newswatch.store.postgres.connection import PgConnection, fetch_one

#: the advisory lock of a take ("nwplace" in ASCII)
TAKE_LOCK = 0x6E77706C616365
_NOW = "extract(epoch FROM clock_timestamp())"


class PgBudgets:
    """Shared politeness budgets in the database of ``connection`` (see module docstring)."""

    def __init__(self, connection: PgConnection, *, hold_seconds: float = 600.0) -> None:
        """``hold_seconds``: how long a place lasts if its process dies holding it."""
        self.connection = connection
        self._hold = hold_seconds

    def take(
        self, host: str, per_host: int, concurrency: int, delay: float
    ) -> tuple[str, float] | None:
        with self.connection.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [TAKE_LOCK])
            now_row = fetch_one(conn, f"SELECT {_NOW} AS now")
            assert now_row is not None
            now = float(now_row["now"])
            room = fetch_one(
                conn,
                "SELECT count(*) FILTER (WHERE host = %(host)s) AS here, count(*) AS overall"
                " FROM host_places WHERE expires_at >= %(now)s",
                {"host": host, "now": now},
            )
            assert room is not None
            if int(room["here"]) >= per_host or int(room["overall"]) >= concurrency:
                return None
            conn.execute("DELETE FROM host_places WHERE expires_at < %s", [now])
            row = fetch_one(conn, "SELECT next_start FROM host_budgets WHERE host = %s", [host])
            start = max(now, float(row["next_start"]) if row else 0.0)
            conn.execute(
                "INSERT INTO host_budgets (host, next_start) VALUES (%s, %s)"
                " ON CONFLICT (host) DO UPDATE SET next_start = excluded.next_start",
                [host, start + delay],
            )
            token = uuid.uuid4().hex
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
        with self.connection.transaction() as conn:
            claimed = fetch_one(
                conn,
                "INSERT INTO robots_copies (host, claimed_until)"
                f" VALUES (%(host)s, {_NOW} + %(s)s) ON CONFLICT (host) DO UPDATE"
                " SET claimed_until = excluded.claimed_until"
                f" WHERE robots_copies.claimed_until IS NULL"
                f" OR robots_copies.claimed_until <= {_NOW} RETURNING host",
                {"host": host, "s": float(seconds)},
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
                " claimed_until = NULL",
                [host, rules.status, rules.text, rules.problem, rules.server_down, float(ttl)],
            )

    def close(self) -> None:
        self.connection.close()


def open_budgets(url: str, *, hold_seconds: float = 600.0) -> PgBudgets:
    """The shared budgets of the database at ``url`` (its schema migrated first)."""
    return PgBudgets(PgConnection(url, pool_size=2), hold_seconds=hold_seconds)
