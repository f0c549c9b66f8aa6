"""``newswatch demo``: the simulated site is revised, the furniture churns, only revisions count."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from newswatch.demo import DemoSite, runnable_command


def test_demo_site_revises_stories_and_varies_furniture() -> None:
    now = [0.0]
    site = DemoSite(step=10, clock=lambda: now[0]).start()
    try:
        story = site.stories["/world/storm-coast.html"]
        assert site.version_of(story) == 0
        now[0] = 14  # past one step plus the story's offset
        assert site.version_of(story) == 1
        now[0] = 1000
        assert site.version_of(story) == len(story.versions) - 1
        url = site.urls()["/a/carter-coalition-isis/312345.html"]
        first, second = httpx.get(url).text, httpx.get(url).text
        assert first != second  # nonces, counters and lists change on every request
        assert httpx.get(site.base_url + "/nope").status_code == 404
    finally:
        site.stop()


def without_this_install_on_path() -> dict[str, str]:
    """The environment after the README's one-liner: the venv is not activated."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != bin_dir)
    return {**os.environ, "PATH": path}


def test_demo_catches_revisions_and_its_hints_work_when_copied(tmp_path: Path) -> None:
    env = without_this_install_on_path()
    script = Path(sys.executable).with_name("newswatch")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "newswatch"]
    done = subprocess.run(
        # the site revises by the clock from its start: the last revision is due ~12 s in, and
        # a loaded machine may take several seconds more before the daemon's first check
        [*command, "demo", "--seconds", "30", "--step", "4", "--dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    db = sqlite3.connect(tmp_path / "d" / "demo.db")
    per_source = dict(
        db.execute(
            "select s.name, count(c.id) from sources s join articles a on a.source_id = s.id "
            "left join changes c on c.article_id = a.id group by s.name"
        ).fetchall()
    )
    assert set(per_source) == {"alhurra", "storm", "plan-velo"}
    # every story was revised twice; furniture churn on every request adds nothing
    assert all(1 <= n <= 2 for n in per_source.values()), per_source
    assert sum(per_source.values()) >= 4, per_source
    # each change is printed once, as an alert (not a warning), not also as a check line
    alerts = [line for line in done.stderr.splitlines() if " ALERT " in line]
    assert len(alerts) == sum(per_source.values()), done.stderr
    assert "WARNING" not in done.stderr and "change: " not in done.stderr
    # the closing hints run as printed, in a shell where `newswatch` is not on PATH
    hints = [line.strip() for line in done.stdout.splitlines() if line.startswith("  ")]
    assert len(hints) == 6, done.stdout
    assert all("newswatch" in hint for hint in hints)
    for hint in hints:
        if " serve " in hint:
            hint = hint.split("#")[0] + " --help"  # the server would run until stopped
        ran = subprocess.run(hint, shell=True, capture_output=True, text=True, env=env, check=False)
        assert ran.returncode == 0, (hint, ran.stderr)
        assert ran.stdout.strip(), hint
    assert (
        "v1\u2192v2"
        in subprocess.run(
            hints[0], shell=True, capture_output=True, text=True, env=env, check=True
        ).stdout
    )
    # and it says how to choose the order right-to-left text is printed in
    assert "--bidi visual" in done.stdout and "NEWSWATCH_BIDI=visual" in done.stdout


def test_hints_name_plain_newswatch_when_it_is_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path(sys.executable).with_name("newswatch").exists():
        pytest.skip("not installed as a script")
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    assert runnable_command() == "newswatch"
    monkeypatch.setenv("PATH", os.defpath)
    assert runnable_command().endswith("newswatch") and "/" in runnable_command()
