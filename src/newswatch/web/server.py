"""Serving the web view with uvicorn: in the foreground (``newswatch serve``) or on a
background thread (tests, benchmarks).

The view reads through a read-only :class:`~newswatch.store.HistoryReader`. A database
written by an older newswatch is upgraded first, through the ordinary writable store, once,
before the read-only one opens; from then on nothing the view does can write.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from pathlib import Path
from types import TracebackType

import uvicorn

from newswatch.errors import NewswatchError
from newswatch.store import HistoryReader, open_store
from newswatch.web.app import create_app

log = logging.getLogger(__name__)


def open_for_view(database: str | Path) -> HistoryReader:
    """The read-only store over ``database`` (a file or a URL), upgrading an older schema
    first; a database not created yet is a :class:`~newswatch.errors.StoreError`."""
    return open_store(database, readonly=True, upgrade=True)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def served_at(host: str, port: int) -> str | None:
    """The view's own address for absolute feed links, or None (relative links) when it
    listens on every interface and so has no one address to give."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"http://{host}:{port}" if host else None
    if address.is_unspecified or port == 0:
        return None
    shown = f"[{address}]" if address.version == 6 else str(address)
    return f"http://{shown}:{port}"


def serve(database: str | Path, host: str, port: int, token: str | None) -> None:
    """Run the view until interrupted (uvicorn handles SIGINT/SIGTERM)."""
    store = open_for_view(database)
    try:
        app = create_app(store, token=token, base_url=served_at(host, port))
        uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
    finally:
        store.close()


class BackgroundServer:
    """The view on a real uvicorn server on a free port of 127.0.0.1, on a thread."""

    def __init__(self, database: str | Path, *, token: str | None = None, host: str = "127.0.0.1"):
        self.store = open_for_view(database)
        config = uvicorn.Config(
            create_app(self.store, token=token),
            host=host,
            port=0,
            log_level="warning",
            server_header=False,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name="newswatch-view", daemon=True)
        self.url = ""

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise NewswatchError("the web view could not start")
            self._thread.join(0.02)
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.should_exit = True
        self._thread.join(10)
        self.store.close()
