"""``newswatch demo``: the simulated site is revised, the furniture churns, only revisions count."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
from click.testing import CliRunner

from newswatch.cli import main
from newswatch.demo import DemoSite


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


def test_demo_catches_revisions_and_ignores_furniture(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["demo", "--seconds", "14", "--step", "3", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "history" in result.output
    db = sqlite3.connect(tmp_path / "demo.db")
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
    history = CliRunner().invoke(main, ["--config", str(tmp_path / "config.yaml"), "history"])
    assert history.exit_code == 0 and "v1\u2192v2" in history.output
