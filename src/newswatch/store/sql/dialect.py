"""How one backend spells what the shared SQL leaves open, and what the shared parts need
of its connection.

A :class:`Dialect` is data (the parameter mark, conversions in and out), not a base class:
the shared parts call it, the backends only construct one. The protocols name the three
calls the shared parts make on a backend's connection, so either backend's own connection
class serves unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from newswatch.errors import StoreError

Row = dict[str, Any]
Params = Sequence[Any] | dict[str, Any]


class Cursor(Protocol):
    """What a statement run inside a transaction answers with."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...


class Executor(Protocol):
    """The connection inside one transaction (sqlite-utils' Database, psycopg's Connection)."""

    def execute(self, sql: str, params: Params = ..., /) -> Cursor: ...


class Db(Protocol):
    """A backend's connection as the shared parts use it: reads in a transaction of their
    own, writes in one the caller holds."""

    def rows(self, sql: str, params: Params = ()) -> list[Row]: ...

    def row(self, sql: str, params: Params = ()) -> Row | None: ...

    def transaction(self) -> AbstractContextManager[Executor]: ...


@dataclass(frozen=True)
class Dialect:
    """One backend's spelling: SQL is written with ``?`` and :meth:`sql` turns it into
    this backend's mark; times and JSON go in and come out through its conversions."""

    #: the DB-API parameter mark (``?`` for sqlite3, ``%s`` for psycopg)
    mark: str
    #: an instant as a parameter (ISO 8601 text, or an aware datetime)
    time: Callable[[datetime], Any]
    #: a stored instant (or NULL) back as an aware datetime (or None)
    read_time: Callable[[Any], datetime | None]
    #: a stored instant (or NULL) as the ISO 8601 text shown where rows are given as dicts
    time_text: Callable[[Any], str | None]
    #: a value as a JSON parameter (text, or a jsonb adapter)
    json: Callable[[Any], Any]
    #: a value as a JSON parameter kept as written, key order and all (text, or json)
    json_as_written: Callable[[Any], Any]
    #: a boolean as a parameter (0/1, or a boolean)
    flag: Callable[[bool], Any]
    #: a stored JSON column (or NULL) back as Python values (or None)
    read_json: Callable[[Any], Any]

    def sql(self, text: str) -> str:
        """``text`` with every ``?`` mark in this backend's mark (the shared SQL holds no
        other ``?`` and no ``%``, so the replacement is exact)."""
        return text if self.mark == "?" else text.replace("?", self.mark)

    def required_time(self, value: Any) -> datetime:
        parsed = self.read_time(value)
        if parsed is None:
            raise StoreError("a required timestamp is missing in the database")
        return parsed

    def maybe_time(self, value: datetime | None) -> Any:
        return None if value is None else self.time(value)
