"""The sockets under httpx: one deadline over the whole exchange, and the fetch scope.

httpx's timeouts bound each socket operation, not an exchange: a server that drips its
status line or headers one byte a second never trips a read timeout, and a check (or a
webhook delivery) hangs for as long as it likes. And httpx connects wherever a URL says.
So the transport's network backend is ours:

* every read, write and connect is given at most the time left before the deadline of the
  exchange in progress (:func:`exchange`), so status line, headers and body together end
  by it;
* the name is resolved here, within the same deadline (a resolver that hangs is left
  behind on a daemon thread), and before connecting each address is judged by the
  exchange's :class:`~newswatch.fetch.scope.FetchScope`; only permitted addresses are
  connected to, so no spelling of a URL (``2130706433``, ``0x7f000001``, ``[::ffff:…]``)
  nor a name that resolves inside the network gets past it.

The exchange lives in a context variable: a pooled connection is used by one request at a
time, on the thread that sends it, so the reads see that request's deadline and scope.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx
from httpcore import NetworkStream

from newswatch.fetch.scope import FetchScope, IPAddress, Resolver, plain_address, resolve

DEADLINE_PASSED = "deadline for the whole exchange passed"


class ScopeRefused(Exception):
    """Every address of a host is outside the fetch scope; nothing was connected to."""


class Exchange:
    """What bounds the request being sent: its deadline (``time.monotonic``) and scope
    (None: anywhere, for what the user configured and is fetched as is).

    ``with`` it, the block's requests (and body reads) run within them; a class rather than
    a ``@contextmanager`` generator, as every fetch enters one.
    """

    __slots__ = ("_token", "deadline", "scope")

    def __init__(self, deadline: float | None = None, scope: FetchScope | None = None) -> None:
        self.deadline = deadline
        self.scope = scope

    def __enter__(self) -> None:
        self._token = _CURRENT.set(self)

    def __exit__(self, *exc: object) -> None:
        _CURRENT.reset(self._token)


_CURRENT: ContextVar[Exchange | None] = ContextVar("newswatch_exchange", default=None)
_NO_EXCHANGE = Exchange()


def _current() -> Exchange:
    return _CURRENT.get() or _NO_EXCHANGE


def exchange(deadline: float | None, scope: FetchScope | None) -> Exchange:
    """Run the block's requests (and body reads) within ``deadline`` and ``scope``."""
    return Exchange(deadline, scope)


def _bounded(timeout: float | None, error: type[Exception]) -> tuple[float | None, bool]:
    """``timeout`` cut to the time left before the current deadline, and whether the
    deadline is what bounds it (so a timeout then means the deadline passed)."""
    deadline = _current().deadline
    if deadline is None:
        return timeout, False
    left = deadline - time.monotonic()
    if left <= 0:
        raise error(DEADLINE_PASSED)
    if timeout is not None and timeout < left:
        return timeout, False
    return left, True


class _DeadlineStream(NetworkStream):
    """A connection whose every operation stops at the current exchange's deadline."""

    def __init__(self, inner: NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        bounded, by_deadline = _bounded(timeout, httpcore.ReadTimeout)
        try:
            return self._inner.read(max_bytes, bounded)
        except httpcore.ReadTimeout as exc:
            if by_deadline:
                raise httpcore.ReadTimeout(DEADLINE_PASSED) from exc
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        bounded, by_deadline = _bounded(timeout, httpcore.WriteTimeout)
        try:
            self._inner.write(buffer, bounded)
        except httpcore.WriteTimeout as exc:
            if by_deadline:
                raise httpcore.WriteTimeout(DEADLINE_PASSED) from exc
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> NetworkStream:
        bounded, _ = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _resolve_within(
    resolver: Resolver, host: str, port: int, timeout: float | None
) -> list[IPAddress]:
    """``resolver(host, port)``, given up on after ``timeout`` (getaddrinfo has none)."""
    literal = host.strip("[]")
    try:
        return [ipaddress.ip_address(literal)]  # an address literal needs no resolver
    except ValueError:
        pass
    if timeout is None:
        return resolver(host, port)
    box: list[list[IPAddress] | BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            box.append(resolver(host, port))
        except BaseException as exc:  # handed to the waiting thread below
            box.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name="newswatch-resolve", daemon=True).start()
    if not done.wait(timeout):
        raise httpcore.ConnectTimeout(f"resolving {host}: {DEADLINE_PASSED}")
    found = box[0]
    if isinstance(found, BaseException):
        raise found
    return found


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves, judges each address by the exchange's scope, then connects by address.

    ``resolver`` is the system's (``getaddrinfo``) unless a test gives another.
    """

    def __init__(self, resolver: Resolver = resolve) -> None:
        self._inner = httpcore.SyncBackend()
        self._resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> NetworkStream:
        scope = _current().scope
        bounded, _ = _bounded(timeout, httpcore.ConnectTimeout)
        try:
            addresses = _resolve_within(self._resolver, host, port, bounded)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host} ({exc})") from exc
        allowed = addresses
        if scope is not None:
            allowed = [ip for ip in addresses if scope.permits(host, port, ip)]
            if not allowed:
                raise ScopeRefused(scope.refusal(host, port, _unique(addresses)))
        last: Exception | None = None
        for ip in allowed:
            try:
                stream = self._inner.connect_tcp(
                    str(ip),
                    port,
                    _bounded(bounded, httpcore.ConnectTimeout)[0],
                    local_address,
                    socket_options,
                )
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as exc:
                last = exc  # the next address may answer, as socket.create_connection does
                continue
            return _DeadlineStream(stream)
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _unique(addresses: Iterable[IPAddress]) -> list[IPAddress]:
    return list(dict.fromkeys(plain_address(ip) for ip in addresses))


_TLS: list[ssl.SSLContext] = []  # the process's one verifying context, once an https page needs it
_TLS_LOCK = threading.Lock()


def tls_context() -> ssl.SSLContext:
    """httpx's verifying context (the CA store, ``SSL_CERT_FILE``...), built on first use and
    shared: loading the CA store is ~40 ms, and every transport built one at start-up
    (four per process, 0.16 s of a 1,000-page pass's start, for pages that were all http)."""
    with _TLS_LOCK:
        if not _TLS:
            _TLS.append(httpx.create_ssl_context())
        return _TLS[0]


class _LazyTLSPool(httpcore.ConnectionPool):
    """httpcore's pool, given the shared TLS context when its first https connection opens."""

    def create_connection(self, origin: httpcore.Origin) -> httpcore.ConnectionInterface:
        if origin.scheme == b"https" and self._ssl_context is None:
            self._ssl_context = tls_context()
        return super().create_connection(origin)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport over a :class:`GuardedBackend` (same pool, same mapping of
    httpcore's errors to httpx's), so deadline and scope hold for every connection."""

    def __init__(self, limits: httpx.Limits | None = None, resolver: Resolver = resolve) -> None:
        # httpx's default limits, as its Client would give its own transport.
        # HTTPTransport.__init__ is not called: all it does is build the pool (``_pool``, the
        # only state its methods use) and, for it, an SSL context loading the CA store; the
        # pool is built here with the context left to its first https connection.
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = _LazyTLSPool(
            ssl_context=None,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(resolver),
        )
