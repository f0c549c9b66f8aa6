"""What the ``database:`` setting names: a SQLite file or a PostgreSQL server.

Pure text rules, checked when the config is read (so a typo is a config error with its line,
not a SQLite file named ``postgresql:/user@host/db``) and again by the store's door:

- a path, or ``sqlite:///path`` (relative to the config file's folder unless it starts with
  ``/``, so ``sqlite:////var/lib/nw.db`` is absolute), or ``:memory:``;
- ``postgresql://user:password@host:port/dbname?options`` (``postgres://`` too), libpq's URL
  form; secrets come in through ``${ENV}`` like every other value of the config.

Any other ``scheme://`` (or a known scheme written with one slash) is refused with a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_KNOWN = ("sqlite", "postgresql", "postgres")
_HINT = "a file path, sqlite:///path/to/file.db or postgresql://user@host:5432/dbname"


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    """A parsed ``database:`` value; ``path`` for SQLite (as written: relative paths are
    resolved by :meth:`resolved`), ``url`` for PostgreSQL."""

    kind: Literal["sqlite", "postgresql"]
    path: str | None = None
    url: str | None = None

    def resolved(self, base: Path) -> str:
        """What ``open_store`` takes: the SQLite path made absolute against ``base`` (the
        config file's folder), or the PostgreSQL URL as given."""
        if self.kind == "postgresql":
            assert self.url is not None
            return self.url
        assert self.path is not None
        if self.path == ":memory:":
            return self.path
        return str(base / Path(self.path).expanduser())


def locate(value: str) -> DatabaseLocation:
    """Parse ``value``; raises :class:`ValueError` saying what is wrong and what is expected."""
    text = value.strip()
    if not text:
        raise ValueError(f"empty; expected {_HINT}")
    found = _SCHEME.match(text)
    if found is None:
        return DatabaseLocation("sqlite", path=text)
    scheme = found.group(1).lower()
    if not text[found.end() :].startswith("//"):
        if scheme in _KNOWN:
            raise ValueError(f"{value!r} is not a URL (write {scheme}://...); expected {_HINT}")
        return DatabaseLocation("sqlite", path=text)  # "C:\\nw.db", "notes:v2.db": file names
    if scheme == "sqlite":
        rest = text[len("sqlite://") :]
        if not rest.startswith("/") or not rest[1:]:
            raise ValueError(f"{value!r}: a SQLite URL is sqlite:///path/to/file.db")
        return DatabaseLocation("sqlite", path=rest[1:])
    if scheme in ("postgresql", "postgres"):
        _check_postgres(text)
        return DatabaseLocation("postgresql", url="postgresql" + text[len(scheme) :])
    raise ValueError(f"unsupported database URL scheme {scheme}://; expected {_HINT}")


def shown(url: str) -> str:
    """The URL with its password replaced by ``***``: what messages and logs may show."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, hosts = rest.partition("@")
    if not sep or not at or ":" not in userinfo or "/" in userinfo:
        return url
    return f"{scheme}://{userinfo.partition(':')[0]}:***@{hosts}"


def _check_postgres(text: str) -> None:
    """The parts libpq would reject or misread, caught with a plain message."""
    where = repr(shown(text))
    if any(c.isspace() for c in text):
        raise ValueError(f"{where}: a PostgreSQL URL has no spaces (percent-encode them)")
    rest = text.partition("://")[2]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    netloc, tail = rest[:cut], rest[cut:].partition("?")[0]
    for host in netloc.rpartition("@")[2].split(","):
        port = ""
        if host.startswith("["):
            _, closed, after = host.partition("]")
            if not closed:
                raise ValueError(f"{where}: an IPv6 host is written in brackets, [::1]")
            port = after.removeprefix(":")
        elif ":" in host:
            port = host.rpartition(":")[2]
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise ValueError(f"{where}: port {port!r} is not a number from 1 to 65535")
    dbname = unquote(tail[1:])
    if "/" in dbname:
        raise ValueError(f"{where}: the database name {dbname!r} holds a '/'")
