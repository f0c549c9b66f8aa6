"""Alerts against bad receivers and bad rules (issue 16): one webhook that hangs, answers
late or drips its status line must not starve the healthy channels, and a template that
raises or runs away fails its own delivery for good without holding anyone else's.

Real parts: the local article site, real SQLite files, real receivers (an HTTP sink and a
raw-socket receiver that stalls); only the clock of the checks is injected.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from newswatch.cli import main
from newswatch.config import parse_config
from newswatch.runtime import Runtime, build_runtime
from tests.conftest import PageServer
from tests.receivers import HttpSink, StallingReceiver
from tests.test_alert_pipeline import FakeClock

CHANGES = 12


@pytest.fixture
def sink(httpserver: HTTPServer) -> HttpSink:
    return HttpSink(httpserver)


def build(tmp_path: Path, site: PageServer, alerts: str, clock: FakeClock) -> Runtime:
    # a short confirmation wait: each small change is still fetched once more, but the
    # dozen changes these tests make do not wait 2 s each
    text = f"""
fetch: {{host_delay: 0s, retries: 0, confirm: 0.1s}}
schedule: {{adaptive: false}}
database: watch.db
sources:
  - {{name: alhurra, url: "{site.url}", timezone: Asia/Riyadh}}
alerts:
{alerts}
"""
    config = parse_config(text, str(tmp_path / "config.yaml"), environ={})
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    return build_runtime(config, clock=clock)


def make_changes(rt: Runtime, site: PageServer, clock: FakeClock, count: int) -> None:
    """``count`` real changes through the pipeline (the page flips between two versions)."""
    site.serve("v1.html")
    rt.checker.run_pass(force=True)
    for i in range(count):
        site.serve("v2.html" if i % 2 == 0 else "v3.html")
        clock.advance(60)
        rt.checker.run_pass(force=True)


def rows(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "watch.db") as db:
        return db.execute(sql).fetchall()


def run_bounded(rt: Runtime, seconds: float) -> tuple[Any, float]:
    """``run_once`` on a thread; fail (instead of hanging the suite) past ``seconds``."""
    box: dict[str, Any] = {}
    started = time.monotonic()
    thread = threading.Thread(target=lambda: box.update(report=rt.dispatcher.run_once()))
    thread.daemon = True
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"one dispatch round did not end within {seconds}s"
    return box["report"], time.monotonic() - started


@pytest.fixture(params=["hang", "late", "drip"])
def stalled(request: pytest.FixtureRequest) -> Iterator[StallingReceiver]:
    receiver = StallingReceiver(request.param)
    yield receiver
    receiver.close()


def test_a_stalled_webhook_does_not_starve_the_healthy_ones(
    tmp_path: Path,
    site: PageServer,
    sink: HttpSink,
    stalled: StallingReceiver,
) -> None:
    clock = FakeClock()
    hooks = {"stuck": stalled.url, "desk": sink.url("/desk"), "wire": sink.url("/wire")}
    alerts = "".join(
        f'  - {{name: {name}, kind: webhook, url: "{url}", timeout: 1s, digest: null}}\n'
        for name, url in hooks.items()
    )
    with build(tmp_path, site, alerts, clock) as rt:
        make_changes(rt, site, clock, CHANGES)
        # one round: the healthy channels get everything while the stalled one is still
        # on its first attempt; the round ends at that attempt's budget (1.5 x 1s + 1s)
        report, _ = run_bounded(rt, 60)
        assert len(sink.at("/desk")) == CHANGES and len(sink.at("/wire")) == CHANGES
        assert report.delivered == 2 * CHANGES
        assert stalled.requests == 1  # one abandoned attempt, no pile-up on the stalled one
        states = dict(
            rows(
                tmp_path,
                "SELECT channel, group_concat(DISTINCT state) FROM deliveries GROUP BY channel",
            )
        )
        assert states == {"desk": "delivered", "wire": "delivered", "stuck": "pending"}
        (error,) = rows(
            tmp_path, "SELECT last_error FROM deliveries WHERE channel = 'stuck' AND attempts = 1"
        )
        # the HTTP timeout, or the dispatcher's budget when the exchange outlives it: the
        # round ended at the attempt's budget, not at the late answer (30 s) or never
        assert "timed out" in error[0] or "no answer within 2.5s" in error[0], error
        # new changes keep flowing to the healthy channels in later rounds, whatever the
        # stalled lane is doing
        make_changes(rt, site, clock, 2)
        clock.advance(3600)
        run_bounded(rt, 60)
        assert len(sink.at("/desk")) == CHANGES + 3  # back to v1, then v2, v3


TEMPLATES = {
    "divide": "{{ 1 // 0 }}",
    "recurse": "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "huge-range": "{% for i in range(10**9) %}x{% endfor %}",
    "spin": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "repeat": "{{ 'x' * 10**9 }}",
    "power": "{{ 2 ** 1000000000 }}",
}


def test_template_errors_fail_their_delivery_for_good_and_hold_nobody(
    tmp_path: Path, site: PageServer, sink: HttpSink
) -> None:
    clock = FakeClock()
    alerts = "".join(
        f'  - {{name: {name}, kind: webhook, url: "{sink.url("/" + name)}",'
        f" template: {template!r}}}\n"
        for name, template in TEMPLATES.items()
    )
    apprise = sink.url("/subject").replace("http://", "json://")
    alerts += (
        f"  - {{name: subject, kind: apprise, urls: ['{apprise}'],"
        ' subject: "{{ title }}\\n{{ source }}"}\n'
        f'  - {{name: desk, kind: webhook, url: "{sink.url("/desk")}"}}\n'
    )
    with build(tmp_path, site, alerts, clock) as rt:
        make_changes(rt, site, clock, 3)
        report, _ = run_bounded(rt, 120)
        assert len(sink.at("/desk")) == 3
        broken = [*TEMPLATES, "subject"]
        assert report.failed == 3 * len(broken) and report.retried == 0
        for name in broken:
            assert sink.at("/" + name) == [], name
        failed = rows(
            tmp_path,
            "SELECT channel, count(*), max(attempts) FROM deliveries WHERE state = 'failed'"
            " GROUP BY channel",
        )
        assert sorted(failed) == sorted((name, 3, 1) for name in broken)
        (subject_error,) = rows(
            tmp_path, "SELECT DISTINCT last_error FROM deliveries WHERE channel = 'subject'"
        )
        assert "more than one line" in subject_error[0]
        (spin_error,) = rows(
            tmp_path, "SELECT DISTINCT last_error FROM deliveries WHERE channel = 'spin'"
        )
        assert "took more than" in spin_error[0]
        # never retried: a later round sends nothing more and changes no failed row
        clock.advance(7 * 86400)
        again, _ = run_bounded(rt, 60)
        assert (again.delivered, again.retried, again.failed) == (0, 0, 0)
    shown = CliRunner().invoke(main, ["--config", str(tmp_path / "config.yaml"), "sources"])
    assert shown.exit_code == 0, shown.output
    assert f"failed {3 * len(broken)}" in shown.output
    assert "template failed" in shown.output or "subject template failed" in shown.output
