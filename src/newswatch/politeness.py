"""Being a good guest: robots.txt, per-host budgets, Retry-After and back-off.

Everything here is about *when* a request may go out, never about HTTP itself (that stays in
:mod:`newswatch.fetch`, which asks this module before every request). One
:class:`Politeness` object is shared by every fetch of a process, and it keys its budgets by
host (``scheme://host:port``), so two sources on the same site share one budget:

* at most ``per_host`` requests in flight to one host, and request starts at least
  ``host_delay`` apart (or the site's robots.txt ``Crawl-delay``, up to ``max_crawl_delay``);
* at most ``concurrency`` requests in flight overall;
* a host that answered 429/503 with a ``Retry-After`` is left alone until then: a fetch
  waits in place when that is at most ``max_wait`` away, else it fails at once with
  :class:`~newswatch.errors.HostBackoff` carrying the time, so the check is rescheduled;
* robots.txt is fetched once per host and cached for ``robots_ttl`` (RFC 9309: a 4xx means
  no rules, a 5xx or an unreachable server means "disallow all", except that the last good
  copy is kept while the server is down).

Several worker processes share these budgets through :class:`SharedBudgets` (the store's
host-budget table: in-flight places, the next start time per host claimed atomically,
Retry-After blocks and robots.txt copies), so ``per_host`` and ``host_delay`` hold for the
whole host, not per process. Clocks and sleep are injected, so tests drive time instead of
waiting for it.
"""

from __future__ import annotations

import functools
import random
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlsplit

from newswatch.clock import Clock, utc_now
from newswatch.errors import HostBackoff
from newswatch.models import iso

RETRY_STATUSES = frozenset({429, 503})
UNREACHABLE_TTL = 300.0  # how soon to ask again for a robots.txt that could not be had
ROBOTS_CLAIM_SECONDS = 30.0  # how long other processes wait for the one fetching robots.txt
SHARED_POLL = 0.01  # seconds between two tries for a full host's place (plus jitter) ...
SHARED_POLL_MAX = 0.16  # ... doubling up to this


@dataclass(frozen=True, slots=True)
class PolitenessSettings:
    """Budgets per host and overall; see the module docstring."""

    concurrency: int = 16
    per_host: int = 2
    host_delay: float = 1.0
    retries: int = 2  # in-place retries of one fetch on 429/503 and network errors
    backoff_base: float = 2.0  # first retry waits about this long, then twice as long...
    max_wait: float = 30.0  # longest a fetch waits in place before giving the slot back
    robots: bool = True
    robots_ttl: float = 3600.0
    max_crawl_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")
        if min(self.host_delay, self.backoff_base, self.max_wait, self.retries) < 0:
            raise ValueError("delays and retries must not be negative")


@functools.lru_cache(maxsize=1024)
def host_key(url: str) -> str:
    """``scheme://host:port`` of a URL: the unit every budget is kept for.

    Cached: a fetch asks for it twice (robots.txt, then its slot) and the URL's port and
    host name are parsed anew each time (4 µs)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or (443 if scheme == "https" else 80)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` as a time: delay-seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return now + timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT by definition
        when = when.replace(tzinfo=now.tzinfo)
    return max(when, now)


def backoff_delay(attempt: int, base: float, rng: random.Random) -> float:
    """Exponential back-off with jitter: ``base * 2**attempt``, randomly 50-100% of it.

    The jitter keeps many workers that failed together from retrying together.
    """
    full = base * 2.0 ** min(attempt, 16)
    return float(full / 2 + rng.uniform(0, full / 2))


class RobotsRules:
    """One host's robots.txt, parsed by :mod:`urllib.robotparser`."""

    def __init__(
        self,
        parser: urllib.robotparser.RobotFileParser,
        *,
        reachable: bool,
        problem: str = "",
        server_down: bool = False,
        status: int | None = None,
        text: str = "",
    ) -> None:
        self._parser = parser
        # no robots.txt (a 4xx): nothing to match a URL against (can_fetch parses and quotes
        # each URL to find that out, 5 µs a fetch)
        self._allows_all = reachable and status is not None and 400 <= status < 500
        self.reachable = reachable
        self.problem = problem  # why it could not be had, when not reachable
        # no answer at all (refused, DNS, timeout): the server is down, not its robots.txt
        self.server_down = server_down
        self.status, self.text = status, text  # what it was read from (shared as is)

    @classmethod
    def from_response(
        cls, status: int | None, text: str, problem: str = "", *, server_down: bool = False
    ) -> RobotsRules:
        """Rules for what fetching robots.txt gave: a status (None: unreachable) and text."""
        parser = urllib.robotparser.RobotFileParser()
        if status is not None and 200 <= status < 300:
            parser.parse(text.splitlines())
        elif status is not None and 400 <= status < 500:
            parser.parse([])  # no robots.txt: no rules
        else:  # RFC 9309 2.3.1.4: unreachable means disallow everything
            parser.parse(["User-agent: *", "Disallow: /"])
        reachable = status is not None and status < 500
        if not reachable and not problem:
            problem = f"HTTP {status}"
        return cls(
            parser,
            reachable=reachable,
            problem=problem,
            server_down=server_down,
            status=status,
            text=text,
        )

    def allowed(self, url: str, user_agent: str) -> bool:
        return self._allows_all or bool(self._parser.can_fetch(user_agent, url))

    def crawl_delay(self, user_agent: str) -> float | None:
        delay = self._parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


@dataclass(frozen=True, slots=True)
class RobotsCopy:
    """A robots.txt response as another process read it; ``fresh`` while within its TTL."""

    status: int | None
    text: str
    problem: str
    fresh: bool
    server_down: bool = False

    def rules(self) -> RobotsRules:
        return RobotsRules.from_response(
            self.status, self.text, self.problem, server_down=self.server_down
        )


class SharedBudgets(Protocol):
    """Budgets kept where every worker process sees them (the store's host-budget table).

    Times are the processes' common wall clock; tokens name one request's place.
    """

    def take(
        self, host: str, per_host: int, concurrency: int, delay: float
    ) -> tuple[str, float] | None:
        """Take an in-flight place at ``host`` when fewer than ``per_host`` are taken there
        and fewer than ``concurrency`` overall, and claim its next start time (the later of
        now and the host's next start; the host's next start moves ``delay`` past it).
        Returns the place's token and the seconds to wait for that start, or None when full."""

    def give_back(self, token: str) -> None: ...

    def block(self, host: str, until: datetime) -> None:
        """Leave ``host`` alone until ``until`` (a Retry-After); a later block wins."""

    def blocked_until(self, host: str) -> datetime | None: ...

    def robots_get(self, host: str) -> RobotsCopy | None: ...

    def robots_claim(self, host: str, seconds: float) -> bool:
        """Whether this process should fetch the host's robots.txt now (no other process has
        claimed it within ``seconds``)."""

    def robots_put(self, host: str, rules: RobotsRules, ttl: float) -> None: ...

    def close(self) -> None: ...


@dataclass
class _Host:
    """Per-host state; ``lock`` guards everything but the semaphore."""

    slots: threading.BoundedSemaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    robots_lock: threading.Lock = field(default_factory=threading.Lock)
    # a shared place of the host this process gave back: one of its threads waiting for
    # one tries again at once instead of sleeping out its poll (up to SHARED_POLL_MAX)
    given_back: threading.Condition = field(default_factory=threading.Condition)
    next_start: float = 0.0  # monotonic time before which no request may start
    not_before: datetime | None = None  # Retry-After
    robots: RobotsRules | None = None
    robots_expires: float = 0.0
    delay: float = 0.0


class Politeness:
    """Shared by all fetches of a process; thread-safe."""

    def __init__(
        self,
        settings: PolitenessSettings | None = None,
        *,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        shared: SharedBudgets | None = None,
    ) -> None:
        """``shared``: budgets kept with the other worker processes (None: this process is
        the only one fetching)."""
        self.settings = settings or PolitenessSettings()
        self.shared = shared
        self._clock = clock
        self._monotonic = monotonic
        self.sleep = sleep
        self._rng = rng or random.Random()
        self._global = threading.BoundedSemaphore(self.settings.concurrency)
        self._hosts: dict[str, _Host] = {}
        self._waiting: dict[str, int] = {}  # host -> requests sleeping out its delay
        self._lock = threading.Lock()

    def _host(self, key: str) -> _Host:
        with self._lock:
            host = self._hosts.get(key)
            if host is None:
                host = _Host(
                    threading.BoundedSemaphore(self.settings.per_host),
                    delay=self.settings.host_delay,
                )
                self._hosts[key] = host
            return host

    # ------------------------------------------------------------------ robots.txt

    def robots(self, url: str, load: Callable[[], RobotsRules], user_agent: str) -> RobotsRules:
        """The host's rules, loaded through ``load`` at most once per ``robots_ttl``.

        One thread loads while the others for that host wait, so a cold cache costs the
        site one request, not one per worker.
        """
        key = host_key(url)
        host = self._host(key)
        with host.robots_lock:
            now = self._monotonic()
            if host.robots is not None and now < host.robots_expires:
                return host.robots
            ttl = self.settings.robots_ttl
            fresh = self._shared_robots(key)
            last_good = host.robots if host.robots is not None and host.robots.reachable else None
            if fresh is None:
                fresh = load()
                if not fresh.reachable:
                    ttl = min(ttl, UNREACHABLE_TTL)
                    shared = self.shared.robots_get(key) if self.shared is not None else None
                    if last_good is None and shared is not None and shared.rules().reachable:
                        last_good = shared.rules()
                    if last_good is not None:
                        fresh = last_good  # keep the last good copy while the server is down
                if self.shared is not None:
                    self.shared.robots_put(key, fresh, ttl)
            crawl = fresh.crawl_delay(user_agent)
            with host.lock:
                host.delay = max(
                    self.settings.host_delay, min(crawl or 0.0, self.settings.max_crawl_delay)
                )
            host.robots, host.robots_expires = fresh, self._monotonic() + ttl
            return fresh

    def _shared_robots(self, key: str) -> RobotsRules | None:
        """Another process's fresh copy of the host's robots.txt, waiting briefly while one
        is fetching it; None when this process is to fetch it."""
        if self.shared is None:
            return None
        deadline = self._monotonic() + ROBOTS_CLAIM_SECONDS
        while True:
            copy = self.shared.robots_get(key)
            if copy is not None and copy.fresh:
                return copy.rules()
            if self._monotonic() >= deadline or self.shared.robots_claim(key, ROBOTS_CLAIM_SECONDS):
                return None
            self.sleep(SHARED_POLL * (1 + self._rng.random()))

    # ------------------------------------------------------------------ budgets

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Hold one request's place: the host's budget, its delay, then a global place.

        Raises :class:`HostBackoff` when the host asked us to wait longer than ``max_wait``.
        The host slot is taken before the global one, so a busy host never holds global
        places while its requests queue. The host's Retry-After is checked again once the
        places are held, the moment the request is about to go out: a 429 that came while
        this request waited for its turn is obeyed too.
        """
        key = host_key(url)
        host = self._host(key)
        while True:
            self._wait_for_host(url, host, key)  # raises when that is too far off
            with host.slots:
                token, wait = self._reserve(key, host)
                try:
                    if wait > 0:
                        self._delayed(key, +1)
                        try:
                            self.sleep(wait)
                        finally:
                            self._delayed(key, -1)
                    with self._global:
                        if self._blocked(host, key) is None:
                            yield
                            return
                finally:
                    if token is not None and self.shared is not None:
                        self.shared.give_back(token)
                        with host.given_back:
                            host.given_back.notify()
            # the host asked us to wait while this request queued: places given back

    def _reserve(self, key: str, host: _Host) -> tuple[str | None, float]:
        """This request's start: (a shared place's token, seconds to wait until it starts)."""
        if self.shared is None:
            with host.lock:
                now = self._monotonic()
                start = max(now, host.next_start)
                host.next_start = start + host.delay
            return None, start - now
        settings = self.settings
        pause = SHARED_POLL
        while True:
            taken = self.shared.take(key, settings.per_host, settings.concurrency, host.delay)
            if taken is not None:
                return taken
            # full: another process's turn; every waiting thread of every host polls, so
            # back off (the store is not to be hammered while a slow site holds its places),
            # but wake at once when a thread of this process gives one of the host's back.
            # This wait is on the real clock, not the injected ``sleep``: places are held
            # by real requests
            with host.given_back:
                host.given_back.wait(pause * (1 + self._rng.random()))
            pause = min(pause * 2, SHARED_POLL_MAX)

    def _delayed(self, key: str, step: int) -> None:
        with self._lock:
            left = self._waiting.get(key, 0) + step
            if left > 0:
                self._waiting[key] = left
            else:
                self._waiting.pop(key, None)

    def held_back(self) -> dict[str, float]:
        """Hosts whose delay is what requests are waiting for now, with that delay."""
        with self._lock:
            keys = list(self._waiting)
        return {key: self._host(key).delay for key in keys}

    def _blocked(self, host: _Host, key: str) -> datetime | None:
        with host.lock:
            not_before = host.not_before
        if self.shared is not None:
            elsewhere = self.shared.blocked_until(key)
            if elsewhere is not None and (not_before is None or elsewhere > not_before):
                not_before = elsewhere
        if not_before is None or not_before <= self._clock():
            return None
        return not_before

    def _wait_for_host(self, url: str, host: _Host, key: str) -> None:
        not_before = self._blocked(host, key)
        if not_before is None:
            return
        wait = (not_before - self._clock()).total_seconds()
        if wait > self.settings.max_wait:
            raise HostBackoff(
                url,
                f"{key} asked us to wait until {iso(not_before)} (Retry-After)",
                retry_after=not_before,
            )
        self.sleep(wait)

    def defer(self, url: str, until: datetime) -> None:
        """Leave the URL's host alone until ``until`` (a Retry-After), in every process."""
        key = host_key(url)
        host = self._host(key)
        with host.lock:
            if host.not_before is None or until > host.not_before:
                host.not_before = until
        if self.shared is not None:
            self.shared.block(key, until)

    def retry_wait(self, attempt: int, retry_after: datetime | None) -> float:
        """Seconds to wait before retry number ``attempt + 1``: Retry-After, else back-off."""
        if retry_after is not None:
            return max(0.0, (retry_after - self._clock()).total_seconds())
        return backoff_delay(attempt, self.settings.backoff_base, self._rng)
