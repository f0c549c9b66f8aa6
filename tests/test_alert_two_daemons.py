"""Two daemons on one SQLite file, one killed -9 midway: every change delivered, and no
delivery sent twice except the one the killed daemon may have had in flight (at least
once, with the same ``Idempotency-Key``: the documented window).

Real processes (``newswatch run``), a real page that changes on every check, a real
webhook receiver that takes a moment to answer (so two senders would overlap if the
outbox let them).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import PageServer
from tests.receivers import HttpSink
from tests.test_alert_crash import query, start, wait_for


class SlowSink(HttpSink):
    """The HTTP sink, answering each POST after a short pause."""

    def _handle(self, request: Request) -> Response:
        time.sleep(0.5)
        return super()._handle(request)


@pytest.mark.slow
def test_two_daemons_one_killed_send_every_change_once(
    tmp_path: Path, site: PageServer, httpserver: HTTPServer
) -> None:
    sink = SlowSink(httpserver)
    flips = {"n": 0}

    def flip(hits: int) -> None:  # every check sees a new version
        if flips["n"] < 14:
            flips["n"] += 1
            site.serve("v2.html" if hits % 2 else "v3.html")

    site.on_hit = flip
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: watch.db\n"
        "schedule: {adaptive: false}\n"
        # the page flips on every request: a confirmation fetch would rightly call the
        # flipping word volatile, so this test of delivery counts turns confirmation off
        "fetch: {confirm: 0}\n"
        f"sources:\n  - {{name: alhurra, url: '{site.url}', interval: 1s}}\n"
        f"alerts:\n  - {{name: desk, kind: webhook, url: '{sink.url('/desk')}',"
        " timeout: 1s, digest: null}\n",
        encoding="utf-8",
    )
    db = tmp_path / "watch.db"
    first = start(config)
    wait_for("the database", lambda: query(db, "SELECT count(*) FROM versions") != [])
    second = start(config)
    procs = [first, second]
    try:
        wait_for("six changes", lambda: query(db, "SELECT count(*) FROM changes")[0][0] >= 6, 120)
        first.kill()  # SIGKILL midway: its claims are left to expire
        first.wait(timeout=60)
        wait_for("the last change", lambda: flips["n"] >= 14, 120)
        wait_for(
            "every delivery delivered",
            lambda: (
                query(db, "SELECT count(*) FROM deliveries WHERE state != 'delivered'") == [(0,)]
            ),
            60,
        )
        changes = {row[0] for row in query(db, "SELECT uid FROM changes")}
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=60)
        assert second.returncode == 0, output
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    received = sink.at("/desk")
    ids = Counter(r.json()["id"] for r in received)
    assert set(ids) == changes and len(changes) >= 10
    twice = {i: n for i, n in ids.items() if n > 1}
    assert sum(twice.values()) - len(twice) <= 1, twice  # only the killed one's in-flight send
    for change_id in twice:
        keys = {r.headers["Idempotency-Key"] for r in received if r.json()["id"] == change_id}
        assert len(keys) == 1
