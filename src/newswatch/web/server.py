"""Serving the web view with uvicorn: in the foreground (``newswatch serve``) or on a
background thread (tests, benchmarks).

The view reads through a read-only :class:`~newswatch.store.HistoryReader`. A database
written by an older newswatch is upgraded first, through the ordinary writable store, once,
before the read-only one opens; from then on nothing the view does can write.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import signal
import socket
import threading
from collections.abc import Callable
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


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``, or a clear error (the port is taken, the address is
    not this machine's) before anything says the view is being served."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise NewswatchError(f"cannot serve on {host}:{port}: {exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        # listening now, so a client that connects as soon as "serving on" is printed waits
        # in the backlog until uvicorn accepts, instead of being refused
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        hint = " (another program uses it: pick another with --port)" if port else ""
        raise NewswatchError(
            f"cannot serve on {host}:{port}: {exc.strerror or exc}{hint}"
        ) from None
    return sock


class RedactToken(logging.Filter):
    """Keeps ``?token=`` values out of the access log: whoever reads the log must not get
    the key to the view."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_QUERY.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        elif isinstance(record.msg, str):
            record.msg = _TOKEN_IN_QUERY.sub(r"\1[redacted]", record.msg)
        return True


_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"]*", re.IGNORECASE)


def serve(
    database: str | Path,
    host: str,
    port: int,
    token: str | None,
    announce: Callable[[int], None] = lambda _port: None,
) -> None:
    """Run the view until interrupted (uvicorn handles SIGINT/SIGTERM).

    The database is opened and the port bound first; ``announce`` is told the port only
    once both worked, so "serving on ..." is never followed by an error.
    """
    store = open_for_view(database)
    try:
        sock = listen(host, port)
        bound = int(sock.getsockname()[1])
        app = create_app(store, token=token, base_url=served_at(host, bound))
        config = uvicorn.Config(app, log_level="info", server_header=False)
        logging.getLogger("uvicorn.access").addFilter(RedactToken())
        server = uvicorn.Server(config)
        # A stop that comes before uvicorn installs its own handlers (it still imports its
        # loop and protocols) is handed to the server as one during its run would be: a
        # handler that raises could be swallowed where the signal lands (an import lock's
        # callback: "Exception ignored"), and the server then ran on. uvicorn restores
        # these after its graceful stop and raises the signal again; they only note it.
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, server.handle_exit)
        announce(bound)
        server.run(sockets=[sock])
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
