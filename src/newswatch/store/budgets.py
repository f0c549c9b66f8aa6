"""The politeness budgets worker processes share, for a database URL (see
:class:`~newswatch.politeness.SharedBudgets`): kept in the SQLite file itself, or in the
PostgreSQL database every host shares (so the limits hold across hosts)."""

from __future__ import annotations

from pathlib import Path

from newswatch.politeness import SharedBudgets
from newswatch.store.backends import split_url


def open_budgets(url: str | Path, *, hold_seconds: float = 60.0) -> SharedBudgets | None:
    """The shared budgets of the database at ``url``; None when its backend keeps none.

    ``hold_seconds``: the longest one request may hold its place (the fetch timeout and a
    margin), in case its process dies without giving it back."""
    scheme, rest = split_url(url)
    if scheme in ("postgresql", "postgres"):
        from newswatch.store.postgres.budgets import open_budgets as open_shared

        return open_shared(rest, hold_seconds=hold_seconds)
    if scheme != "sqlite" or rest == ":memory:":
        return None
    from newswatch.store.sqlite.budgets import SqliteBudgets

    return SqliteBudgets(Path(rest), hold_seconds=hold_seconds)
