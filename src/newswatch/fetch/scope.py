"""The fetch scope: which non-public addresses a fetch may connect to.

What the user configured is trusted; what a page points at is not. A feed, a sitemap, an
index page or a redirect may name any URL, so a link to ``http://127.0.0.1:6379/``,
``http://[::1]/``, ``http://2130706433/`` or a name that resolves to ``10.0.0.5`` would
otherwise make newswatch fetch (and store, show and export) what lives inside the
operator's network. The rule, applied to the address actually connected to (see
:mod:`.network`), at every hop:

* a public address may always be reached;
* a non-public one (loopback, private, link-local, unspecified, shared, reserved,
  multicast; IPv4-mapped IPv6 judged as the IPv4 it maps) only when it is the host and port
  of a configured source, or matches an entry of the config's ``fetch: {allow: [...]}``.

Pure apart from name resolution, which is injected (``resolve``) and cached briefly.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from newswatch.urls import split_credentials

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")
_NAME_TTL = 300.0  # seconds a trusted name's addresses are reused before resolving again


def plain_address(ip: IPAddress) -> IPAddress:
    """``ip`` without the IPv6 disguises of an IPv4 address (``::ffff:127.0.0.1``)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.scope_id:
            return ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    return ip


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is an ordinary address on the internet (not loopback, private, ...)."""
    ip = plain_address(ip)
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses the system resolver gives for ``host`` (any spelling it accepts)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0])) for info in infos]


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _literal(host: str) -> IPAddress | None:
    try:
        return plain_address(ipaddress.ip_address(host))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ScopeEntry:
    """One trusted place: a host name or an address block, on one port or on all."""

    host: str | None = None  # a name (or address literal), normalised
    network: IPNetwork | None = None
    port: int | None = None  # None: every port

    def __str__(self) -> str:
        where = self.host if self.host is not None else str(self.network)
        if ":" in where and self.port is not None:
            where = f"[{where}]"
        return where if self.port is None else f"{where}:{self.port}"


def parse_entry(text: str) -> ScopeEntry:
    """An allow-list entry: ``host``, ``host:port``, ``[v6]:port``, an address or a CIDR
    block (``10.0.0.0/8``). Raises ValueError with a message a user can act on."""
    value = text.strip()
    if not value:
        raise ValueError("an empty entry")
    if "/" in value and "://" not in value:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an address block like 10.0.0.0/8 (nor host or host:port)"
            ) from None
        return ScopeEntry(network=network)
    if "://" in value:
        raise ValueError(f"{value!r}: give a host or host:port, not a URL")
    literal = _literal(value.strip("[]"))
    if literal is not None and not (value.startswith("[") and "]:" in value):
        return ScopeEntry(host=str(literal), network=ipaddress.ip_network(literal))
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} is not host or host:port (port 1-65535)") from None
    host = _normal_host(parts.hostname or "")
    named = _HOST_NAME.fullmatch(host) or _literal(host) is not None
    if not named or parts.username is not None or parts.path or port == 0:
        raise ValueError(f"{value!r} is not host or host:port (port 1-65535)")
    address = _literal(host)
    block = ipaddress.ip_network(address) if address is not None else None
    return ScopeEntry(host=str(address) if address else host, network=block, port=port)


def source_entry(url: str) -> ScopeEntry | None:
    """The host and port of a configured source URL (None when it has no http(s) host)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = _normal_host(parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    address = _literal(host)
    network = ipaddress.ip_network(address) if address is not None else None
    return ScopeEntry(
        host=str(address) if address else host,
        network=network,
        port=port or _DEFAULT_PORTS[scheme],
    )


def _origin(url: str) -> str:
    """``scheme://netloc`` of a URL, cut where :func:`urllib.parse.urlsplit` ends the netloc
    (the first ``/``, ``?`` or ``#``), so :func:`source_entry` reads the same host and port
    from it as from the whole URL."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    ends = [i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0]
    return f"{scheme}{sep}{rest[: min(ends)] if ends else rest}"


def configured_credentials(urls: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The ``(user, password)`` each configured URL carries, by the URL without them."""
    found: dict[str, tuple[str, str]] = {}
    for url in urls:
        bare, user, password = split_credentials(url)
        if user is not None:
            found[bare] = (user, password or "")
    return found


class FetchScope:
    """The non-public places a fetch may reach; everything public is always reachable.

    ``trusted`` are the configured sources' hosts and ports and the allow-list's entries.
    A name among them trusts the requested name itself and the addresses it resolves to.
    Thread safe.
    """

    def __init__(
        self,
        trusted: Iterable[ScopeEntry] = (),
        *,
        resolver: Resolver = resolve,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.trusted: tuple[ScopeEntry, ...] = tuple(dict.fromkeys(trusted))
        self._resolver = resolver
        self._monotonic = monotonic
        self._names: dict[tuple[str, int], tuple[float, list[IPAddress]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def configured(cls, source_urls: Sequence[str], allow: Sequence[str] = ()) -> FetchScope:
        """The scope of a configuration: its sources' hosts and ports, and its allow-list."""
        # one entry per origin: a thousand sources on one site are one host to trust, and
        # parsing each URL's address was a tenth of a 1,000-source start-up
        origins = {_origin(url): None for url in source_urls}
        entries = [entry for origin in origins if (entry := source_entry(origin)) is not None]
        return cls([*entries, *(parse_entry(text) for text in allow)])

    def permits(self, host: str, port: int, ip: IPAddress) -> bool:
        """Whether connecting to ``ip`` (resolved from ``host``) on ``port`` is in scope."""
        if is_public(ip):
            return True
        ip = plain_address(ip)
        name = _normal_host(host)
        for entry in self.trusted:
            if entry.port is not None and entry.port != port:
                continue
            if entry.network is not None:
                if ip in entry.network:
                    return True
                continue
            if entry.host == name or ip in self._addresses(entry.host or "", port):
                return True
        return False

    def admits(self, url: str) -> bool:
        """Whether a fetch of ``url`` could connect anywhere in scope: False only when every
        address its host resolves to is refused, so a link that would fail at every fetch is
        dropped where it is found. A name that does not resolve (now) is admitted: the fetch
        decides later, with a clear error if it still cannot."""
        try:
            parts = urlsplit(url)
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
        except ValueError:
            return True
        host = _normal_host(parts.hostname or "")
        if not host or not port:
            return True
        literal = _literal(host)
        found = [literal] if literal is not None else self._addresses(host, port)
        return not found or any(self.permits(host, port, ip) for ip in found)

    def refusal(self, host: str, port: int, ips: Sequence[IPAddress]) -> str:
        """Why no address of ``host`` may be reached (for the error message)."""
        shown = ", ".join(str(plain_address(ip)) for ip in ips) or "nothing"
        return (
            f"outside the fetch scope: {host}:{port} is {shown}, a non-public address that is "
            "no configured source's host and port (add it to fetch.allow to fetch it)"
        )

    def _addresses(self, name: str, port: int) -> list[IPAddress]:
        key = (name, port)
        now = self._monotonic()
        with self._lock:
            cached = self._names.get(key)
        if cached is not None and now - cached[0] < _NAME_TTL:
            return cached[1]
        try:
            found = [plain_address(ip) for ip in self._resolver(name, port)]
        except (OSError, UnicodeError, ValueError):
            found = []
        with self._lock:
            self._names[key] = (now, found)
        return found
