"""A kill -9 between writing a change and delivering it: exactly one delivery after restart.

The daemon runs as a real subprocess. The receiver first answers 503, so the change and its
pending delivery are committed but not delivered when the daemon is killed with SIGKILL; the
receiver then comes back, the daemon is restarted, and the receiver must count one alert.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import PageServer
from tests.receivers import HttpSink


def wait_for(what: str, condition: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=10) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []


def start(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        text=True,
    )


@pytest.mark.slow
def test_kill_9_before_delivery_ends_with_exactly_one_delivery(
    tmp_path: Path, site: PageServer, httpserver: HTTPServer
) -> None:
    sink = HttpSink(httpserver)
    sink.status["/desk"] = 503
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: watch.db\n"
        # the fixture article dates from 2016: the adaptive schedule would wait a day
        "schedule: {adaptive: false}\n"
        f"sources:\n  - {{name: alhurra, url: '{site.url}', interval: 1s}}\n"
        f"alerts:\n  - {{name: desk, kind: webhook, url: '{sink.url('/desk')}'}}\n",
        encoding="utf-8",
    )
    db = tmp_path / "watch.db"
    proc = start(config)
    try:
        wait_for("the first version", lambda: query(db, "SELECT count(*) FROM versions") == [(1,)])
        site.serve("v2.html")
        wait_for(
            "a change whose delivery was tried and is still pending",
            lambda: query(db, "SELECT state FROM deliveries WHERE attempts >= 1") == [("pending",)],
        )
        proc.kill()  # SIGKILL: no clean-up of any kind
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        assert sink.at("/desk") == []

        sink.status["/desk"] = 200
        proc = start(config)
        wait_for("the alert after restart", lambda: len(sink.at("/desk")) >= 1)
        wait_for(
            "the delivery marked delivered",
            lambda: query(db, "SELECT state FROM deliveries") == [("delivered",)],
        )
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [got] = sink.at("/desk")
    body = got.json()
    assert body["change"]["to"] == 2 and body["change"]["title_changed"] is True
    assert query(db, "SELECT count(*) FROM changes") == [(1,)]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
