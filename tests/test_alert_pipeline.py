"""Alerts through the whole pipeline: routing at record time, digests, source health, retries.

Real parts throughout: a local HTTP site, real SQLite files, real receivers; only the clock
is injected, so a burst of 50 changes over 25 minutes runs in a second.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newswatch.config import parse_config
from newswatch.runtime import Runtime, build_runtime
from tests.conftest import PageServer
from tests.receivers import HttpSink, smtp_sink


class FakeClock:
    """The injected clock: it moves only when the test says so."""

    def __init__(self) -> None:
        self.now = datetime(2016, 7, 20, 18, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sink(httpserver: HTTPServer) -> HttpSink:
    return HttpSink(httpserver)


def runtime(tmp_path: Path, text: str, clock: FakeClock) -> Runtime:
    # the clock is simulated: no real pauses between requests or before retries
    text = "fetch: {host_delay: 0s, retries: 0}\n" + text
    config = parse_config(text, str(tmp_path / "config.yaml"), environ={})
    return build_runtime(config, clock=clock)


def cycle(rt: Runtime) -> None:
    rt.checker.run_pass(force=True)
    rt.dispatcher.run_once()


def rows(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "watch.db") as db:
        return db.execute(sql).fetchall()


# --------------------------------------------------------------------------- routing


def test_each_change_goes_only_where_its_rules_say(
    tmp_path: Path, site: PageServer, sink: HttpSink, clock: FakeClock
) -> None:
    hook = sink.url
    text = f"""
database: watch.db
sources:
  - {{name: alhurra, url: "{site.url}", timezone: Asia/Riyadh}}
alerts:
  - {{name: desk, kind: webhook, url: "{hook("/desk")}", sources: ["alhur*"]}}
  - {{name: silent, kind: webhook, url: "{hook("/silent")}", on: [silent_edit]}}
  - {{name: major, kind: webhook, url: "{hook("/major")}", min_severity: major}}
  - {{name: headlines, kind: webhook, url: "{hook("/headlines")}", on: [title_changed]}}
  - {{name: other, kind: webhook, url: "{hook("/other")}", sources: ["bbc-*", "reuters"]}}
"""
    with runtime(tmp_path, text, clock) as rt:
        for name in ("v1.html", "v2.html", "v3.html"):
            site.serve(name)
            cycle(rt)
            clock.advance(60)
        changes = {c.to_n: c for c in rt.store.changes()}
    assert sorted(changes) == [2, 3]
    assert changes[2].title_changed and not changes[2].silent
    assert changes[3].silent and not changes[3].title_changed

    def got(path: str) -> list[int]:
        return [r.json()["change"]["to"] for r in sink.at(path)]

    assert got("/desk") == [2, 3]
    assert got("/silent") == [3]
    assert got("/headlines") == [2]
    assert got("/major") == [n for n in (2, 3) if changes[n].severity == "major"]
    assert got("/other") == []
    # the routing was decided at record time: rows only for the rules that matched
    channels = sorted(c for (c,) in rows(tmp_path, "SELECT channel FROM deliveries"))
    expected = ["desk", "desk", "headlines", "silent"] + ["major"] * len(got("/major"))
    assert channels == sorted(expected)
    assert rows(tmp_path, "SELECT DISTINCT state FROM deliveries") == [("delivered",)]


# --------------------------------------------------------------------------- digests


class LiveBlog:
    """A live page that gains one paragraph on every request (a change per check)."""

    def __init__(self, server: HTTPServer) -> None:
        self.hits = 0
        self.failing = False
        self.empty = False
        self._lock = threading.Lock()
        server.expect_request("/live").respond_with_handler(self._page)
        self.url = server.url_for("/live")

    def _page(self, request: Request) -> Response:
        with self._lock:
            if self.failing:
                return Response("down", status=503)
            if self.empty:
                return Response(
                    "<html><body><nav>menu</nav></body></html>", content_type="text/html"
                )
            self.hits += 1
            n = self.hits
        paragraphs = "".join(
            f"<p>تحديث رقم {i}: قال المتحدث باسم الوزارة إن فرق الإنقاذ وصلت إلى المنطقة"
            " المتضررة وبدأت العمل فورا.</p>"
            for i in range(n, 0, -1)
        )
        html = (
            "<html lang='ar'><head><title>بث مباشر</title></head><body><article>"
            f"<h1>بث مباشر: آخر التطورات</h1>{paragraphs}</article></body></html>"
        )
        return Response(html, content_type="text/html; charset=utf-8")


@pytest.fixture
def live(httpserver: HTTPServer) -> LiveBlog:
    return LiveBlog(httpserver)


def test_a_burst_of_50_changes_becomes_digests(
    tmp_path: Path, live: LiveBlog, sink: HttpSink, clock: FakeClock
) -> None:
    text = f"""
database: watch.db
sources:
  - {{name: live, url: "{live.url}", interval: 30s}}
alerts:
  - {{name: desk, kind: webhook, url: "{sink.url("/desk")}", digest: {{after: 5, per: 10m}}}}
  - {{name: all, kind: webhook, url: "{sink.url("/all")}", digest: null}}
"""
    with runtime(tmp_path, text, clock) as rt:
        cycle(rt)  # the first version: no change
        for _ in range(50):
            clock.advance(30)
            cycle(rt)
        clock.advance(600)  # the burst is over: what is still held goes out
        rt.dispatcher.run_once()
        uids = [c.uid for c in rt.store.changes(limit=100)]
        states = rt.store.source_states()
    assert len(uids) == 50
    # without a digest limit, one alert per change
    assert len(sink.at("/all")) == 50
    messages = [r.json() for r in sink.at("/desk")]
    singles = [m for m in messages if m["type"] == "change"]
    digests = [m for m in messages if m["type"] == "digest"]
    assert len(singles) == 5
    # 30 s apart, after 5 per 10 min: one digest per 10 min while the burst lasts, then the rest
    assert [d["count"] for d in digests] == [21, 21, 3]
    covered = [m["id"] for m in singles] + [c["id"] for d in digests for c in d["changes"]]
    assert sorted(covered) == sorted(uids)  # every change exactly once
    assert all(d["count"] == len(d["changes"]) and d["source"] == "live" for d in digests)
    keys = [r.headers["Idempotency-Key"] for r in sink.at("/desk")]
    assert len(set(keys)) == len(keys)
    assert states[0].held_deliveries == 0 and states[0].pending_deliveries == 0


# --------------------------------------------------------------------------- source health


def test_one_failing_alert_after_n_failures_and_one_recovered(
    tmp_path: Path, live: LiveBlog, sink: HttpSink, clock: FakeClock
) -> None:
    text = f"""
database: watch.db
sources:
  - {{name: live, url: "{live.url}", failing_after: 3}}
alerts:
  - {{name: ops, kind: webhook, url: "{sink.url("/ops")}", on: [fetch_failing]}}
  - {{name: desk, kind: webhook, url: "{sink.url("/desk")}", on: [paragraphs_added]}}
"""

    def events() -> list[str]:
        return [r.json()["event"] for r in sink.at("/ops")]

    with runtime(tmp_path, text, clock) as rt:
        cycle(rt)
        live.failing = True
        for n in range(1, 7):
            clock.advance(60)
            cycle(rt)
            assert events() == ([] if n < 3 else ["source_failing"]), n
        state = rt.store.source_states()[0]
        assert state.health == "source_failing"
        live.failing = False
        clock.advance(60)
        cycle(rt)
        assert events() == ["source_failing", "recovered"]
        recovered = sink.at("/ops")[1].json()["message"]
        assert recovered == "live recovered (source_failing since 2016-07-20T18:03:00+00:00)"
        # then the page extracts empty: "extraction broken", once
        live.empty = True
        for _ in range(5):
            clock.advance(60)
            cycle(rt)
        assert events() == ["source_failing", "recovered", "extraction_broken"]
    failing = sink.at("/ops")[0].json()
    assert failing["source"] == "live" and "3 checks in a row failed" in failing["message"]
    assert "HTTP 503" in failing["message"]
    assert len(sink.at("/desk")) == 1  # the recovery's new paragraph, nothing per failure


def test_removed_article_is_alerted_once(
    tmp_path: Path, site: PageServer, sink: HttpSink, clock: FakeClock
) -> None:
    text = f"""
database: watch.db
sources:
  - {{name: alhurra, url: "{site.url}", failing_after: 100}}
alerts:
  - {{name: desk, kind: webhook, url: "{sink.url("/desk")}", on: [removed]}}
"""
    with runtime(tmp_path, text, clock) as rt:
        cycle(rt)
        site.status = 404
        for _ in range(3):
            clock.advance(60)
            cycle(rt)
    [removed] = [r.json() for r in sink.at("/desk")]
    assert removed["event"] == "removed" and removed["url"] == site.url
    assert "HTTP 404" in removed["message"]


# --------------------------------------------------------------------------- receivers down


def test_mail_server_down_gets_the_alert_once_it_is_back(
    tmp_path: Path, site: PageServer, clock: FakeClock
) -> None:
    from tests.receivers import free_port

    port = free_port()  # nothing listens here yet
    text = f"""
database: watch.db
sources:
  - {{name: alhurra, url: "{site.url}"}}
alerts:
  - name: mail
    kind: email
    smtp: smtp://127.0.0.1:{port}
    from: newswatch@example.org
    to: desk@example.org
    timeout: 5s
"""
    with runtime(tmp_path, text, clock) as rt:
        cycle(rt)
        site.serve("v2.html")
        cycle(rt)
        for _ in range(2):  # two more failed attempts, each pushed back
            clock.advance(3600)
            rt.dispatcher.run_once()
        [(state, attempts, error)] = rows(
            tmp_path, "SELECT state, attempts, last_error FROM deliveries"
        )
        assert (state, attempts) == ("pending", 3) and "refused" in error.lower()
        gen = smtp_sink(tmp_path, port=port)
        server = next(gen)
        try:
            clock.advance(3600)
            rt.dispatcher.run_once()
            clock.advance(3600)
            rt.dispatcher.run_once()  # nothing left to send
            [msg] = server.messages
            assert "كارتر" in str(msg["Subject"])
        finally:
            gen.close()
    assert rows(tmp_path, "SELECT state FROM deliveries") == [("delivered",)]


def test_a_delivery_that_keeps_failing_is_marked_failed_and_shown(
    tmp_path: Path, site: PageServer, sink: HttpSink, clock: FakeClock
) -> None:
    from click.testing import CliRunner

    from newswatch.cli import main

    sink.status["/desk"] = 500
    text = f"""
database: watch.db
sources:
  - {{name: alhurra, url: "{site.url}"}}
alerts:
  - {{name: desk, kind: webhook, url: "{sink.url("/desk")}"}}
"""
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    with runtime(tmp_path, text, clock) as rt:
        cycle(rt)
        site.serve("v2.html")
        cycle(rt)
        for _ in range(12):
            clock.advance(3600)
            rt.dispatcher.run_once()
    assert rows(tmp_path, "SELECT state, attempts FROM deliveries") == [("failed", 12)]
    shown = CliRunner().invoke(main, ["--config", str(tmp_path / "config.yaml"), "sources"])
    assert "failed 1" in shown.output
    assert "last alert error: desk: webhook" in shown.output and "HTTP 500" in shown.output
