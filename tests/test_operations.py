"""Operating newswatch: metrics and health over HTTP, `health`, JSON logs, `run --once` for
cron, the Dockerfile (hadolint) and the systemd unit."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from newswatch.cli import main
from tests.conftest import PageServer, write_config

ROOT = Path(__file__).resolve().parent.parent


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(run: Callable[[], Result], done: Callable[[Result], bool]) -> Result:
    """Run ``run`` until ``done`` holds for its result, within a generous deadline."""
    deadline = time.monotonic() + 60
    while True:
        result = run()
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_daemon_serves_metrics_and_health(tmp_path: Path, site: PageServer) -> None:
    config = write_config(tmp_path, site.url, hook_url=site.hook_url)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newswatch.cli",
            "--config",
            str(config),
            "--log-format",
            "json",
            "run",
            "--metrics",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        text = ""
        deadline = time.monotonic() + 120  # generous: a loaded machine starts slowly
        while time.monotonic() < deadline:
            if site.hits == 1:
                site.serve("v2.html")  # a change, so changes and deliveries are counted
            try:
                status, text = get(f"http://127.0.0.1:{port}/metrics")
            except OSError:
                time.sleep(0.1)
                continue
            if 'newswatch_alert_deliveries{channel="webhook",state="delivered"} 1.0' in text:
                break
            time.sleep(0.2)
        assert status == 200
        for line in (
            'newswatch_fetches_total{outcome="new_version"}',
            'newswatch_changes_total{kind="all"} 1.0',
            'newswatch_changes_total{kind="title"} 1.0',
            'newswatch_changes_total{kind="added"} 1.0',
            'newswatch_alert_deliveries{channel="webhook",state="delivered"} 1.0',
            'newswatch_alert_deliveries{channel="log",state="delivered"} 1.0',
            "newswatch_check_lag_seconds ",
            "newswatch_database_bytes ",
            "newswatch_quarantined_total 0.0",
            "newswatch_articles 1.0",
        ):
            assert line in text, line
        size = next(ln for ln in text.splitlines() if ln.startswith("newswatch_database_bytes"))
        assert float(size.split()[1]) > 10_000
        status, body = get(f"http://127.0.0.1:{port}/health")
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert get(f"http://127.0.0.1:{port}/nope")[0] == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    records = [json.loads(line) for line in err.decode().splitlines() if line.strip()]
    assert records and all({"ts", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"] == "newswatch.alerts" and "v1\u2192v2" in r["message"] for r in records)


def test_health_command(tmp_path: Path, site: PageServer) -> None:
    config = write_config(tmp_path, site.url, interval="1s")
    missing = cli(config, "health")
    assert missing.exit_code == 1 and "no database" in missing.output
    assert not (tmp_path / "watch.db").exists(), "health must not create the database"
    assert cli(config, "check").exit_code == 0
    ok = cli(config, "health", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["status"] == "ok"
    # nobody runs the due check: the lag grows past the limit (waited for, not timed)
    late = wait_for(lambda: cli(config, "health", "--max-lag", "1s"), lambda r: r.exit_code == 1)
    assert "overdue" in late.output
    assert cli(config, "health", "--max-lag", "soon").exit_code == 2


def test_run_once_is_cron_friendly(tmp_path: Path, site: PageServer) -> None:
    """Exit 0 when all went well; 1 when a check failed or an alert is still owed."""
    (tmp_path / "quiet").mkdir()
    quiet = write_config(tmp_path / "quiet", site.url, interval="1h")
    assert cli(quiet, "run", "--once").exit_code == 0
    nothing = cli(quiet, "run", "--once")  # not due yet: nothing to do is not an error
    assert nothing.exit_code == 0 and "nothing due" in nothing.output
    config = write_config(tmp_path, site.url, hook_url=site.hook_url, interval="1s")
    first = cli(config, "run", "--once")
    assert first.exit_code == 0, first.output
    assert "first_version" in first.output
    site.status = 500
    # run again until the article is due (a second, or more on a loaded machine)
    failed = wait_for(lambda: cli(config, "run", "--once"), lambda r: "nothing due" not in r.output)
    assert failed.exit_code == 1 and "HTTP 500" in failed.output
    site.status = 200
    site.serve("v2.html")
    site.hook_status = 503
    # the failure backs off to twice the interval: again, run until it is due
    owed = wait_for(lambda: cli(config, "run", "--once"), lambda r: "nothing due" not in r.output)
    assert owed.exit_code == 1 and "new_version" in owed.output and "to retry" in owed.output
    assert site.hooks == []


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    done = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_shape() -> None:
    """What hadolint does not check: slim base, non-root, data volume, health check."""
    lines = [ln.strip() for ln in (ROOT / "Dockerfile").read_text().splitlines()]
    instructions = [ln for ln in lines if ln and not ln.startswith("#")]
    assert any(ln.startswith("FROM ") and "-slim" in ln for ln in instructions)
    users = [ln.split()[1] for ln in instructions if ln.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert 'VOLUME ["/data"]' in instructions
    text = "\n".join(lines)
    assert 'CMD ["newswatch", "health"' in text
    assert text.index("USER ") < text.index("ENTRYPOINT")


def test_systemd_unit_example() -> None:
    unit = (ROOT / "docs" / "newswatch.service").read_text()
    sections = [ln for ln in unit.splitlines() if ln.startswith("[")]
    assert sections == ["[Unit]", "[Service]", "[Install]"]
    for needle in (
        "ExecStart=/opt/newswatch/bin/newswatch run",
        "User=newswatch",
        "Restart=on-failure",
        "RestartPreventExitStatus=2",
        "KillSignal=SIGTERM",
    ):
        assert needle in unit, needle
