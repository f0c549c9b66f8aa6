"""Read-only history (issue 16): with the database file and its folder read-only, the
commands that only read (``history``, ``sources``, ``export``, ``show``, ``health``,
``serve``) work; ``health`` on a damaged file is a clear "unhealthy: ..." and exit 1.

Read-only for real: the file is chmod 444 and its folder 555, and the commands run as
real processes; as root (which ignores file modes) they run without the capabilities that
let root override them (``setpriv``), so every write is refused by the kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PageServer
from tests.history_db import build_alhurra

DROP = "-dac_override,-dac_read_search,-fowner"


def as_reader(command: list[str]) -> list[str]:
    """``command`` run so that file modes bind, even for root."""
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make file modes bind")
    return ["setpriv", "--bounding-set", DROP, "--inh-caps", DROP, "--", *command]


def newswatch(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        as_reader([sys.executable, "-m", "newswatch.cli", "--config", str(config), *args]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def frozen(tmp_path: Path, site: PageServer) -> Iterator[tuple[Path, Path]]:
    """The Alhurra history, its database file 444 and its folder 555; the config beside."""
    data = tmp_path / "data"
    data.mkdir()
    config = build_alhurra(data, site)
    text = config.read_text(encoding="utf-8")
    outside = tmp_path / "config.yaml"
    outside.write_text(text.replace("database: watch.db", f"database: {data / 'watch.db'}"))
    before = sorted(p.name for p in data.iterdir())
    for leftover in data.glob("watch.db-*"):  # a clean stop leaves no WAL or -shm
        leftover.unlink()
    (data / "watch.db").chmod(0o444)
    config.chmod(0o444)
    data.chmod(0o555)
    assert "watch.db" in before
    try:
        yield outside, data
    finally:
        data.chmod(0o755)
        (data / "watch.db").chmod(0o644)


def test_read_commands_work_on_a_read_only_database(frozen: tuple[Path, Path]) -> None:
    config, data = frozen
    probe = newswatch(config, "check")
    assert probe.returncode != 0, "the database should not be writable in this test"
    content = (data / "watch.db").read_bytes()

    history = newswatch(config, "history", "--json")
    assert history.returncode == 0, history.stderr
    assert len(json.loads(history.stdout)["changes"]) == 2
    url = json.loads(history.stdout)["changes"][0]["url"]
    show = newswatch(config, "show", url, "--json")
    assert show.returncode == 0, show.stderr
    sources = newswatch(config, "sources")
    assert sources.returncode == 0 and "alhurra" in sources.stdout, sources.stderr
    export = newswatch(config, "export", "--format", "jsonl")
    assert export.returncode == 0 and export.stdout.strip(), export.stderr
    health = newswatch(config, "health", "--max-lag", "3650d")
    assert health.returncode == 0 and health.stdout.startswith("ok:"), health.stdout

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serve = subprocess.Popen(
        as_reader(
            [
                sys.executable,
                "-m",
                "newswatch.cli",
                "--config",
                str(config),
                "serve",
                "--port",
                str(port),
            ]
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = ""
        deadline = time.monotonic() + 120  # a loaded machine starts the server slowly
        while time.monotonic() < deadline and serve.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "كارتر" in page, serve.stdout.read() if serve.poll() is not None else "no page"
    finally:
        serve.terminate()
        serve.wait(timeout=60)
    assert (data / "watch.db").read_bytes() == content
    assert sorted(p.name for p in data.iterdir()) == ["config.yaml", "watch.db"]


def test_health_on_a_damaged_file_is_unhealthy_not_a_traceback(
    tmp_path: Path, site: PageServer
) -> None:
    config = build_alhurra(tmp_path, site)
    for leftover in tmp_path.glob("watch.db-*"):
        leftover.unlink()
    content = (tmp_path / "watch.db").read_bytes()
    damaged = {
        "garbage": b"this is not a database at all\n" * 100,
        "truncated": content[: len(content) // 3],
        "empty": b"",
    }
    for name, data in damaged.items():
        (tmp_path / f"{name}.db").write_bytes(data)
        copy = tmp_path / f"{name}.yaml"
        text = config.read_text(encoding="utf-8")
        copy.write_text(text.replace("database: watch.db", f"database: {name}.db"))
        done = subprocess.run(
            [sys.executable, "-m", "newswatch.cli", "--config", str(copy), "health"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        said = (done.stdout + done.stderr).strip()
        assert done.returncode == 1, (name, said)
        assert said.startswith("unhealthy:") and "Traceback" not in said, (name, said)
