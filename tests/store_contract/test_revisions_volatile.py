"""The store contract for what judge/revisions and judge/volatile decide: a revert or a
returning headline variant is written as a change back to a known version (no new number,
that version current again), and learned volatile fragments are kept per article, shared by
the source from two articles on. The rules are not the store's; it only writes them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from newswatch.store import SourceSpec, Store
from tests.store_contract.test_contract import T0, URL, V1, V2, claim_one, record, spec


def test_a_revert_goes_back_to_the_known_version(store: Store) -> None:
    store.sync_sources([spec()], T0)
    record(store, claim_one(store, T0), T0, V1)
    at = T0 + timedelta(minutes=10)
    record(store, claim_one(store, at), at, V2, channels=("log",))
    at += timedelta(minutes=10)
    made, applied = record(store, claim_one(store, at), at, V1, channels=("log",))
    assert (made.version_n, made.new_version) == (1, False) and applied.change_id is not None
    found = store.find_article(URL)
    assert found is not None
    assert [v.n for v in store.versions(found.id)] == [1, 2]
    current = store.latest_version(found.id)
    assert current is not None and current.n == 1 and current.seen_count == 2
    latest_change = store.changes(found.id, limit=1)[0]
    assert (latest_change.kind, latest_change.from_n, latest_change.to_n) == ("revert", 2, 1)
    assert latest_change.record["back_to"] == 1
    # a text never held is numbered after the highest version, compared from v1
    at += timedelta(minutes=10)
    v3 = replace(V2, paragraphs=[*V2.paragraphs, "فقرة جديدة"])
    made, _ = record(store, claim_one(store, at), at, v3)
    assert (made.version_n, made.new_version) == (3, True)
    assert store.changes(found.id, limit=1)[0].from_n == 1


def test_volatile_fragments_are_kept_per_article_and_shared_by_the_source(store: Store) -> None:
    store.sync_sources([SourceSpec("daily", "https://example.org/feed", "feed", 600.0, "UTC")], T0)
    urls = [f"https://example.org/news/{i}" for i in range(3)]
    store.add_articles("daily", urls, T0)
    ids = []
    for url in urls:
        found = store.find_article(url)
        assert found is not None
        ids.append(found.id)
    store.learn_volatile(ids[0], ["{*} views", "Ref {*} here"], T0)
    store.learn_volatile(ids[0], ["{*} views"], T0)  # a repeat is ignored
    assert store.volatile_templates(ids[2]) == []
    store.learn_volatile(ids[1], ["{*} views"], T0)
    assert store.volatile_templates(ids[2]) == ["{*} views"]
    assert sorted(store.volatile_templates(ids[0])) == ["Ref {*} here", "{*} views"]
    learned = [(f.template, f.articles, f.source_wide) for f in store.volatile_learned("daily")]
    assert learned == [("{*} views", 2, True), ("Ref {*} here", 1, False)]
    assert store.forget_volatile("daily", "{*} views") == 2
    assert store.volatile_templates(ids[2]) == []
    assert store.forget_volatile("daily") == 1
    assert store.volatile_learned("daily") == []
