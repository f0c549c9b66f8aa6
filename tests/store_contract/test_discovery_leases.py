"""A source's discovery is leased to one process at a time, on every backend: a second
claimer (another store on the same database: another process or host) is refused while the
lease is live, takes it over once it expired, and a late holder cannot give back the newer
lease; the daemon's periodic claim also skips a source another host has just read."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newswatch.config import load_config
from newswatch.discover import DiscoveryRunner
from newswatch.errors import StoreError
from newswatch.fetch import Fetcher
from newswatch.store import SourceSpec, Store, open_store
from tests.store_contract.test_contract import T0

FEED = SourceSpec(
    name="feed", url="https://e.example/feed.xml", kind="feed", interval_seconds=600, timezone="UTC"
)


def test_one_claimer_at_a_time_fenced_and_taken_over_after_the_lease(
    store: Store, store_url: str
) -> None:
    store.sync_sources([FEED], T0)
    other = open_store(store_url)  # another process, or another host
    try:
        first = store.claim_discovery("feed", T0, 60)
        assert first is not None
        assert other.claim_discovery("feed", T0 + timedelta(seconds=1), 60) is None
        assert not other.release_discovery("feed", first + 1)  # not its lease to give
        assert store.release_discovery("feed", first)
        assert not store.release_discovery("feed", first)  # given back once
        second = other.claim_discovery("feed", T0 + timedelta(seconds=2), 60)
        assert second is not None and second > first
        # the holder died: past its lease another takes over, and the late one is fenced off
        third = store.claim_discovery("feed", T0 + timedelta(seconds=63), 60)
        assert third is not None and third > second
        assert not other.release_discovery("feed", second)
        assert store.release_discovery("feed", third)
        with pytest.raises(StoreError, match="unknown source"):
            store.claim_discovery("nope", T0, 60)
    finally:
        other.close()


def test_a_scheduled_claim_skips_a_source_just_read_elsewhere(store: Store) -> None:
    store.sync_sources([FEED], T0)
    store.record_discovery("feed", T0, 3, None)
    recent = T0 - timedelta(seconds=300)
    assert store.claim_discovery("feed", T0 + timedelta(seconds=10), 60, fresh_after=recent) is None
    later = T0 + timedelta(seconds=10)
    token = store.claim_discovery("feed", later, 60, fresh_after=T0 + timedelta(seconds=1))
    assert token is not None  # read before the window: due again
    assert store.release_discovery("feed", token)
    assert store.claim_discovery("feed", later, 60) is not None  # asked for: always


RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
    "<item><link>{base}/a/1</link></item></channel></rss>"
)


def test_two_hosts_discovering_at_once_read_the_feed_once(
    store_url: str, tmp_path: Path, httpserver: HTTPServer
) -> None:
    base = httpserver.url_for("").rstrip("/")
    inside, go_on = threading.Event(), threading.Event()

    def feed(request: Request) -> Response:
        inside.set()
        go_on.wait(60)  # the first host is mid-discovery while the second one tries
        return Response(RSS.format(base=base), content_type="application/rss+xml")

    httpserver.expect_request("/feed.xml").respond_with_handler(feed)
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        f"database: {store_url}\nsources:\n  - name: feed\n    url: {base}/feed.xml\n"
        "    kind: feed\n    interval: 10m\n",
        encoding="utf-8",
    )
    sources = load_config(config_path).sources
    one, two = open_store(store_url), open_store(store_url)
    try:
        one.sync_sources([s.spec() for s in sources], T0)
        with Fetcher() as fetcher:
            first = DiscoveryRunner(one, fetcher, sources, clock=lambda: T0)
            second = DiscoveryRunner(two, fetcher, sources, clock=lambda: T0)
            reports = []
            worker = threading.Thread(target=lambda: reports.append(first.run("feed")))
            worker.start()
            assert inside.wait(60)
            elsewhere = second.run("feed")
            go_on.set()
            worker.join(60)
            assert elsewhere.elsewhere and "another process" in elsewhere.line()
            assert [r.new for r in reports] == [1]
            assert len(httpserver.log) == 1  # the feed was read once
            # done: the next discovery is the second host's for the asking
            assert not second.run("feed").elsewhere
            # the daemon's periodic one on the first host: the second has just read it
            assert first.run("feed", scheduled=True).elsewhere
    finally:
        go_on.set()
        one.close()
        two.close()
