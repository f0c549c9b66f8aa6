"""Following, on every backend: the rows the rules of :mod:`newswatch.following` decide
(a shortened interval, an article source whose URL moved, a merge) are written alike."""

from __future__ import annotations

from datetime import timedelta

from newswatch.store import SignalWrite, SourceSpec, Store
from tests.store_contract.test_contract import T0, URL, V1, claim_one, record, spec


def test_a_shortened_interval_pulls_the_next_check_forward(store: Store) -> None:
    store.sync_sources([spec(interval=7200)], T0)
    record(store, claim_one(store, T0), T0, V1)
    later = T0 + timedelta(minutes=1)
    assert store.claim_due(later + timedelta(seconds=900), 10, 60) == []
    store.sync_sources([spec(interval=600)], later)
    assert store.claim_due(later + timedelta(seconds=599), 10, 60) == []
    assert len(store.claim_due(later + timedelta(seconds=600), 10, 60)) == 1


def test_an_article_source_whose_url_moved_retires_the_old_article(store: Store) -> None:
    moved = "https://www.alhurra.example/a/moved.html"
    store.sync_sources([spec()], T0)
    store.sync_sources([spec(url=moved)], T0)
    states = {a.url: a.state for a in store.articles()}
    assert states == {URL: "retired", moved: "active"}
    assert [d.url for d in store.claim_due(T0, 10, 60)] == [moved]
    # moving back revives the old article (it was retired by the move, not the schedule)
    store.sync_sources([spec()], T0 + timedelta(minutes=1))
    states = {a.url: a.state for a in store.articles()}
    assert states == {URL: "active", moved: "retired"}


def test_a_merged_survivor_inherits_sources_and_the_newest_date(store: Store) -> None:
    copy = URL + "?from=feed"
    feed = SourceSpec("feed", "https://f.example/rss", "feed", 600, "UTC")
    other = SourceSpec("other", "https://o.example/rss", "feed", 600, "UTC")
    store.sync_sources([feed, other], T0)
    assert store.add_articles("feed", [URL], T0) == 1
    first = claim_one(store, T0)
    record(store, first, T0, V1)  # the survivor: has a version, canonical URL
    assert store.add_articles("other", [copy], T0) == 1
    newest = T0 + timedelta(hours=3)
    dup = store.followed([copy])[copy]
    store.apply_signals("other", [SignalWrite(dup.article_id, newest)], T0)
    survivor = store.followed([URL])[URL]
    store.apply_signals("feed", [SignalWrite(survivor.article_id, T0)], T0)

    later = T0 + timedelta(minutes=1)
    second = claim_one(store, later)
    assert second.url == copy
    made, applied = record(store, second, later, V1)
    assert applied.written and made.merged_into == first.article_id

    counts = {s.name: s.articles for s in store.source_states(later)}
    assert counts == {"feed": 1, "other": 1}  # the survivor, listed by both now
    merged = store.followed([URL, copy])
    assert merged[URL].publisher_updated == newest == merged[copy].publisher_updated
    assert merged[copy].article_id == first.article_id


def test_a_schedule_retired_article_stays_retired_when_listed_again(store: Store) -> None:
    feed = SourceSpec("feed", "https://f.example/rss", "feed", 600, "UTC")
    store.sync_sources([feed], T0)
    assert store.add_articles("feed", [URL], T0) == 1
    record(store, claim_one(store, T0), T0, V1)
    quiet = T0 + timedelta(days=31)
    record(store, claim_one(store, quiet), quiet, V1)  # quiet for 30 days: retired
    assert [a.state for a in store.articles()] == ["retired"]
    assert store.add_articles("feed", [URL], quiet) == 0
    assert [a.state for a in store.articles()] == ["retired"]
    assert store.claim_due(quiet + timedelta(days=1), 10, 60) == []


def test_an_article_retired_by_a_clock_ahead_is_claimed_at_once_on_the_real_clock(
    store: Store,
) -> None:
    """A clock 31 days ahead found the article quiet for 30 days and retired it: on the real
    clock one claim revives it and hands it out (not a claim later, nor never)."""
    feed = SourceSpec("feed", "https://f.example/rss", "feed", 600, "UTC")
    store.sync_sources([feed], T0)
    assert store.add_articles("feed", [URL], T0) == 1
    record(store, claim_one(store, T0), T0, V1)
    ahead = T0 + timedelta(days=31)
    record(store, claim_one(store, ahead), ahead, V1)  # retired "in the future"
    assert [a.state for a in store.articles()] == ["retired"]
    back = T0 + timedelta(minutes=1)
    assert [d.url for d in store.claim_due(back, 10, 60)] == [URL]
    assert [a.state for a in store.articles()] == ["active"]
