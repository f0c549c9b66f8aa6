"""``newswatch serve`` as a user starts it: a real process on 127.0.0.1, token honoured."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from newswatch.cli import main
from newswatch.store import open_store
from tests.conftest import PageServer, write_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_command_shows_changes_and_stops_on_sigterm(tmp_path: Path, site: PageServer) -> None:
    config = write_config(tmp_path, site.url)
    for name in ("v1.html", "v2.html"):
        site.serve(name)
        assert CliRunner().invoke(main, ["--config", str(config), "check"]).exit_code == 0
    port = free_port()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "newswatch.cli", "--config", str(config), "serve"),
            *("--port", str(port), "--token", "s3cret-token"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts the server slowly
        while True:
            try:
                denied = httpx.get(base + "/")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        assert denied.status_code == 401
        page = httpx.get(base + "/", headers={"Authorization": "Bearer s3cret-token"})
        assert page.status_code == 200
        assert "كارتر: شركاؤنا لديهم ما يحتاجون لهزيمة داعش" in page.text
        assert "default-src" in page.headers["content-security-policy"]
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0


def built(tmp_path: Path, site: PageServer) -> Path:
    config = write_config(tmp_path, site.url)
    assert CliRunner().invoke(main, ["check", "--config", str(config)]).exit_code == 0
    return config


def test_serve_on_a_busy_port_fails_clearly_before_saying_it_serves(
    tmp_path: Path, site: PageServer
) -> None:
    config = built(tmp_path, site)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "newswatch",
                "serve",
                "--port",
                str(port),
                "--config",
                str(config),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert f"cannot serve on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert "serving" not in done.stderr and "Traceback" not in done.stderr


def test_token_from_a_file_stays_out_of_ps_and_the_access_log(
    tmp_path: Path, site: PageServer
) -> None:
    config = built(tmp_path, site)
    secret = "file-kept-token-123"
    token_file = tmp_path / "token"
    token_file.write_text(secret + "\n", encoding="utf-8")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "newswatch", "serve", "--port", "0"),
            *("--token-file", str(token_file), "--config", str(config)),
        ],
        stdout=subprocess.PIPE,  # uvicorn's access log
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        text=True,
    )
    try:
        assert proc.stderr is not None
        announced = proc.stderr.readline()  # blocks until the port is bound (or it failed)
        assert "read-only on http://127.0.0.1:" in announced and "token required" in announced
        base = announced.split(" on ", 1)[1].split("/ ", 1)[0]
        assert secret not in Path(f"/proc/{proc.pid}/cmdline").read_text(errors="replace")
        assert httpx.get(base + "/").status_code == 401
        assert httpx.get(base + "/", headers={"X-Newswatch-Token": secret}).status_code == 200
        feed = httpx.get(base + f"/feed.atom?token={secret}")
        assert feed.status_code == 200
        proc.send_signal(signal.SIGTERM)
        access, rest = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "/feed.atom?token=[redacted]" in access, access
    assert secret not in access + rest


def test_token_from_the_environment(tmp_path: Path, site: PageServer) -> None:
    config = built(tmp_path, site)
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswatch", "serve", "--port", "0", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "NEWSWATCH_TOKEN": "env-kept-token-456"},
        text=True,
    )
    try:
        assert proc.stderr is not None
        announced = proc.stderr.readline()
        base = announced.split(" on ", 1)[1].split("/ ", 1)[0]
        assert httpx.get(base + "/").status_code == 401
        good = httpx.get(base + "/", headers={"Authorization": "Bearer env-kept-token-456"})
        assert good.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


_STOPPED_AT_ONCE = """
import os, signal, sys
from newswatch.web.server import serve
# the stop comes right after "serving on ...", before uvicorn has installed its handlers
serve(sys.argv[1], "127.0.0.1", 0, None, lambda port: os.kill(os.getpid(), signal.SIGTERM))
print("returned", flush=True)
"""


def test_a_stop_before_the_server_runs_is_taken_by_the_server(tmp_path: Path) -> None:
    """A SIGTERM between the announcement and uvicorn's own handlers is not lost: the server
    is told to stop (it starts, stops and returns) instead of the signal being left to a
    handler whose exception could be swallowed where it lands (then the server ran on)."""
    database = tmp_path / "view.db"
    open_store(str(database)).close()
    done = subprocess.run(
        [sys.executable, "-c", _STOPPED_AT_ONCE, str(database)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "returned"
    assert "Finished server process" in done.stderr
