"""The run loop against real local servers: stop and restart, forced stop, coverage of a
pass, Retry-After at send time, progress. Conditions are polled with generous deadlines;
nothing asserts a tight timing."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from newswatch.cli import main
from newswatch.config import load_config
from newswatch.run import EngineSettings, check_now, daemon_engine
from newswatch.run.progress import BacklogTicker, progress_line
from newswatch.runtime import build_runtime

PAGE = (
    "<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
    "<p>The first paragraph of story {n}, long enough to be a paragraph of its own.</p>"
    "<p>A second paragraph, so that the article is an article.</p></article></body></html>"
)


def letters(n: int) -> str:
    """A number in letters (``404`` in a title reads as an error page, rightly)."""
    out = ""
    while True:
        n, digit = divmod(n, 26)
        out = chr(ord("a") + digit) + out
        if not n:
            return out


class Site:
    """A threaded local site: ``/story/N`` pages, ``/hang`` never answers until closed,
    ``/busy/N`` answers 429 with ``Retry-After`` when :attr:`busy` is set."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.log: list[tuple[float, str]] = []
        self.release = threading.Event()
        self.busy: str | None = None
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with lock:
                    outer.hits[self.path] += 1
                    outer.log.append((time.monotonic(), self.path))
                if self.path == "/robots.txt":
                    self._answer(404, b"")
                elif self.path.startswith("/hang"):
                    outer.release.wait(60)
                    self._answer(503, b"")
                elif self.path.startswith("/busy") and outer.busy is not None:
                    self._answer(429, b"slow down", {"Retry-After": outer.busy})
                else:
                    n = int(self.path.rsplit("/", 1)[-1])
                    self._answer(200, PAGE.format(n=letters(n)).encode())

            def _answer(
                self, status: int, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


def config_for(
    tmp_path: Path, urls: list[str], *, interval: str = "1h", fetch: str = "  host_delay: 0s\n"
) -> Path:
    sources = "".join(
        f"  - name: s{i}\n    url: {url}\n    interval: {interval}\n" for i, url in enumerate(urls)
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database: watch.db\nfetch:\n  timeout: 60s\n{fetch}sources:\n{sources}",
        encoding="utf-8",
    )
    return path


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def start_daemon(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "newswatch", "--config", str(config), "run"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def test_sigterm_gives_back_a_hung_check_so_a_restart_fetches_it_at_once(
    tmp_path: Path, site: Site
) -> None:
    # the lease (5 minutes) is far longer than the test may wait: only a lease given back
    # on the clean stop lets the restarted daemon fetch the hung article again
    config = config_for(tmp_path, [f"{site.base}/story/1", f"{site.base}/hang/2"])
    log = tmp_path / "daemon.log"
    first = start_daemon(config, log)
    try:
        # deadlines far above a start-up on a loaded machine; the hung fetch never ends
        assert wait_for(lambda: site.hits["/hang/2"] == 1, 90), log.read_text()
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0, log.read_text()
        second = start_daemon(config, log)
        try:
            assert wait_for(lambda: site.hits["/hang/2"] >= 2, 90), log.read_text()
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        for proc in (first,):
            if proc.poll() is None:
                proc.kill()
    text = log.read_text()
    assert "leases are given back" in text and "hang/2" in text
    assert site.hits["/story/1"] == 1  # recorded before the stop: not checked again


def test_a_second_stop_ends_the_grace_at_once(tmp_path: Path, site: Site) -> None:
    config = load_config(config_for(tmp_path, [f"{site.base}/hang/1"]))
    with build_runtime(config) as runtime:
        engine = daemon_engine(runtime, settings=EngineSettings(grace_seconds=600))
        thread = threading.Thread(target=engine.run)
        thread.start()
        assert wait_for(lambda: site.hits["/hang/1"] == 1)
        engine.stop()
        thread.join(timeout=1)
        assert thread.is_alive()  # the first stop waits for the hung check (grace 600 s)
        engine.force()
        thread.join(timeout=30)  # far below the grace: the second stop did not wait it out
        assert not thread.is_alive()
        article = runtime.store.find_article(f"{site.base}/hang/1")
        assert article is not None
        (due,) = runtime.store.claim_due(runtime.clock(), 10, 60)  # the lease was given back
        assert due.url.endswith("/hang/1")


def test_check_covers_every_due_article_however_many(tmp_path: Path, site: Site) -> None:
    urls = [f"{site.base}/story/{n}" for n in range(1010)]
    config = config_for(tmp_path, urls, fetch="  host_delay: 0s\n  per_host: 16\n")
    result = CliRunner().invoke(main, ["--config", str(config), "check", "--workers", "8"])
    assert result.exit_code == 0, result.output[-2000:]
    assert result.output.splitlines()[-1] == "checked 1010 article(s): 1010 first version"
    assert all(site.hits[f"/story/{n}"] == 1 for n in range(1010))


def test_no_queued_request_reaches_a_host_inside_its_retry_after(
    tmp_path: Path, site: Site
) -> None:
    site.busy = "120"
    urls = [f"{site.base}/busy/{n}" for n in range(4)]
    config = load_config(config_for(tmp_path, urls, fetch="  host_delay: 1s\n  per_host: 4\n"))
    with build_runtime(config) as runtime:
        done = check_now(runtime, workers=4)
    articles = [path for _, path in site.log if path.startswith("/busy")]
    assert len(articles) == 1, site.log  # the one that got the 429, and no other
    assert len(done.checks) == 4
    assert all(report.outcome == "error" for report in done.checks)
    assert sum("Retry-After" in (report.error or "") for report in done.checks) >= 3


def test_a_pass_on_a_terminal_prints_progress(tmp_path: Path, site: Site) -> None:
    urls = [f"{site.base}/story/{n}" for n in range(6)]
    config = load_config(config_for(tmp_path, urls, fetch="  host_delay: 0.3s\n"))
    stream = io.StringIO()
    with build_runtime(config) as runtime:
        done = check_now(runtime, workers=2, progress=stream, progress_every=0.2)
    assert len(done.checks) == 6
    lines = stream.getvalue().splitlines()
    assert lines and all(line.startswith("checked ") for line in lines)
    held = [line for line in lines if "waiting on the host delay of http://127.0.0.1" in line]
    assert held and all("/6 " in line for line in held), lines


def test_check_progress_forced_by_the_flag_on_the_command_line(tmp_path: Path, site: Site) -> None:
    # six requests 0.5 s apart take at least 2.5 s: the 2 s ticker writes at least once
    urls = [f"{site.base}/story/{n}" for n in range(6)]
    config = config_for(tmp_path, urls, fetch="  host_delay: 0.5s\n")
    done = subprocess.run(
        [sys.executable, "-m", "newswatch", "--config", str(config), "-q", "check", "--progress"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "checked 6 article(s): 6 first version"
    lines = [line for line in done.stderr.splitlines() if line.startswith("checked ")]
    assert lines and all("/6 (" in line for line in lines), done.stderr[-2000:]


def test_the_daemon_prints_progress_while_articles_are_due(tmp_path: Path, site: Site) -> None:
    # twenty articles half a second apart: a round of at least 9.5 s, ticks every 5 s
    urls = [f"{site.base}/story/{n}" for n in range(20)]
    config = config_for(tmp_path, urls, fetch="  host_delay: 0.5s\n")
    log = tmp_path / "daemon.log"
    command = [sys.executable, "-m", "newswatch", "--config", str(config), "-q", "run"]
    with log.open("ab") as out:
        daemon = subprocess.Popen(
            [*command, "--processes", "1", "--progress"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        assert wait_for(lambda: "waiting on the host delay of" in log.read_text(), 120)
        assert wait_for(lambda: sum(site.hits[f"/story/{n}"] for n in range(20)) == 20, 120)
        # the round's last line says it is done; idle afterwards, the daemon says nothing
        assert wait_for(lambda: "checked 20/20" in log.read_text(), 60), log.read_text()
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    lines = [line for line in log.read_text().splitlines() if line.startswith("checked ")]
    assert all("/20 (" in line for line in lines), lines
    assert lines[-1].startswith("checked 20/20 ")


def test_backlog_ticker_is_silent_when_idle_and_counts_each_round() -> None:
    done, left, now = [0], [0], [0.0]
    ticker = BacklogTicker(
        io.StringIO(),
        done=lambda: done[0],
        remaining=lambda: left[0],
        held_back=lambda: {"h": 1.0},
        monotonic=lambda: now[0],
    )
    assert ticker.tick() is None  # nothing due: no line
    done[0], left[0], now[0] = 100, 10, 10.0  # ten come due (100 checked earlier)
    assert ticker.tick() == "checked 0/10 (0.0/s); waiting on the host delay of h (1s)"
    done[0], left[0], now[0] = 104, 6, 12.0
    assert ticker.tick() == (
        "checked 4/10 (2.0/s), about 3s left; waiting on the host delay of h (1s)"
    )
    done[0], left[0], now[0] = 110, 0, 15.0
    assert ticker.tick() == "checked 10/10 (2.0/s)"  # the round's last line
    assert ticker.tick() is None


@pytest.mark.parametrize(
    ("done", "due", "seconds", "held", "expected"),
    [
        (0, 0, 0.0, {}, "checked 0 (0.0/s)"),
        (50, 200, 10.0, {}, "checked 50/200 (5.0/s), about 30s left"),
        (
            10,
            1010,
            10.0,
            {"https://example.org:443": 1.0},
            "checked 10/1010 (1.0/s), about 16m40s left;"
            " waiting on the host delay of https://example.org:443 (1s)",
        ),
        (
            5,
            5,
            2.0,
            {"a": 1.0, "b": 2.0, "c": 1.0, "d": 1.0},
            "checked 5/5 (2.5/s); waiting on the host delay of b (2s), a (1s), c (1s) and 1 more",
        ),
    ],
)
def test_progress_line(
    done: int, due: int, seconds: float, held: dict[str, float], expected: str
) -> None:
    assert progress_line(done, due, seconds, held) == expected
