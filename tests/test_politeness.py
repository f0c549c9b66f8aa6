"""Politeness against real local servers: robots.txt, per-host and global budgets, delays,
429 + Retry-After. Time is injected (sleep records instead of waiting); nothing asserts on
wall-clock timing."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newswatch import politeness
from newswatch.check import Checker
from newswatch.errors import HostBackoff, HTTPStatusError, RobotsDisallowed
from newswatch.fetch import Fetcher
from newswatch.politeness import (
    Politeness,
    PolitenessSettings,
    backoff_delay,
    host_key,
    parse_retry_after,
)
from newswatch.store import SourceSpec, open_budgets, open_store
from tests.conftest import PageServer

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


class FakeTime:
    """A clock and a monotonic counter that only move when someone sleeps."""

    def __init__(self) -> None:
        self.now = T0
        self.mono = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.mono += seconds
        self.now += timedelta(seconds=seconds)


def polite(fake: FakeTime, **settings: float) -> Politeness:
    return Politeness(
        PolitenessSettings(**settings),  # type: ignore[arg-type]
        clock=fake.clock,
        monotonic=fake.monotonic,
        sleep=fake.sleep,
        rng=random.Random(1),
    )


# ------------------------------------------------------------------ pure parts


def test_retry_after_seconds_or_http_date() -> None:
    assert parse_retry_after("120", T0) == T0 + timedelta(seconds=120)
    later = T0 + timedelta(minutes=5)
    assert parse_retry_after(format_datetime(later, usegmt=True), T0) == later
    assert parse_retry_after(format_datetime(T0 - timedelta(hours=1), usegmt=True), T0) == T0
    assert parse_retry_after("soon", T0) is None
    assert parse_retry_after(None, T0) is None


def test_backoff_grows_exponentially_with_jitter() -> None:
    rng = random.Random(3)
    for attempt in range(5):
        waits = {backoff_delay(attempt, 2.0, rng) for _ in range(20)}
        full = 2.0 * 2**attempt
        assert all(full / 2 <= w <= full for w in waits) and len(waits) > 1


def test_host_key_shares_one_budget_per_host() -> None:
    assert host_key("https://Example.org/a?x") == host_key("https://example.org:443/b")
    assert host_key("http://example.org/a") != host_key("https://example.org/a")


# ------------------------------------------------------------------ robots.txt


@pytest.mark.own_robots
def test_robots_disallow_is_a_recorded_clear_error_and_the_switch_overrides(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    robots_hits: list[str] = []

    def robots(request: Request) -> Response:
        robots_hits.append(request.headers.get("User-Agent", ""))
        return Response("User-agent: *\nDisallow: /article\n", content_type="text/plain")

    httpserver.expect_request("/robots.txt").respond_with_handler(robots)
    site = PageServer(httpserver)
    fake = FakeTime()
    store = open_store(tmp_path / "r.db")
    store.sync_sources([SourceSpec("alhurra", site.url, "article", 60.0, "UTC")], fake.now)
    fetcher = Fetcher(clock=fake.clock, politeness=polite(fake, host_delay=0))
    try:
        (report,) = Checker(store, fetcher, clock=fake.clock).run_pass()
        assert report.outcome == "error"
        assert report.error is not None and "disallowed by robots.txt" in report.error
        assert site.hits == 0
        record = store.find_article(site.url)
        assert record is not None and "disallowed by robots.txt" in (record.last_error or "")
        assert store.fetches(record.id)[0]["error_kind"] == "robots"
        # the source's robots: false (the user has permission) overrides
        checker = Checker(store, fetcher, clock=fake.clock, robots_ignored=["alhurra"])
        (report,) = checker.run_pass(force=True)
        assert report.outcome == "first_version" and site.hits == 1
        # robots.txt was fetched once (cached per host), with our User-Agent
        with pytest.raises(RobotsDisallowed):
            fetcher.fetch(site.url)
        assert len(robots_hits) == 1 and robots_hits[0].startswith("newswatch/")
    finally:
        fetcher.close()
        store.close()


@pytest.mark.own_robots
def test_robots_cache_expires_and_an_unreachable_robots_txt_blocks(
    httpserver: HTTPServer,
) -> None:
    state = {"status": 200}
    httpserver.expect_request("/robots.txt").respond_with_handler(
        lambda _r: Response("User-agent: *\nAllow: /\n", status=state["status"])
    )
    site = PageServer(httpserver)
    fake = FakeTime()
    fetcher = Fetcher(clock=fake.clock, politeness=polite(fake, host_delay=0, robots_ttl=60))
    try:
        assert fetcher.fetch(site.url).status == 200
        state["status"] = 503
        fake.sleep(61)  # cache expired; the server fails: the last good copy is kept
        assert fetcher.fetch(site.url).status == 200
        fresh = Fetcher(clock=fake.clock, politeness=polite(fake, host_delay=0))
        with pytest.raises(RobotsDisallowed, match=r"robots\.txt could not be fetched"):
            fresh.fetch(site.url)  # no good copy: RFC 9309 says disallow everything
        fresh.close()
    finally:
        fetcher.close()


# ------------------------------------------------------------------ budgets


class CountingServer:
    """A threaded server that counts requests in flight at once (each takes a moment)."""

    def __init__(self, hold: float = 0.05) -> None:
        self.in_flight = 0
        self.peak = 0
        self.paths: list[str] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with outer.lock:
                    outer.in_flight += 1
                    outer.peak = max(outer.peak, outer.in_flight)
                    outer.paths.append(self.path)
                # overlap is what we count, during the hold; it ends before a byte of the
                # answer goes out, so a client's next request can never race our count
                time.sleep(hold)
                with outer.lock:
                    outer.in_flight -= 1
                if self.path == "/robots.txt":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"<html><head><title>t</title></head><body><p>x</p></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def counting() -> Iterator[CountingServer]:
    server = CountingServer()
    yield server
    server.close()


def test_per_host_concurrency_is_never_exceeded_across_sources(
    tmp_path: Path, counting: CountingServer
) -> None:
    base = f"http://127.0.0.1:{counting.port}"
    store = open_store(tmp_path / "c.db")
    # two sources on the same host share one budget
    store.sync_sources(
        [
            SourceSpec("one", f"{base}/one", "index", 60.0, "UTC"),
            SourceSpec("two", f"{base}/two", "index", 60.0, "UTC"),
        ],
        T0,
    )
    store.add_articles("one", [f"{base}/one/{i}" for i in range(8)], T0)
    store.add_articles("two", [f"{base}/two/{i}" for i in range(8)], T0)
    fetcher = Fetcher(politeness=Politeness(PolitenessSettings(per_host=2, host_delay=0)))
    try:
        reports = Checker(store, fetcher, clock=lambda: T0).run_pass(workers=8)
        assert len(reports) == 16
        assert len([p for p in counting.paths if p != "/robots.txt"]) == 16
        assert counting.paths.count("/robots.txt") == 1
        assert 1 <= counting.peak <= 2
    finally:
        fetcher.close()
        store.close()


def test_global_concurrency_bound_holds_over_hosts(counting: CountingServer) -> None:
    hosts = [f"http://127.0.0.1:{counting.port}", f"http://localhost:{counting.port}"]
    urls = [f"{h}/p/{i}" for h in hosts for i in range(6)]
    settings = PolitenessSettings(per_host=10, concurrency=3, host_delay=0, robots=False)
    fetcher = Fetcher(politeness=Politeness(settings))
    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(fetcher.fetch, urls))
        assert [r.status for r in results] == [200] * 12
        assert 1 <= counting.peak <= 3
    finally:
        fetcher.close()


def test_minimum_delay_between_requests_to_one_host(counting: CountingServer) -> None:
    fake = FakeTime()
    fetcher = Fetcher(clock=fake.clock, politeness=polite(fake, host_delay=5))
    other = f"http://localhost:{counting.port}/x"
    try:
        for i in range(4):
            fetcher.fetch(f"http://127.0.0.1:{counting.port}/p/{i}")
        fetcher.fetch(other)  # another host has its own budget, starting afresh
        # per host: robots.txt, then each request starts 5 s after the previous one
        assert fake.sleeps == [5.0] * 5
        first = ["/robots.txt", "/p/0", "/p/1", "/p/2", "/p/3"]
        assert counting.paths == [*first, "/robots.txt", "/x"]
    finally:
        fetcher.close()


# ------------------------------------------------------------------ 429 / 503


def test_429_retry_after_is_obeyed_by_the_next_check(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    site = PageServer(httpserver)
    site.status = 429
    fake = FakeTime()
    hits: list[int] = []
    site.on_hit = hits.append

    def limited(request: Request) -> Response:
        hits.append(0)
        return Response("slow down", status=429, headers={"Retry-After": "600"})

    httpserver.expect_request("/limited").respond_with_handler(limited)
    store = open_store(tmp_path / "l.db")
    url = httpserver.url_for("/limited")
    store.sync_sources([SourceSpec("busy", url, "article", 60.0, "UTC")], fake.now)
    fetcher = Fetcher(clock=fake.clock, politeness=polite(fake, host_delay=0, max_wait=30))
    try:
        (report,) = Checker(store, fetcher, clock=fake.clock).run_pass()
        assert report.outcome == "error" and "HTTP 429" in (report.error or "")
        assert hits == [0]  # Retry-After beyond max_wait: no retry in place
        record = store.find_article(url)
        assert record is not None and record.next_check_at is not None
        assert record.next_check_at >= T0 + timedelta(seconds=600)  # not before the given time
        # meanwhile the whole host is left alone, for every source
        with pytest.raises(HostBackoff) as info:
            fetcher.fetch(site.url)
        assert info.value.retry_after == T0 + timedelta(seconds=600)
        assert hits == [0]
        fake.sleep(601)
        site.status = 200
        assert fetcher.fetch(site.url).status == 200
    finally:
        fetcher.close()
        store.close()


def test_short_retry_after_and_503_are_retried_in_place(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    answers = [
        Response("busy", status=503),
        Response("later", status=429, headers={"Retry-After": "7"}),
        Response("<html><title>ok</title><p>fine</p></html>", content_type="text/html"),
    ]
    httpserver.expect_request("/flaky").respond_with_handler(lambda _r: answers.pop(0))
    fake = FakeTime()
    fetcher = Fetcher(clock=fake.clock, politeness=polite(fake, host_delay=0, backoff_base=2))
    try:
        assert fetcher.fetch(httpserver.url_for("/flaky")).status == 200
        assert len(fake.sleeps) == 2
        assert 1.0 <= fake.sleeps[0] <= 2.0  # back-off with jitter after the 503
        assert fake.sleeps[1] == 7.0  # the server's Retry-After
        answers.extend([Response("busy", status=503)] * 3)
        with pytest.raises(HTTPStatusError) as info:
            fetcher.fetch(httpserver.url_for("/flaky"))  # retries run out: the error stands
        assert info.value.status == 503 and not answers
    finally:
        fetcher.close()


def test_a_shared_place_given_back_is_taken_by_a_waiting_thread_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Places shared with other processes are polled for, backing off; a place a thread of
    this process gives back wakes one of its threads waiting for the host at once, so a
    place does not sit free for a poll's length while work waits for it."""
    monkeypatch.setattr(politeness, "SHARED_POLL", 30.0)  # a poll would outlast the test
    path = str(tmp_path / "budgets.db")
    shared, elsewhere = open_budgets(path, hold_seconds=60), open_budgets(path, hold_seconds=60)
    assert shared is not None and elsewhere is not None
    polite_ = Politeness(PolitenessSettings(per_host=2, host_delay=0), shared=shared)
    url = "http://site.example/a"
    # another process holds one of the host's two places: this one's second thread polls
    assert elsewhere.take(host_key(url), 2, 10, 0.0) is not None
    holding, release, second_in = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with polite_.slot(url):
            holding.set()
            release.wait(30)

    def second() -> None:
        with polite_.slot(url):
            second_in.set()

    one = threading.Thread(target=first, daemon=True)
    one.start()
    assert holding.wait(30)
    two = threading.Thread(target=second, daemon=True)
    two.start()
    assert not second_in.wait(0.5)  # both places held: the second waits for one
    release.set()
    try:
        assert second_in.wait(15)  # not after the 30-60 s poll
    finally:
        release.set()
        one.join(5)
        two.join(60)
        shared.close()
        elsewhere.close()
