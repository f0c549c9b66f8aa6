"""Which backend serves a database URL: a registry keyed by URL scheme.

``open_store`` (the store's only door) looks the scheme up here and imports the backend's
module only then, so a deployment without a server database never imports its driver. A new
backend is one entry in :data:`BACKENDS`: the scheme and the ``module:function`` that opens
it, the function taking ``(url, readonly, upgrade)`` and returning a :class:`~newswatch.store.Store`
(or, read-only, a :class:`~newswatch.store.HistoryReader`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

from newswatch.errors import StoreError

#: URL scheme -> ``module:function`` opening it (see module docstring)
BACKENDS: dict[str, str] = {
    "sqlite": "newswatch.store.sqlite:open_sqlite",
    "postgresql": "newswatch.store.postgres:open_postgres",
    "postgres": "newswatch.store.postgres:open_postgres",
}

Opener = Callable[[str, bool, bool], object]


def split_url(url: str | Path) -> tuple[str, str]:
    """``(scheme, rest)`` of a database URL; a bare path is SQLite's.

    ``sqlite:///abs/path`` and ``sqlite:///rel/path`` both name a file path (the part after
    ``sqlite:///``, made absolute only if it starts with a second slash); ``:memory:`` is
    SQLite's in-memory database.
    """
    text = str(url)
    scheme, sep, rest = text.partition("://")
    if not sep or "/" in scheme or "\\" in scheme or len(scheme) < 2:
        return "sqlite", text  # a plain path (Windows drive letters included)
    scheme = scheme.lower()
    if scheme == "sqlite":
        if not rest.startswith("/"):
            raise StoreError(f"{text}: a SQLite URL is sqlite:///path/to/file.db")
        rest = rest[1:]
        if not rest:
            raise StoreError(f"{text}: the SQLite URL names no file")
    return scheme, rest if scheme == "sqlite" else text


def opener(scheme: str) -> Opener:
    """The registered function opening ``scheme`` URLs; a clear error for an unknown one."""
    target = BACKENDS.get(scheme)
    if target is None:
        known = ", ".join(f"{name}://" for name in sorted(BACKENDS))
        raise StoreError(f"no store backend for {scheme}:// URLs (known: {known}, or a path)")
    module_name, _, function = target.partition(":")
    module = importlib.import_module(module_name)
    return cast(Opener, getattr(module, function))
