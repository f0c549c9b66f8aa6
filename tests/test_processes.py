"""Worker processes (``--processes``) against a real local server: the politeness budgets hold
across processes, and no article is checked twice. Counts, never timings, except a lower
bound on the spacing of requests (a loaded machine only makes gaps longer).

A worker is a fresh interpreter: on a loaded machine its start-up can outlast the whole pass,
and the parent alone would check everything. So the server answers nothing until the worker
has claimed too (more articles leased at once than one process may hold): both processes
then have a share, however slowly the worker started."""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newswatch.config import load_config
from newswatch.run import check_now
from newswatch.run.processes import start_method
from newswatch.runtime import build_runtime
from tests.test_run_loop import PAGE, letters


class HoldingServer:
    """Answers each article after ``hold`` seconds and counts requests in flight during the
    hold (the count drops before a byte of the answer goes out, so a client's next request
    never races it)."""

    def __init__(self, hold: float) -> None:
        self.hits: Counter[str] = Counter()
        self.starts: list[float] = []
        self.in_flight = 0
        self.peak = 0
        self.gate: Callable[[], bool] | None = None  # answers wait until it holds (once)
        self.opened = threading.Event()
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if self.path == "/robots.txt":
                    self._answer(404, b"")
                    return
                with lock:
                    outer.hits[self.path] += 1
                    outer.starts.append(time.monotonic())
                    outer.in_flight += 1
                    outer.peak = max(outer.peak, outer.in_flight)
                outer.wait_for_gate()
                time.sleep(hold)  # overlap is what we count; not a timing assertion
                with lock:
                    outer.in_flight -= 1
                n = int(self.path.rsplit("/", 1)[-1])
                self._answer(200, PAGE.format(n=letters(n)).encode())

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for_gate(self) -> None:
        """Hold this answer until the gate holds (120 s at most: then the test's own
        assertions say what did not happen)."""
        deadline = time.monotonic() + 120
        while self.gate is not None and not self.opened.is_set():
            if self.gate() or time.monotonic() > deadline:
                self.opened.set()
            else:
                time.sleep(0.05)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def leased_more_than(db: Path, claims: int) -> Callable[[], bool]:
    """True once more than ``claims`` articles are leased at once: more than one process
    holds (each holds at most two claims per worker thread)."""

    def leased() -> bool:
        if not db.exists():
            return False
        try:
            with sqlite3.connect(db, timeout=10) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM articles WHERE lease_until IS NOT NULL"
                ).fetchone()
        except sqlite3.OperationalError:  # not migrated yet
            return False
        return int(row[0]) > claims

    return leased


@pytest.fixture
def slow_site() -> Iterator[HoldingServer]:
    server = HoldingServer(hold=0.2)
    yield server
    server.close()


def write_config(tmp_path: Path, urls: list[str], fetch: str) -> Path:
    sources = "".join(
        f"  - name: s{i}\n    url: {url}\n    interval: 1h\n" for i, url in enumerate(urls)
    )
    path = tmp_path / "config.yaml"
    path.write_text(f"database: watch.db\nfetch:\n{fetch}sources:\n{sources}", encoding="utf-8")
    return path


def check(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newswatch", "--config", str(config), "check", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )


def test_two_processes_keep_per_host_and_check_each_article_once(
    tmp_path: Path, slow_site: HoldingServer
) -> None:
    urls = [f"{slow_site.base}/story/{n}" for n in range(40)]
    # a generous timeout: answers wait for the worker's start-up
    config = write_config(tmp_path, urls, "  timeout: 150s\n  host_delay: 0s\n  per_host: 2\n")
    slow_site.gate = leased_more_than(tmp_path / "watch.db", 2 * 4)
    done = check(config, "--processes", "2", "--workers", "4", "--no-progress")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == "checked 40 article(s): 40 first version"
    assert all(slow_site.hits[f"/story/{n}"] == 1 for n in range(40)), slow_site.hits
    assert 1 <= slow_site.peak <= 2  # two processes x four workers, and still two at a time
    # the worker process did its share (it reports how many checks it made)
    worked = re.findall(r"newswatch-worker-1 \(pid \d+\) stopped after (\d+) check", done.stderr)
    assert worked and int(worked[0]) >= 1, done.stderr[-3000:]


DELAY = 1.0  # host_delay of the test below


def test_two_processes_keep_the_host_delay_between_request_starts(
    tmp_path: Path, slow_site: HoldingServer
) -> None:
    # two workers each: a process holds at most four claims, so both get their share
    urls = [f"{slow_site.base}/story/{n}" for n in range(8)]
    config = write_config(
        tmp_path, urls, f"  timeout: 150s\n  host_delay: {DELAY}s\n  per_host: 4\n"
    )
    slow_site.gate = leased_more_than(tmp_path / "watch.db", 2 * 2)
    done = check(config, "--processes", "2", "--workers", "2", "--no-progress")
    assert done.returncode == 0, done.stderr[-3000:]
    starts = sorted(slow_site.starts)
    assert len(starts) == 8
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # The server notes a start when its thread gets the CPU, so on a busy machine one start
    # can be noted late and the next on time (a busy CI machine once noted one 0.29 s late):
    # a gap may shrink by that jitter, the whole span only by the first start's. The delay is
    # long beside that jitter, so these bounds leave it room. Without the shared budget two
    # processes start together: about every other gap is ~0 and the span is half as long.
    assert starts[-1] - starts[0] >= DELAY * (len(starts) - 1) - DELAY / 2, gaps
    assert sum(gap < DELAY / 2 for gap in gaps) <= 1, gaps
    worked = re.findall(r"newswatch-worker-1 \(pid \d+\) stopped after (\d+) check", done.stderr)
    assert worked and int(worked[0]) >= 1, done.stderr[-3000:]


def test_a_process_running_threads_spawns_its_workers_and_they_share_the_pass(
    tmp_path: Path, slow_site: HoldingServer
) -> None:
    # the site's server thread runs in this process: forking it could hand a worker a lock
    # held mid-use, so the workers are fresh interpreters that read the configuration
    assert start_method() == "spawn"
    urls = [f"{slow_site.base}/story/{n}" for n in range(30)]
    config = load_config(write_config(tmp_path, urls, "  host_delay: 0s\n  per_host: 2\n"))
    with build_runtime(config) as runtime:
        done = check_now(runtime, workers=4, processes=2)
    assert sorted(report.outcome for report in done.checks) == ["first_version"] * 30
    assert all(slow_site.hits[f"/story/{n}"] == 1 for n in range(30)), slow_site.hits
    assert 1 <= slow_site.peak <= 2
