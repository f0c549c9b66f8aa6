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
        deadline = time.monotonic() + 20
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
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
