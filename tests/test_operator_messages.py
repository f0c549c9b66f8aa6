"""What an operator reads when something is wrong, typed as they type it: a dead server, a
source name that does not exist, a busy port, a token kept out of ``ps`` and the logs."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PageServer, write_config


def newswatch(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user types it, through the installed script."""
    script = Path(sys.executable).with_name("newswatch")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "newswatch"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, check=False, timeout=60
    )


def dead_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_dead_server_is_reported_unreachable_not_as_a_robots_problem(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"http://127.0.0.1:{dead_port()}/news/a.html")
    done = newswatch("check", "--config", str(config))
    assert done.returncode == 1
    assert "server unreachable" in done.stdout, done.stdout
    assert "robots.txt" not in done.stdout + done.stderr


PUBLISHED_ONLY = (
    "<html><head><title>Bridge reopens</title>"
    '<meta property="article:published_time" content="2024-03-14T10:00:00Z"></head>'
    "<body><article><h1>Bridge reopens</h1>"
    + "".join(
        f"<p>The bridge over the river reopened on Thursday after repairs, part {i}.</p>"
        for i in range(5)
    )
    + "</article></body></html>"
)


def test_a_version_without_update_stamp_is_not_shown_as_updated(
    tmp_path: Path, site: PageServer
) -> None:
    site.content = PUBLISHED_ONLY.encode()
    config = str(write_config(tmp_path, site.url))
    assert newswatch("check", "--config", config).returncode == 0
    shown = newswatch("show", site.url, "--config", config)
    assert "published: 2024-03-14T10:00:00+00:00" in shown.stdout, shown.stdout
    assert "updated: -" in shown.stdout
    history = newswatch("history", site.url, "--config", config)
    assert "no update stamp" in history.stdout and "updated 2024" not in history.stdout


def test_an_unknown_source_is_an_error_and_times_carry_their_zone(
    tmp_path: Path, site: PageServer
) -> None:
    config = str(write_config(tmp_path, site.url))
    assert newswatch("check", "--config", config).returncode == 0
    for command in (["history"], ["export"], ["history", site.url]):
        done = newswatch(*command, "--source", "nope", "--config", config)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "no source named 'nope' (sources: alhurra)" in done.stderr
    listed = newswatch("sources", "--config", config)
    assert re.search(r"last check \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", listed.stdout), listed.stdout


def test_check_prints_each_change_once(tmp_path: Path, site: PageServer) -> None:
    """On stdout the check's result line; on stderr the log channel's alert, at level ALERT
    (not WARNING); nothing else repeats it."""
    config = str(write_config(tmp_path, site.url))
    assert newswatch("check", "--config", config).returncode == 0
    site.serve("v2.html")
    done = wait_until_due(config)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("v2 ") == 1, done.stdout
    alerts = [line for line in done.stderr.splitlines() if "v1\u2192v2" in line]
    assert len(alerts) == 1 and " ALERT " in alerts[0], done.stderr
    assert "WARNING" not in done.stderr and "change: " not in done.stderr


def wait_until_due(config: str) -> subprocess.CompletedProcess[str]:
    """``check`` again until the article (interval 1s) was due and got checked."""
    deadline = time.monotonic() + 60
    while True:
        done = newswatch("check", "--config", config)
        if "nothing due" not in done.stdout or time.monotonic() > deadline:
            return done
        time.sleep(0.2)
