"""The canonical case end to end, through the CLI, against a real local HTTP server.

The server swaps v1 -> v1-noise -> v2 -> v3 between checks; the noise page must make no
version, the 18:17 update and the silent correction must be classified exactly as
expected.json says, and a real webhook receiver must get exactly one alert per change.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from newswatch.cli import main
from tests.conftest import PageServer, write_config


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def history_json(config: Path, url: str) -> dict[str, Any]:
    result = cli(config, "history", url, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_fixture_sequence_through_the_cli(
    tmp_path: Path, site: PageServer, expected: dict[str, Any]
) -> None:
    config = write_config(tmp_path, site.url, hook_url=site.hook_url)
    outcomes = []
    for name in ("v1.html", "v1-noise.html", "v2.html", "v3.html"):
        site.serve(name)
        result = cli(config, "check")
        assert result.exit_code == 0, result.output
        outcomes.append(result.output.split()[0])
    assert outcomes == ["first_version", "unchanged", "new_version", "new_version"]

    history = history_json(config, site.url)
    assert [v["n"] for v in history["versions"]] == [1, 2, 3]
    assert history["versions"][1]["updated"] == "2016-07-20T18:17:00+00:00"
    changes = history["changes"]
    assert len(changes) == 2
    want_update, want_silent = (step["change"] for step in expected["sequence"][1:])

    update = changes[0]
    assert (update["from"], update["to"]) == (1, 2)
    for key in ("title_changed", "paragraphs_added", "paragraphs_removed", "paragraphs_modified"):
        assert update[key] == want_update[key], key
    assert update["new_updated_stamp"] == want_update["new_updated_stamp"]
    assert update["where"] == want_update["where"]
    assert update["silent"] is False

    silent = changes[1]
    assert (silent["from"], silent["to"]) == (2, 3)
    for key in ("title_changed", "paragraphs_added", "paragraphs_removed", "paragraphs_modified"):
        assert silent[key] == want_silent[key], key
    assert silent["new_updated_stamp"] is None
    assert silent["silent"] is True
    assert silent["words"] == want_silent["words"]

    # one webhook per change, carrying the change record and a stable id
    assert [hook["change"]["to"] for hook in site.hooks] == [2, 3]
    assert len({hook["id"] for hook in site.hooks}) == 2
    first = site.hooks[0]
    assert first["source"] == "alhurra"
    assert first["url"] == site.url
    assert first["title"] == expected["pages"]["v2.html"]["title"]
    assert first["change"]["paragraphs_added"] == 7
    assert first["diff"]["title"]["new"] == expected["pages"]["v2.html"]["title"]
    assert site.hook_headers[0]["Idempotency-Key"].startswith(first["id"])

    # checking the unchanged page again changes nothing and alerts nobody again
    result = cli(config, "check")
    assert result.output.split()[0] == "unchanged"
    assert len(site.hooks) == 2
    assert len(history_json(config, site.url)["versions"]) == 3

    # the readers: human history, the latest changes overall, and the word diff
    text = cli(config, "history", site.url).output
    assert "3 version(s)" in text and "silent edit" in text
    overall = json.loads(cli(config, "history", "--json").output)["changes"]
    assert [c["to"] for c in overall] == [3, 2]
    diff = cli(config, "diff", site.url, "--no-color").output
    assert "[-آشتون-]" in diff and "{+كارتر+}" in diff
    diff12 = json.loads(cli(config, "diff", site.url, "--from", "1", "--to", "2", "--json").output)
    assert diff12["change"]["paragraphs_added"] == 7


def test_receiver_down_gets_the_alert_later_exactly_once(tmp_path: Path, site: PageServer) -> None:
    config = write_config(tmp_path, site.url, hook_url=site.hook_url)
    cli(config, "check")
    site.serve("v2.html")
    site.hook_status = 503
    cli(config, "check")
    assert site.hooks == []
    db = sqlite3.connect(tmp_path / "watch.db")
    pending = db.execute("select count(*) from deliveries where state = 'pending'").fetchone()[0]
    assert pending == 1  # the webhook waits; the log channel went out
    # the receiver comes back; the retry is due once its backoff has passed
    site.hook_status = 200
    db.execute("update deliveries set next_attempt_at = '2000-01-01T00:00:00+00:00'")
    db.commit()
    db.close()
    cli(config, "check")
    cli(config, "check")
    assert len(site.hooks) == 1 and site.hooks[0]["change"]["to"] == 2


def test_failures_give_clear_messages_and_store_no_version(
    tmp_path: Path, site: PageServer
) -> None:
    config = write_config(tmp_path, site.url, extra="fetch:\n  timeout: 1s\n  retries: 0\n")
    cases = {
        "HTTP 500": lambda: setattr(site, "status", 500),
        "not an HTML page": lambda: (
            setattr(site, "status", 200),
            setattr(site, "content_type", "image/png"),
        ),
        "timed out": lambda: (
            setattr(site, "content_type", "text/html"),
            setattr(site, "on_hit", lambda _n: time.sleep(2.5)),
        ),
    }
    for needle, arrange in cases.items():
        arrange()
        result = cli(config, "check")
        assert result.exit_code == 1, result.output
        assert needle.lower() in result.output.lower(), (needle, result.output)
    db = sqlite3.connect(tmp_path / "watch.db")
    assert db.execute("select count(*) from versions").fetchone()[0] == 0
    assert db.execute("select count(*) from changes").fetchone()[0] == 0
    errors = db.execute("select count(*) from fetches where outcome = 'error'").fetchone()[0]
    assert errors == 3
    sources = cli(config, "sources").output
    assert "failing 1" in sources and "last error" in sources


def test_dead_server(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9/article")
    result = cli(config, "check")
    assert result.exit_code == 1
    assert "127.0.0.1:9" in result.output and "error" in result.output


def test_bad_config_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: watch.db\nsources:\n  - name: a\n    url: https://example.org/\n"
        "    intervall: 10m\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--config", str(config), "check"])
    assert result.exit_code == 2
    assert "config.yaml:5" in result.output and "interval" in result.output
    assert not (tmp_path / "watch.db").exists()


def test_daemon_catches_v2_then_stops_cleanly_on_sigterm(tmp_path: Path, site: PageServer) -> None:
    # a second source whose server is dead must not hold the first one up
    dead = "  - name: dead\n    url: http://127.0.0.1:9/gone\n    interval: 1s\n"
    config = write_config(tmp_path, site.url, hook_url=site.hook_url)
    config.write_text(config.read_text().replace("alerts:\n", dead + "alerts:\n"))
    site.on_hit = lambda n: site.serve("v2.html") if n >= 2 else None
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts the daemon slowly
        changes: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not changes:
            time.sleep(0.2)
            changes = [hook for hook in site.hooks if hook.get("type") == "change"]
        assert changes, "the daemon did not catch v2"
        assert changes[0]["change"]["title_changed"] is True
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "stopped" in output
    db = sqlite3.connect(tmp_path / "watch.db")
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db.execute("select count(*) from versions").fetchone()[0] == 2
    failures = db.execute("select count(*) from fetches where outcome = 'error'").fetchone()[0]
    assert failures >= 1  # the dead source was tried, failed, and the daemon carried on


def test_run_once_checks_what_is_due_then_exits(tmp_path: Path, site: PageServer) -> None:
    config = write_config(tmp_path, site.url, interval="1h")
    first = cli(config, "run", "--once")
    assert first.exit_code == 0 and first.output.startswith("first_version")
    again = cli(config, "run", "--once")  # nothing is due for an hour
    assert "nothing due" in again.output
    assert site.hits == 1
