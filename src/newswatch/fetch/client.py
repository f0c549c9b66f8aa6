"""The :class:`Fetcher`: one shared ``httpx.Client``, conditional GET and politeness.

A fetch turns a URL into a :class:`FetchResult` or a :class:`~newswatch.errors.FetchError`
subclass; no httpx exception escapes. This module holds the request side and the wiring:

* **Conditional GET** (``If-None-Match`` / ``If-Modified-Since``) so an unchanged page costs
  the site a 304 and us no parsing.
* **Politeness** (when a :class:`~newswatch.politeness.Politeness` is given): robots.txt is
  consulted (``robots=False`` skips it for sources the user may watch anyway), every request
  holds its host's and the global budget, and 429/503 and network errors are retried in
  place with back-off or the server's ``Retry-After`` when that is short; otherwise the
  error carries ``retry_after`` so the check is rescheduled no earlier.

Redirects (:mod:`.redirects`), the body and its size cap (:mod:`.body`), content types
(:mod:`.content_type`) and the result (:mod:`.result`) live beside it.

Thread safety: a ``Fetcher`` is meant to be shared by a worker pool. httpx's ``Client`` "can be
shared between threads" (its docstring, encode/httpx#2380); the client keeps no cookies, and all
per-fetch state (redirect chain, cookies, deadline, buffers) lives on the calling thread's
stack. Call :meth:`Fetcher.close` once, after every worker has finished.
"""

from __future__ import annotations

import base64
import time
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from types import TracebackType

import httpx

from newswatch.errors import (
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    OutOfScope,
    RobotsDisallowed,
)
from newswatch.fetch.content_type import ACCEPT
from newswatch.fetch.failures import TRANSLATED, translate
from newswatch.fetch.network import GuardedTransport, ScopeRefused, exchange
from newswatch.fetch.post import post_json
from newswatch.fetch.redirects import final_response
from newswatch.fetch.result import to_result
from newswatch.fetch.scope import FetchScope
from newswatch.fetch.settings import ACCEPT_ENCODING, Expect, FetchSettings
from newswatch.models import FetchResult
from newswatch.politeness import RETRY_STATUSES, Politeness, RobotsRules, robots_url
from newswatch.urls import redact_credentials, split_credentials


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _NoCookies(DefaultCookiePolicy):
    """Policy for the shared client's jar: keep nothing (cookies live per fetch)."""

    def set_ok(self, cookie: Cookie, request: urllib.request.Request) -> bool:
        return False


class _KeptNone(httpx.Cookies):
    """The shared client's cookies: none kept (cookies live per fetch, see
    :mod:`.redirects`), and none read from responses either: reading them only to refuse
    each one (a urllib request and an email message built per response) was a sixth of a
    fetch's CPU on a local site."""

    def __init__(self) -> None:
        super().__init__(CookieJar(policy=_NoCookies()))

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _Client(httpx.Client):
    """``httpx.Client`` whose cookies are :class:`_KeptNone`, whatever it is given."""

    _kept_none = _KeptNone()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._kept_none

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        pass  # httpx's own __init__ sets them; none are kept


class Fetcher:
    """Fetches pages within the bounds of :class:`FetchSettings`; safe to share across threads.

    ``transport`` replaces the network (e.g. ``httpx.MockTransport`` in tests; deadline and
    scope are then its business); ``clock`` stamps ``fetched_at`` and must return
    timezone-aware datetimes. ``scope`` says which non-public addresses pages and redirects
    may reach (:class:`FetchScope`; None: any, for a fetcher of what the user typed).
    ``credentials`` maps URLs (without user info) to the ``(user, password)`` the
    configuration gives them; they go with the first request to exactly that URL and
    nowhere else. A URL's own ``user:password@`` is never sent, and a fetch's results and
    errors show it with the password as ``***``.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = _utc_now,
        politeness: Politeness | None = None,
        scope: FetchScope | None = None,
        credentials: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._clock = clock
        self.politeness = politeness
        self.scope = scope
        # the Authorization header each configured URL's credentials make (httpx.BasicAuth's)
        self._authorization = {
            url: _basic_authorization(user, password)
            for url, (user, password) in (credentials or {}).items()
        }
        self._transport = transport or GuardedTransport()
        self._client = _Client(
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept-Language": self.settings.accept_language,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            timeout=self._timeout(self.settings.timeout),
            follow_redirects=False,
            transport=self._transport,
        )
        # webhook posts have their own connections: one opened for a configured receiver
        # (held to no scope) is never reused by a page that points at the same address
        self._post_client = _Client(
            headers={"User-Agent": self.settings.user_agent},
            follow_redirects=False,
            transport=transport or GuardedTransport(),
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
        self._post_client.close()

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
        url = redact_credentials(url)
        polite = self.politeness
        if polite is None:
            return self._fetch_once(url, etag, last_modified, expect)
        if robots and polite.settings.robots:
            rules = polite.robots(url, lambda: self._load_robots(url), self.settings.user_agent)
            if not rules.reachable and rules.server_down:
                raise NetworkError(url, f"server unreachable ({rules.problem})")
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
                    try:
                        return self._fetch_once(url, etag, last_modified, expect, deadline)
                    except FetchError as exc:
                        # the host's block starts before its slot is given back, so no
                        # request queued behind this one goes out inside it
                        if exc.retry_after is not None:
                            polite.defer(url, exc.retry_after)
                        raise
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
        except OutOfScope as exc:
            # the page is out of scope as much as its robots.txt: say so about the page
            raise OutOfScope(url, str(exc).removeprefix(f"{where}: ")) from exc
        except HTTPStatusError as exc:
            return RobotsRules.from_response(exc.status, "")
        except FetchError as exc:
            problem = str(exc).removeprefix(f"{where}: ")
            down = isinstance(exc, NetworkError | FetchTimeout)
            return RobotsRules.from_response(None, "", problem=problem, server_down=down)
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
        headers = {"Accept": ACCEPT[expect]}
        # a validator that cannot go back on the wire is dropped: a full GET still works
        if etag and _header_safe(etag):
            headers["If-None-Match"] = etag
        if last_modified and _header_safe(last_modified):
            headers["If-Modified-Since"] = last_modified
        started = time.perf_counter()
        if deadline is None:
            deadline = time.monotonic() + self.settings.timeout
        try:
            with exchange(deadline, self.scope):
                return self._fetch(url, headers, etag, last_modified, expect, started, deadline)
        except FetchError:
            raise
        except ScopeRefused as exc:
            raise OutOfScope(url, str(exc)) from exc
        except TRANSLATED as exc:
            raise translate(url, exc) from exc

    def post_json(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        """POST ``body`` (a webhook delivery) and return the status; redirects not followed.

        Kept here so that this stays the only package speaking HTTP; the caller decides what a
        status means. Transport failures raise :class:`NetworkError` / :class:`FetchTimeout`.
        """
        return post_json(self._post_client, url, body, headers, self._timeout(timeout), timeout)

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
        if self._client.is_closed:  # as httpx.Client.send says, which is not called
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        bare = split_credentials(url)[0]
        response, redirects = final_response(
            self._client,
            self._transport,
            bare,
            headers,
            max_redirects=self.settings.max_redirects,
            timeout=self._timeout,
            deadline=deadline,
            authorization=self._authorization.get(bare),
        )
        try:
            return to_result(
                url,
                response,
                etag=etag,
                last_modified=last_modified,
                expect=expect,
                redirects=redirects,
                started=started,
                deadline=deadline,
                max_bytes=self.settings.max_bytes,
                fetched_at=self._clock(),
            )
        finally:
            response.close()


def _basic_authorization(user: str, password: str) -> str:
    """``Authorization`` for HTTP Basic (RFC 7617), as ``httpx.BasicAuth`` makes it."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _header_safe(value: str) -> bool:
    """Whether a stored header value can be sent as is (ASCII, no line breaks)."""
    return value.isascii() and "\r" not in value and "\n" not in value
