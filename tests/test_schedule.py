"""The adaptive schedule: the pure policy, then through real checks on a simulated clock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from newswatch.check import Checker
from newswatch.config import parse_config
from newswatch.errors import ConfigError
from newswatch.fetch import Fetcher
from newswatch.judge.signals import publisher_signals
from newswatch.politeness import Politeness, PolitenessSettings
from newswatch.schedule import (
    ArticleTiming,
    SchedulePolicy,
    interval_for,
    next_check,
    signal_wakes,
)
from newswatch.store import SourceSpec, Store, open_store
from tests.conftest import PageServer, write_config

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def publisher_date(store: Store, url: str, updated: datetime, now: datetime) -> int:
    """A feed of source "city" dating ``url``: the pure rule, then the store writes it."""
    updates = [(url, updated)]
    return store.apply_signals("city", publisher_signals(store.followed([url]), updates, now), now)


MIN = 60.0


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# ------------------------------------------------------------------ the pure policy


def test_young_articles_are_checked_at_the_floor_then_less_often() -> None:
    policy = SchedulePolicy(min_interval=10 * MIN)
    young = ArticleTiming(first_seen_at=T0)
    intervals = [interval_for(policy, young, at(m)) / MIN for m in (0, 30, 60, 120, 180, 1440)]
    assert intervals[:3] == [10, 10, 10]
    assert intervals == sorted(intervals)
    assert intervals[3] == pytest.approx(0.3 * 90)  # 2 h quiet, minus the 30 min hot period
    assert intervals[-1] == pytest.approx(0.3 * (1440 - 30))


def test_a_change_or_a_moved_update_stamp_brings_the_floor_back() -> None:
    policy = SchedulePolicy(min_interval=10 * MIN)
    quiet = ArticleTiming(first_seen_at=T0, unchanged_checks=20)
    assert interval_for(policy, quiet, at(600)) > 60 * MIN
    changed = ArticleTiming(first_seen_at=T0, last_change_at=at(595))
    assert interval_for(policy, changed, at(600)) == 10 * MIN
    stamped = ArticleTiming(first_seen_at=T0, updated=at(598), unchanged_checks=20)
    assert interval_for(policy, stamped, at(600)) == 10 * MIN
    # a stamp in the future (a wrong zone on the page) is not believed
    future = ArticleTiming(first_seen_at=T0, updated=at(6000))
    assert interval_for(policy, future, at(600)) > 60 * MIN


def test_our_first_sighting_is_a_sign_of_life_whatever_the_publish_date() -> None:
    policy = SchedulePolicy(min_interval=10 * MIN, max_interval=6 * 3600)
    old = ArticleTiming(first_seen_at=T0, published=T0 - timedelta(days=300))
    # newly watched: the source's interval for the whole hot period, then the usual growth
    assert [interval_for(policy, old, at(m)) for m in (0, 10, 20, 30, 40)] == [600] * 5
    assert interval_for(policy, old, at(120)) == pytest.approx(0.3 * 90 * MIN)
    assert interval_for(policy, old, at(120)) == interval_for(
        policy, ArticleTiming(first_seen_at=T0), at(120)
    )
    # a publish date after our first sighting (we found it early) still counts
    fresh = ArticleTiming(first_seen_at=T0, published=at(60))
    assert interval_for(policy, fresh, at(90)) == 600
    # bounds hold
    assert interval_for(policy, old, T0 + timedelta(days=5)) == 6 * 3600
    assert interval_for(SchedulePolicy(min_interval=10 * MIN, adaptive=False), old, T0) == 600
    backoff = SchedulePolicy(min_interval=10 * MIN, backoff=2.0)
    assert interval_for(backoff, ArticleTiming(first_seen_at=T0, unchanged_checks=3), T0) == 4800


def test_retirement_counts_from_what_we_saw_not_the_publish_date() -> None:
    policy = SchedulePolicy(retire_after=7 * 86400)
    old = ArticleTiming(first_seen_at=T0, published=T0 - timedelta(days=300))
    assert not next_check(policy, old, at(60)).retire
    assert next_check(policy, old, T0 + timedelta(days=7)).retire
    revived = ArticleTiming(first_seen_at=T0, last_change_at=T0 + timedelta(days=6))
    assert not next_check(policy, revived, T0 + timedelta(days=7)).retire
    assert not next_check(SchedulePolicy(retire_after=None), old, T0 + timedelta(days=999)).retire


def test_signals_newer_than_the_last_check_wake_an_article() -> None:
    assert signal_wakes(at(10), None)
    assert signal_wakes(at(10), at(5))
    assert not signal_wakes(at(5), at(10))


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        SchedulePolicy(min_interval=600, max_interval=60)
    with pytest.raises(ValueError):
        SchedulePolicy(backoff=0.5)


# ------------------------------------------------------------------ config


SOURCE = "sources:\n  - name: a\n    url: https://example.org/a\n    interval: 10m\n"


def test_schedule_config_merges_global_and_source_blocks() -> None:
    config = parse_config(
        "schedule:\n  max_interval: 6h\n  retire_after: 14d\n"
        + SOURCE
        + "    robots: false\n    schedule:\n      retire_after: never\n      backoff: 1.5\n"
        + "  - name: b\n    url: https://example.org/b\n    interval: 2m\n",
        environ={},
    )
    a, b = config.schedule_for("a"), config.schedule_for("b")
    assert (a.min_interval, a.max_interval, a.retire_after, a.backoff) == (600, 21600, None, 1.5)
    assert (b.min_interval, b.retire_after, b.backoff) == (120, 14 * 86400, 1.0)
    assert config.sources[0].robots is False and config.sources[1].robots is True


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("schedule:\n  backoff: 0.5\n" + SOURCE, "config.yaml:2: schedule.backoff: expected"),
        ("schedule:\n  quiet_fraction: 2\n" + SOURCE, "schedule.quiet_fraction: expected"),
        ("schedule:\n  retire_after: soon\n" + SOURCE, "schedule.retire_after: expected a dur"),
        ("schedule:\n  max_intervall: 1h\n" + SOURCE, "did you mean 'max_interval'"),
        ("schedule:\n  max_interval: 5m\n" + SOURCE, "config.yaml:6: sources[0].interval: max_"),
        (SOURCE + "    schedule:\n      max_interval: 1m\n", "sources[0].schedule.max_interval"),
        (SOURCE + "    robots: maybe\n", "sources[0].robots: expected true or false"),
        (SOURCE + "fetch:\n  per_host: 0\n", "fetch.per_host"),
    ],
)
def test_schedule_and_politeness_config_errors_point_at_the_line(text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, environ={})
    assert any(needle in line for line in info.value.problems), info.value.problems


# ------------------------------------------------------------------ through real checks


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def story(extra: str = "") -> bytes:
    body = "".join(
        f"<p>Paragraph {i} of the council story says the budget vote moved to a later date "
        f"after long talks between the parties and the city officials this week.</p>"
        for i in range(5)
    )
    return (
        "<html><head><title>Council vote delayed</title></head><body><article>"
        f"<h1>Council vote delayed</h1>{body}{extra}</article></body></html>"
    ).encode()


def test_checks_get_rarer_while_quiet_sooner_after_a_change_then_retire(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    page = {"html": story()}
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/news/1").respond_with_handler(
        lambda _request: Response(page["html"], content_type="text/html")
    )
    url = httpserver.url_for("/news/1")
    clock = FakeClock()
    store = open_store(tmp_path / "s.db")
    store.sync_sources([SourceSpec("city", url, "article", 600.0, "UTC")], clock())
    polite = Politeness(PolitenessSettings(host_delay=0), clock=clock, sleep=lambda _s: None)
    fetcher = Fetcher(clock=clock, politeness=polite)
    checker = Checker(store, fetcher, clock=clock, schedule=SchedulePolicy(retire_after=2 * 86400))

    def step() -> tuple[str, float]:
        reports = checker.run_pass()
        assert len(reports) == 1, reports
        record = store.find_article(url)
        assert record is not None and record.next_check_at is not None
        gap = (record.next_check_at - clock.now).total_seconds() / MIN
        clock.now = record.next_check_at
        return reports[0].outcome, gap

    try:
        outcome, gap = step()
        assert (outcome, gap) == ("first_version", 10)
        gaps = [step() for _ in range(12)]
        assert {o for o, _ in gaps} == {"unchanged"}
        minutes = [g for _, g in gaps]
        assert minutes == sorted(minutes) and minutes[0] == 10 and minutes[-1] > 30

        page["html"] = story("<p>Update: the vote is now set for Friday, officials said.</p>")
        outcome, gap = step()
        assert (outcome, gap) == ("new_version", 10)  # sooner after a change

        # a restart resumes from the database: the state is there, not in memory
        due = store.claim_due(clock.now, 10, 60)
        assert due and due[0].unchanged_checks == 0 and due[0].last_change_at is not None
        clock.now += timedelta(minutes=2)  # that claim is abandoned; its lease expires

        for _ in range(200):  # nothing changes any more: backs off to retirement
            current = store.find_article(url)
            if current is not None and current.state == "retired":
                break
            step()
        record = store.find_article(url)
        assert record is not None and record.state == "retired" and record.versions == 2
        fetches_when_retired = len(store.fetches(record.id, limit=1000))
        assert fetches_when_retired < 60  # two days: far fewer than 288 fixed 10-min checks
        clock.now += timedelta(days=3)
        assert store.claim_due(clock.now, 10, 60, force=True) == []

        # a publisher signal (feed updated / sitemap lastmod) newer than our last check wakes it
        assert record.last_checked_at is not None
        stale = record.last_checked_at - timedelta(hours=1)
        assert publisher_date(store, url, stale, clock.now) == 0
        assert store.claim_due(clock.now, 10, 60) == []
        fresh = clock.now - timedelta(minutes=5)
        assert publisher_date(store, url, fresh, clock.now) == 1
        woken = store.claim_due(clock.now, 10, 60)
        assert [d.url for d in woken] == [url] and woken[0].unchanged_checks == 0
    finally:
        fetcher.close()
        store.close()


# ------------------------------------------------------------------ under the daemon


def test_an_old_article_added_today_is_checked_at_its_interval_under_run(
    tmp_path: Path, site: PageServer
) -> None:
    """The 18:17 fixture is dated 2016; with ``interval: 2s`` and the adaptive schedule on,
    ``newswatch run`` must still see its update within a few intervals, not a day later."""
    config = write_config(
        tmp_path,
        site.url,
        hook_url=site.hook_url,
        interval="2s",
        extra="schedule:\n  hot_period: 30m\n",
    )
    site.on_hit = lambda n: site.serve("v2.html") if n >= 1 else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswatch.cli", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        changes: list[dict[str, object]] = []
        while time.monotonic() < deadline and not changes:
            time.sleep(0.2)
            changes = [hook for hook in site.hooks if hook.get("type") == "change"]
        assert changes, "the daemon did not check the old article again"
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    assert site.hits >= 2
