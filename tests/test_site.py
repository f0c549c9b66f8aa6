"""A whole simulated news site: discovery, canonical URLs and dedup, publisher dates,
unpublish and move events, end to end on a real local server, a real SQLite file and an
injected clock."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from newswatch.cli import main
from newswatch.config import load_config
from newswatch.run import EngineSettings, check_now, daemon_engine
from newswatch.runtime import Runtime, build_runtime
from tests.newssite import FakeClock, NewsSite, Story, text


@dataclass
class World:
    site: NewsSite
    clock: FakeClock
    runtime: Runtime
    config: Path
    db: Path

    def url(self, slug: str) -> str:
        return self.site.url(f"/news/{slug}.html")

    def pass_(self, *, force: bool = False, sources: list[str] | None = None) -> list[str]:
        done = check_now(self.runtime, force=force, sources=sources, workers=1)
        self.runtime.dispatcher.run_once()
        return done.lines()

    def sql(self, query: str, *params: object) -> list[tuple[object, ...]]:
        con = sqlite3.connect(self.db)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def hook_kinds(self) -> list[tuple[str, str]]:
        """(article file name, kind) per alert: an edit, or the removed/restored event."""
        out = []
        for hook in self.site.hooks:
            if hook["type"] == "event":
                kind = str(hook["event"])
            else:
                change = hook["change"]
                assert isinstance(change, dict)
                kind = str(change["kind"])
            out.append((str(hook["url"]).rsplit("/", 1)[-1], kind))
        return out


CONFIG = """\
database: watch.db
# one simulated host serves everything: no politeness pause between its pages
fetch:
  host_delay: 0s
sources:
  - name: rss
    url: {base}/feed.xml
    kind: feed
    interval: 10m
  - name: atom
    url: {base}/atom.xml
    kind: feed
    interval: 10m
  - name: sitemap
    url: {base}/sitemap.xml
    kind: sitemap
    interval: 10m
    follow_for: 2d
  - name: section
    url: {base}/news/
    kind: index
    select: .teaser
    interval: 10m
alerts:
  - kind: webhook
    url: {base}/hook
"""


@pytest.fixture
def world(tmp_path: Path, httpserver: HTTPServer) -> Iterator[World]:
    site = NewsSite(httpserver)
    clock = FakeClock()
    hour_ago = clock.now - timedelta(hours=1)
    site.add(Story("a1", "Storm hits the coast", text(3, "storm"), hour_ago))
    site.add(Story("a2", "Budget vote delayed", text(3, "budget"), hour_ago, in_sitemap=False))
    site.add(Story("a3", "Rail strike called off", text(3, "rail"), hour_ago, in_feed=False))
    site.add(
        Story(
            "a4",
            "Mayor opens new bridge",
            text(3, "bridge"),
            hour_ago,
            in_feed=False,
            in_sitemap=False,
        )
    )
    # the AMP twin of a1: same article, its canonical link names a1
    site.add(
        Story(
            "a1-amp",
            "Storm hits the coast",
            text(3, "storm"),
            hour_ago,
            canonical="/news/a1.html",
            in_sitemap=False,
            in_section=False,
        )
    )
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(base=site.url("").rstrip("/")), encoding="utf-8")
    runtime = build_runtime(load_config(config), clock=clock)
    try:
        yield World(site, clock, runtime, config, tmp_path / "watch.db")
    finally:
        runtime.close()


def test_discovery_finds_every_article_once_across_sources(world: World) -> None:
    lines = world.pass_()
    assert any(line.startswith("discovery     rss: 3 link(s)") for line in lines), lines
    assert any("sitemap: 2 link(s)" in line for line in lines), lines  # archive skipped

    rows = world.sql("SELECT url, state, merged_into FROM articles ORDER BY url")
    urls = {str(url).rsplit("/", 1)[-1]: (state, merged) for url, state, merged in rows}
    # tracking parameters and fragments are gone: one row per article
    assert set(urls) == {"a1.html", "a1-amp.html", "a2.html", "a3.html", "a4.html"}
    assert urls["a1-amp.html"][0] == "retired" and urls["a1-amp.html"][1] is not None
    assert all(state == "active" for name, (state, _) in urls.items() if name != "a1-amp.html")

    # each article fetched once; the old archive sitemap (2020) was never fetched
    hits = world.site.hits
    assert [hits[f"/news/{s}.html"] for s in ("a1", "a2", "a3", "a4", "a1-amp")] == [1] * 5
    assert hits["/sitemap-2020.xml.gz"] == 0 and hits["/news/old-story-2020.html"] == 0
    # the section's navigation links were not taken for articles
    assert hits["/sport/"] == 0 and hits["/about-us"] == 0

    # a1 is watched once, and every source that lists it is recorded
    found_by = world.sql(
        "SELECT s.name FROM article_sources x JOIN sources s ON s.id = x.source_id"
        " JOIN articles a ON a.id = x.article_id WHERE a.url = ? ORDER BY s.name",
        world.url("a1"),
    )
    assert [name for (name,) in found_by] == ["atom", "rss", "section", "sitemap"]
    assert world.sql("SELECT count(*) FROM versions")[0][0] == 4
    # the AMP twin is found as a1 by its URL too
    record = world.runtime.store.find_article(world.url("a1-amp") + "?utm_source=x")
    assert record is not None and record.url == world.url("a1")


def test_a_revision_of_an_article_in_four_sources_is_alerted_once(world: World) -> None:
    world.pass_()
    story = world.site.stories["a1"]
    story.paragraphs = ["Update: the storm has moved inland.", *story.paragraphs]
    story.updated = world.clock.advance(minutes=3)
    world.site.stories["a1-amp"].paragraphs = story.paragraphs
    lines = world.pass_()
    assert any("new_version" in line and "a1.html" in line for line in lines), lines
    assert world.hook_kinds() == [("a1.html", "edit")]
    assert world.sql("SELECT count(*) FROM changes")[0][0] == 1
    assert world.site.hits["/news/a1-amp.html"] == 1  # the duplicate is not fetched again


def test_a_newer_lastmod_pulls_the_next_check_forward(world: World) -> None:
    world.pass_()
    world.clock.advance(minutes=1)
    before = dict(world.site.hits)
    world.pass_()  # discovery again: nothing moved, nothing is due yet
    assert all(world.site.hits[p] == before.get(p) for p in before if p.startswith("/news/a"))

    # the publisher touches a3 (sitemap lastmod) and a2 (feed date)
    world.site.stories["a3"].updated = world.clock.now
    world.site.stories["a2"].updated = world.clock.now
    world.site.stories["a3"].paragraphs = text(4, "rail")
    lines = world.pass_()
    assert any("sitemap: 2 link(s), 2 recent, 0 new, 1 re-check(s)" in line for line in lines)
    assert world.site.hits["/news/a3.html"] == 2 and world.site.hits["/news/a2.html"] == 2
    assert world.site.hits["/news/a1.html"] == 1 and world.site.hits["/news/a4.html"] == 1
    assert world.hook_kinds() == [("a3.html", "edit")]
    # the same date again pulls nothing forward
    world.clock.advance(minutes=1)
    world.pass_()
    assert world.site.hits["/news/a3.html"] == 2


def test_404_is_removed_then_restored(world: World) -> None:
    world.pass_()
    world.site.stories["a2"].status = 404
    world.clock.advance(minutes=15)
    lines = world.pass_(force=True)
    assert any(line.startswith("removed") and "a2.html" in line for line in lines), lines
    assert world.hook_kinds() == [("a2.html", "removed")]
    assert "(HTTP 404 Not Found)" in str(world.site.hooks[0]["message"])

    # still gone: no second alert; the last good version is kept
    world.site.stories["a2"].status = 410
    world.clock.advance(minutes=15)
    lines = world.pass_(force=True)
    assert any("still gone (HTTP 410 Gone)" in line for line in lines), lines
    assert len(world.site.hooks) == 1
    assert (
        world.sql(
            "SELECT count(*) FROM versions v JOIN articles a ON a.id = v.article_id"
            " WHERE a.url = ?",
            world.url("a2"),
        )[0][0]
        == 1
    )
    rss = next(s for s in world.runtime.store.source_states(world.clock.now) if s.name == "rss")
    assert rss.removed == 1 and rss.failing == 0

    # it comes back unchanged: restored, no new version
    world.site.stories["a2"].status = 200
    world.clock.advance(minutes=15)
    lines = world.pass_(force=True)
    assert any(line.startswith("restored") and "a2.html" in line for line in lines), lines
    assert world.hook_kinds() == [("a2.html", "removed"), ("a2.html", "restored")]

    history = CliRunner().invoke(
        main, ["--config", str(world.config), "history", world.url("a2"), "--json"]
    )
    data = json.loads(history.output)
    assert [c["kind"] for c in data["changes"]] == ["removed", "restored"]
    assert data["changes"][0]["reason"] == "HTTP 404 Not Found"
    assert [(c["from"], c["to"]) for c in data["changes"]] == [(1, 1), (1, 1)]
    assert len(data["versions"]) == 1


def test_restored_with_new_text_is_one_change_with_the_diff(world: World) -> None:
    world.pass_()
    world.site.stories["a2"].status = 410
    world.pass_(force=True)
    world.site.stories["a2"].status = 200
    world.site.stories["a2"].title = "Budget vote delayed again"
    world.pass_(force=True)
    # the return is announced, and the new headline alerted like any edit
    assert world.hook_kinds() == [
        ("a2.html", "removed"),
        ("a2.html", "restored"),
        ("a2.html", "restored"),
    ]
    edit = next(h for h in world.site.hooks if h["type"] == "change")
    change = edit["change"]
    assert isinstance(change, dict) and change["title_changed"] is True
    assert (change["from"], change["to"]) == (1, 2)


def test_redirect_to_home_or_section_is_removed_but_a_move_is_not(world: World) -> None:
    world.pass_()
    world.site.stories["a4"].redirect = "/"
    world.site.stories["a3"].redirect = "/news/"
    world.site.stories["a1"].redirect = "/news/2024/storm-hits-the-coast.html"  # a move
    lines = world.pass_(force=True)
    assert sorted(world.hook_kinds()) == [("a3.html", "removed"), ("a4.html", "removed")], lines
    reasons = {str(h["url"]).rsplit("/", 1)[-1]: str(h["message"]) for h in world.site.hooks}
    assert "(redirected to http" in reasons["a4.html"] and reasons["a4.html"].endswith("/)")
    assert reasons["a3.html"].endswith("/news/)")
    moved = world.runtime.store.find_article(world.url("a1"))
    assert moved is not None and moved.removed_at is None
    assert moved.canonical_url is not None and moved.canonical_url.endswith(
        "/news/2024/storm-hits-the-coast.html"
    )
    # the article is findable at its new address too
    assert world.runtime.store.find_article(world.site.url("/news/2024/storm-hits-the-coast.html"))

    # the redirect is lifted: the article is back
    world.site.stories["a4"].redirect = None
    world.pass_(force=True)
    assert world.hook_kinds()[-1] == ("a4.html", "restored")


def test_sources_command_shows_the_state_per_source(world: World) -> None:
    world.pass_()
    world.site.stories["a2"].status = 404
    world.pass_(force=True)
    result = CliRunner().invoke(main, ["--config", str(world.config), "sources"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "rss (feed, every 10m)" in out
    # rss lists a1, a2 and a1's AMP twin (merged into a1, so not counted twice)
    assert "articles 2, due 0, retired 0, removed 1, failing 0" in out
    assert "sitemap (sitemap, every 10m)" in out and "2 link(s) listed" in out
    assert "section (index, every 10m)" in out


def test_a_failing_feed_is_reported_and_the_rest_goes_on(world: World, tmp_path: Path) -> None:
    text_ = world.config.read_text().replace("/atom.xml", "/missing-feed.xml")
    world.config.write_text(text_)
    result = CliRunner().invoke(main, ["--config", str(world.config), "check"])
    assert result.exit_code == 1
    assert "discovery     atom failed:" in result.output and "HTTP 404" in result.output
    assert "first_version" in result.output  # the other sources' articles were checked
    out = CliRunner().invoke(main, ["--config", str(world.config), "sources"]).output
    assert "last error:" in out and "missing-feed.xml" in out

    # check --source NAME discovers that source and checks its due articles only
    result = CliRunner().invoke(
        main, ["--config", str(world.config), "check", "--source", "section"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("discovery     section: 4 link(s), 4 recent, 0 new")
    assert "nothing due" in result.output


def test_the_daemon_discovers_on_its_own_clock(tmp_path: Path, httpserver: HTTPServer) -> None:
    site = NewsSite(httpserver)
    clock = FakeClock()
    site.add(Story("d1", "Daemon story", text(3, "daemon"), clock.now - timedelta(hours=1)))
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: watch.db\nfetch:\n  host_delay: 0s\n"
        f"sources:\n  - name: rss\n    url: {site.url('/feed.xml')}\n"
        "    kind: feed\n    interval: 1s\n",
        encoding="utf-8",
    )
    stop = threading.Event()
    with build_runtime(load_config(config), should_stop=stop.is_set) as runtime:
        engine = daemon_engine(runtime, settings=EngineSettings(tick_seconds=0.2), stop=stop)
        daemon = threading.Thread(target=engine.run)
        daemon.start()
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not site.hits["/news/d1.html"]:
                time.sleep(0.05)
            site.add(Story("d2", "Second story", text(3, "second"), clock.now))
            while time.monotonic() < deadline and not site.hits["/news/d2.html"]:
                time.sleep(0.05)
        finally:
            engine.stop()
            daemon.join(timeout=30)
        assert site.hits["/news/d1.html"] >= 1 and site.hits["/news/d2.html"] >= 1
        assert site.hits["/feed.xml"] >= 2  # discovery ran again at the source's interval
        assert len(runtime.store.articles("rss")) == 2
