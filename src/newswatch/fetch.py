"""HTTP fetching: the only module that speaks httpx.

One :class:`Fetcher` wraps one ``httpx.Client`` and turns a URL into a :class:`FetchResult`
or a :class:`~newswatch.errors.FetchError` subclass; no httpx exception escapes. What it
guards against, and why:

* **Conditional GET** (``If-None-Match`` / ``If-Modified-Since``) so an unchanged page costs
  the site a 304 and us no parsing.
* **Redirects are followed by hand** so every hop is recorded (a moved article is news to
  the user) and loops are caught early. Cookies set along the chain are sent back within the
  same fetch only: a jar shared across fetches would trip metered paywalls and make what we
  see depend on what we fetched before.
* **Bounded size.** Content-Length is checked up front and the body is streamed and inflated
  by this module (gzip/deflate via ``zlib`` with an output limit per step), so a gzip bomb,
  even a doubly-encoded one, never inflates more than ``max_bytes`` plus one small piece.
* **Bounded time.** ``timeout`` is a deadline for the whole fetch (all hops and the body), not
  only per socket read, so a server dripping one byte a second cannot hold a worker (a read
  started just before the deadline may still wait out its own timeout).
* **Content type.** Pages that are not HTML (or XML for feeds) are refused before their body
  is downloaded when the header says so, and sniffed when it says nothing useful.
* **Politeness** (when a :class:`~newswatch.politeness.Politeness` is given): robots.txt is
  consulted (``robots=False`` skips it for sources the user may watch anyway), every request
  holds its host's and the global budget, and 429/503 and network errors are retried in
  place with back-off or the server's ``Retry-After`` when that is short; otherwise the
  error carries ``retry_after`` so the check is rescheduled no earlier.

Thread safety: a ``Fetcher`` is meant to be shared by a worker pool. httpx's ``Client`` "can be
shared between threads" (its docstring, encode/httpx#2380); the client keeps no cookies, and all
per-fetch state (redirect chain, cookies, deadline, buffers) lives on the calling thread's
stack. Call :meth:`Fetcher.close` once, after every worker has finished.
"""

from __future__ import annotations

import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Literal

import httpx

from newswatch import __version__
from newswatch.charset import decode_html
from newswatch.errors import (
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    NotHTMLError,
    RobotsDisallowed,
    TooLargeError,
    TooManyRedirects,
)
from newswatch.models import FetchResult, Redirect
from newswatch.politeness import (
    RETRY_STATUSES,
    Politeness,
    RobotsRules,
    parse_retry_after,
    robots_url,
)

Expect = Literal["html", "xml", "any"]

DEFAULT_USER_AGENT = (
    f"newswatch/{__version__} (+https://github.com/newswatch/newswatch; news revision monitor)"
)
# encodings this module inflates itself (see _decode_body); advertise nothing else
ACCEPT_ENCODING = "gzip, deflate"
_ACCEPT = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "xml": (
        "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"
    ),
    "any": "*/*",
}
_NOT_WANTED = {"html": "not an HTML page", "xml": "not an XML document", "any": ""}
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PIECE = 64 * 1024  # most bytes one inflate step may produce
_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF = 1024
# everything httpx (and our inflater) may raise; mapped to FetchError subclasses by _translate
_TRANSLATED = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, zlib.error, UnicodeError)

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset({"application/xml", "text/xml"})
_UNTYPED = frozenset({"", "application/octet-stream", "binary/octet-stream", "unknown/unknown"})
_HTML_MARKERS = (b"<html", b"<!doctype html", b"<head", b"<body")
_XML_MARKERS = (b"<?xml", b"<rss", b"<feed", b"<urlset", b"<sitemapindex", b"<rdf:rdf")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """Bounds and identity of every request; one instance is shared by all fetches."""

    timeout: float = 20.0  # deadline for a whole fetch (all hops and the body), seconds
    connect_timeout: float = 10.0
    max_bytes: int = 10 * 1024 * 1024  # cap on the decompressed body
    max_redirects: int = 10
    user_agent: str = DEFAULT_USER_AGENT
    # "*": no preference, so a site serves the language variant the URL itself names, and
    # always the same one (a negotiated variant flipping between fetches would be a fake change)
    accept_language: str = "*"


class _NoCookies(DefaultCookiePolicy):
    """Policy for the shared client's jar: keep nothing (cookies live per fetch)."""

    def set_ok(self, cookie: Cookie, request: urllib.request.Request) -> bool:
        return False


class Fetcher:
    """Fetches pages within the bounds of :class:`FetchSettings`; safe to share across threads.

    ``transport`` replaces the network (e.g. ``httpx.MockTransport`` in tests); ``clock``
    stamps ``fetched_at`` and must return timezone-aware datetimes.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = _utc_now,
        politeness: Politeness | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._clock = clock
        self.politeness = politeness
        self._client = httpx.Client(
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept-Language": self.settings.accept_language,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            cookies=CookieJar(policy=_NoCookies()),
            timeout=self._timeout(self.settings.timeout),
            follow_redirects=False,
            transport=transport,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections; the fetcher cannot be used afterwards."""
        self._client.close()

    def _timeout(self, read: float) -> httpx.Timeout:
        connect = min(self.settings.connect_timeout, read)
        return httpx.Timeout(read, connect=connect, pool=connect)

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        expect: Expect = "html",
        robots: bool = True,
    ) -> FetchResult:
        """GET ``url`` following redirects; a 304 comes back as a result, not an error.

        ``etag``/``last_modified`` are the validators of the previous fetch; on a 304 they are
        kept unless the server sends new ones. Raises a :class:`FetchError` subclass carrying
        ``url`` for every failure. With politeness, ``robots`` says whether robots.txt is
        consulted (:class:`RobotsDisallowed` when it forbids the URL).
        """
        polite = self.politeness
        if polite is None:
            return self._fetch_once(url, etag, last_modified, expect)
        if robots and polite.settings.robots:
            rules = polite.robots(url, lambda: self._load_robots(url), self.settings.user_agent)
            if not rules.reachable:
                # RFC 9309: no robots.txt to be had means no crawling; say why plainly
                raise RobotsDisallowed(
                    url, f"robots.txt could not be fetched ({rules.problem}), so not fetched"
                )
            if not rules.allowed(url, self.settings.user_agent):
                raise RobotsDisallowed(url, "disallowed by robots.txt")
        # retries live within the same deadline as one fetch (``timeout`` bounds them all),
        # counted from the first request, not from waiting for the host's turn
        deadline: float | None = None
        attempt = 0
        while True:
            try:
                with polite.slot(url):
                    if deadline is None:
                        deadline = time.monotonic() + self.settings.timeout
                    return self._fetch_once(url, etag, last_modified, expect, deadline)
            except (HTTPStatusError, NetworkError, FetchTimeout) as exc:
                if isinstance(exc, HTTPStatusError) and exc.status not in RETRY_STATUSES:
                    raise
                wait = polite.retry_wait(attempt, exc.retry_after)
                if (
                    attempt >= polite.settings.retries
                    or wait > polite.settings.max_wait
                    or deadline is None
                    or time.monotonic() + wait >= deadline
                ):
                    if exc.retry_after is not None:
                        polite.defer(url, exc.retry_after)
                    raise
                polite.sleep(wait)
                attempt += 1

    def _load_robots(self, url: str) -> RobotsRules:
        """Fetch the host's robots.txt (within the host's budget) and parse it."""
        assert self.politeness is not None
        where = robots_url(url)
        try:
            with self.politeness.slot(where):
                result = self._fetch_once(where, None, None, "any")
        except HTTPStatusError as exc:
            return RobotsRules.from_response(exc.status, "")
        except FetchError as exc:
            problem = str(exc).removeprefix(f"{where}: ")
            return RobotsRules.from_response(None, "", problem=problem)
        text = result.text if result.text is not None else result.content.decode("utf-8", "replace")
        return RobotsRules.from_response(result.status, text)

    def _fetch_once(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        expect: Expect,
        deadline: float | None = None,
    ) -> FetchResult:
        headers = {"Accept": _ACCEPT[expect]}
        # a validator that cannot go back on the wire is dropped: a full GET still works
        if etag and _header_safe(etag):
            headers["If-None-Match"] = etag
        if last_modified and _header_safe(last_modified):
            headers["If-Modified-Since"] = last_modified
        started = time.perf_counter()
        if deadline is None:
            deadline = time.monotonic() + self.settings.timeout
        try:
            return self._fetch(url, headers, etag, last_modified, expect, started, deadline)
        except FetchError:
            raise
        except _TRANSLATED as exc:
            raise _translate(url, exc) from exc

    def post_json(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        """POST ``body`` (a webhook delivery) and return the status; redirects not followed.

        Kept here so that this stays the only module speaking HTTP; the caller decides what a
        status means. Transport failures raise :class:`NetworkError` / :class:`FetchTimeout`.
        """
        deadline = time.monotonic() + timeout
        request_headers = {"Content-Type": "application/json; charset=utf-8", **headers}
        try:
            request = self._client.build_request(
                "POST", url, content=body, headers=request_headers, timeout=self._timeout(timeout)
            )
            if request.url.scheme not in ("http", "https") or not request.url.host:
                raise FetchError(url, "not an http(s) URL")
            response = self._client.send(request, stream=True)
            try:
                # read (a bounded amount of) the answer so the connection can be reused
                for _ in _raw_chunks(url, response, _PIECE, deadline):
                    pass
            except TooLargeError:
                pass
            finally:
                response.close()
            return response.status_code
        except FetchError:
            raise
        except _TRANSLATED as exc:
            raise _translate(url, exc) from exc

    def _fetch(
        self,
        url: str,
        headers: dict[str, str],
        etag: str | None,
        last_modified: str | None,
        expect: Expect,
        started: float,
        deadline: float,
    ) -> FetchResult:
        cookies = httpx.Cookies()
        redirects: list[Redirect] = []
        seen: set[str] = set()
        current = httpx.URL(url)
        while True:
            if current.scheme not in ("http", "https") or not current.host:
                raise FetchError(url, f"not an http(s) URL: {current}")
            remaining = _remaining(url, deadline)
            request = self._client.build_request(
                "GET", current, headers=headers, timeout=self._timeout(remaining)
            )
            cookies.set_cookie_header(request)
            seen.add(str(request.url))
            response = self._client.send(request, stream=True)
            try:
                cookies.extract_cookies(response)
                location = response.headers.get("location")
                if response.status_code in _REDIRECT_STATUSES and location:
                    target = response.url.join(location)
                    redirects.append(Redirect(response.status_code, str(response.url), str(target)))
                    # a revisit is only legitimate when the hop set a cookie (consent walls)
                    if str(target) in seen and "set-cookie" not in response.headers:
                        raise TooManyRedirects(url, f"redirect loop at {target}")
                    if len(redirects) > self.settings.max_redirects:
                        raise TooManyRedirects(
                            url, f"more than {self.settings.max_redirects} redirects"
                        )
                    current = target
                    continue
                return self._finish(
                    url, response, etag, last_modified, expect, redirects, started, deadline
                )
            finally:
                response.close()

    def _finish(
        self,
        url: str,
        response: httpx.Response,
        etag: str | None,
        last_modified: str | None,
        expect: Expect,
        redirects: list[Redirect],
        started: float,
        deadline: float,
    ) -> FetchResult:
        """Turn the last response of the chain into a result (or an error)."""
        status = response.status_code
        final_url = str(response.url)
        at = "" if final_url == url else f" (at {final_url})"
        fetched_at = self._clock()
        if status == 304:
            return FetchResult(
                url=url,
                final_url=final_url,
                status=304,
                headers=dict(response.headers.items()),
                content=b"",
                text=None,
                charset=None,
                etag=response.headers.get("etag") or etag,
                last_modified=response.headers.get("last-modified") or last_modified,
                redirects=redirects,
                elapsed_ms=_ms_since(started),
                fetched_at=fetched_at,
            )
        if not 200 <= status < 300:
            # the standard phrase, not the server's: messages stay stable in logs and the store
            reason = httpx.codes.get_reason_phrase(status) or response.reason_phrase
            retry_after = parse_retry_after(response.headers.get("retry-after"), fetched_at)
            raise HTTPStatusError(
                url, f"HTTP {status} {reason}".rstrip() + at, status=status, retry_after=retry_after
            )
        content_type = response.headers.get("content-type", "")
        media = _media_type(content_type)
        if not _may_accept(media, expect):
            raise NotHTMLError(url, f"{_NOT_WANTED[expect]} ({media}){at}", status=status)
        self._check_length(url, response)
        content = _read_capped(url, response, self.settings.max_bytes, deadline)
        if not _accepts(media, content, expect):
            raise NotHTMLError(
                url, f"{_NOT_WANTED[expect]} ({media or 'no Content-Type'}){at}", status=status
            )
        if expect != "any" and _looks_binary(content):
            raise NotHTMLError(
                url, f"binary data labelled {media or 'as nothing'}{at}", status=status
            )
        text: str | None = None
        charset: str | None = None
        if _is_textual(media, content):
            text, charset = decode_html(content, content_type)
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            headers=dict(response.headers.items()),
            content=content,
            text=text,
            charset=charset,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            redirects=redirects,
            elapsed_ms=_ms_since(started),
            fetched_at=fetched_at,
        )

    def _check_length(self, url: str, response: httpx.Response) -> None:
        declared = response.headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > self.settings.max_bytes:
            raise TooLargeError(
                url, f"Content-Length {int(declared)} exceeds {self.settings.max_bytes} bytes"
            )


# --------------------------------------------------------------------------- body


def _read_capped(url: str, response: httpx.Response, limit: int, deadline: float) -> bytes:
    """Stream, inflate and collect the body; stop as soon as it passes ``limit`` bytes."""
    if response.is_stream_consumed:
        # an in-memory transport (httpx.MockTransport) hands over a body httpx already read
        if len(response.content) > limit:
            raise TooLargeError(url, f"body exceeds {limit} bytes")
        return response.content
    raw = _raw_chunks(url, response, limit, deadline)
    parts: list[bytes] = []
    total = 0
    for piece in _decode_body(url, raw, response.headers.get("content-encoding", "")):
        total += len(piece)
        if total > limit:
            raise TooLargeError(url, f"body exceeds {limit} bytes")
        parts.append(piece)
    return b"".join(parts)


def _raw_chunks(url: str, response: httpx.Response, limit: int, deadline: float) -> Iterator[bytes]:
    """The bytes as they arrive, bounded in size (compressed) and in total time."""
    total = 0
    for chunk in response.iter_raw():
        total += len(chunk)
        if total > limit:
            raise TooLargeError(url, f"body exceeds {limit} bytes")
        _remaining(url, deadline)
        yield chunk


def _decode_body(url: str, raw: Iterator[bytes], content_encoding: str) -> Iterator[bytes]:
    """Undo Content-Encoding layers lazily, each yielding pieces of at most ``_PIECE`` bytes."""
    stream = raw
    # "gzip, deflate" means gzip was applied first: undo in reverse order
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",")]):
        if coding in ("", "identity"):
            continue
        if coding in ("gzip", "x-gzip"):
            stream = _inflate(stream, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            stream = _inflate(stream, None)
        else:
            raise FetchError(url, f"unsupported Content-Encoding {coding!r}")
    return stream


def _inflate(chunks: Iterator[bytes], wbits: int | None) -> Iterator[bytes]:
    """Inflate a zlib/gzip stream (``wbits`` None: zlib or raw deflate, whichever it is)."""
    decoder: zlib._Decompress | None = None
    done = False  # the stream ended; whatever follows is padding, ignored like httpx does
    for chunk in chunks:
        data = b"" if done else chunk
        while data:
            if decoder is None:
                decoder = zlib.decompressobj(_deflate_wbits(data) if wbits is None else wbits)
            out = decoder.decompress(data, _PIECE)
            if out:
                yield out
            data = decoder.unconsumed_tail
            # drain output zlib still holds once the input is used up
            while not data and len(out) == _PIECE:
                out = decoder.decompress(b"", _PIECE)
                if out:
                    yield out
            if decoder.eof:
                # a gzip body may hold several members, each starting with the magic bytes
                data = decoder.unused_data
                decoder = None
                if wbits is None or not data.startswith(_GZIP_MAGIC):
                    data, done = b"", True
    if decoder is not None:
        tail = decoder.flush()
        if tail:
            yield tail


def _deflate_wbits(head: bytes) -> int:
    """ "deflate" is zlib-wrapped per the RFC, yet some servers send raw deflate."""
    if len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0:
        return zlib.MAX_WBITS
    return -zlib.MAX_WBITS


# --------------------------------------------------------------------------- content type


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_xml_type(media: str) -> bool:
    return media in _XML_TYPES or media.endswith("+xml")


def _sniff(content: bytes, markers: tuple[bytes, ...]) -> bool:
    head = content[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and any(marker in head for marker in markers)


def _may_accept(media: str, expect: Expect) -> bool:
    """Whether the header alone leaves a chance; refuse images etc. before downloading."""
    if expect == "any" or media in _UNTYPED:
        return True
    if expect == "html":
        return media in _HTML_TYPES
    # feeds and sitemaps are often served as text/html or text/plain: sniff those
    return _is_xml_type(media) or media.startswith("text/")


def _accepts(media: str, content: bytes, expect: Expect) -> bool:
    if expect == "any":
        return True
    if expect == "html":
        return media in _HTML_TYPES or _sniff(content, _HTML_MARKERS)
    return _is_xml_type(media) or _sniff(content, _XML_MARKERS)


# bytes no text encoding newswatch decodes puts in a page (tab, LF, FF, CR, ESC are fine)
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32)])


def _looks_binary(content: bytes) -> bool:
    """Whether a body said to be HTML/XML is really binary (an image, an archive, noise).

    Text in any ASCII-compatible encoding has next to no C0 control bytes (a stray one
    happens); random or compressed data has about one in ten. UTF-16, announced by its BOM,
    is the one text form full of NULs.
    """
    head = content[:8192]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) * 0.02


def _is_textual(media: str, content: bytes) -> bool:
    if media in _HTML_TYPES or _is_xml_type(media) or media.startswith("text/"):
        return True
    if media in ("application/json", "application/javascript") or media.endswith("+json"):
        return True
    return media in _UNTYPED and (_sniff(content, _HTML_MARKERS) or _sniff(content, _XML_MARKERS))


# --------------------------------------------------------------------------- helpers


def _remaining(url: str, deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchTimeout(url, "timed out (deadline for the whole fetch)")
    return left


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _translate(url: str, exc: Exception) -> FetchError:
    """The FetchError for one of the ``_TRANSLATED`` httpx (or zlib) failures."""
    if isinstance(exc, httpx.TimeoutException):
        return FetchTimeout(url, f"timed out ({_describe(exc)})")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FetchError(url, f"unsupported URL ({_describe(exc)})")
    if isinstance(exc, httpx.TransportError | httpx.StreamError):
        return NetworkError(url, _describe(exc))
    if isinstance(exc, zlib.error):
        return FetchError(url, f"corrupt compressed body ({exc})")
    return FetchError(url, _describe(exc))


def _header_safe(value: str) -> bool:
    """Whether a stored header value can be sent as is (ASCII, no line breaks)."""
    return value.isascii() and "\r" not in value and "\n" not in value


def _describe(exc: Exception) -> str:
    """A short reason: the exception's message, or its class name when it has none."""
    return str(exc) or type(exc).__name__
