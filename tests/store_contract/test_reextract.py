"""Re-extraction on every backend: checks recorded with a worse extraction rule, their
pages kept as captures in the check's own transaction, read again by the normal extractor
as generation 2; a second run finds nothing to do; an unchanged history is left alone."""

from __future__ import annotations

from datetime import timedelta

from newswatch.archive import with_capture
from newswatch.extract import ExtractRules
from newswatch.judge.plan import CheckPolicy, Extracted, asks, plan
from newswatch.reextract.rejudge import Capture, Subject, read
from newswatch.reextract.runner import Reextractor, Target
from newswatch.store import Store
from tests.store_contract.test_contract import T0, URL, claim_one, spec

WORSE = ExtractRules(body="body")


def page(k: int, counter: int) -> bytes:
    """Version ``k`` of a story, with a view counter outside the article."""
    updates = [f"Update {j}: talks go on after vote number {j} failed narrowly." for j in range(k)]
    base = [
        f"The council met on Tuesday to discuss the budget for the coming year, and members"
        f" argued about schools, roads and the new library ({j})."
        for j in range(5)
    ]
    body = "".join(f"<p>{p}</p>" for p in updates + base)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Budget talks"
        f"</title></head><body><article><h1>Budget talks</h1>{body}</article>"
        f"<div class='counter'><p>Read {counter} times</p></div></body></html>"
    ).encode()


def check(store: Store, minutes: int, body: bytes) -> None:
    """One check of the page ``body`` as a live check records it, with the worse rule."""
    at = T0 + timedelta(minutes=minutes)
    due = claim_one(store, at)
    capture = Capture(at, URL, URL, 200, {"content-type": "text/html; charset=utf-8"}, body)
    gathered = read(capture, Subject(due.article_id, due.source, due.url), WORSE)
    assert isinstance(gathered, Extracted)
    content, canonical = asks(gathered)
    state = store.check_state(due, content_hash=content, canonical_url=canonical, now=at)
    made = plan(state, gathered, due, CheckPolicy(channels=("log",)), at)
    assert store.apply(with_capture(made.write, gathered.fetched, "versions")).written
    for delivery in store.due_deliveries(at, 10):
        store.mark_delivered(delivery.id, at)


def test_a_history_is_read_again_from_its_captures(store: Store) -> None:
    store.sync_sources([spec()], T0)
    for minutes, k, counter in ((0, 0, 1203), (10, 0, 1210), (20, 1, 1217), (30, 1, 1217)):
        check(store, minutes, page(k, counter))
    (article,) = store.articles()
    assert [v.seen_count for v in store.versions(article.id)] == [1, 1, 2]

    now = T0 + timedelta(days=1)
    reextractor = Reextractor(store, {"alhurra": Target()}, clock=lambda: now)
    dry = reextractor.run(dry_run=True)
    assert [r.verdict for r in dry] == ["would_change"]
    assert len(store.versions(article.id)) == 3

    (done,) = reextractor.run()
    assert (done.verdict, done.generation) == ("changed", 2)
    assert done.report is not None
    assert (done.report.versions_before, done.report.versions_after) == (3, 2)
    assert (done.report.merged, done.report.noise) == (1, 3)
    versions = store.versions(article.id)
    assert [(v.n, v.seen_count) for v in versions] == [(1, 2), (2, 2)]
    assert all(not any("times" in p for p in v.paragraphs) for v in versions)
    assert [(c.from_n, c.to_n) for c in store.changes(article.id)] == [(1, 2)]
    assert store.due_deliveries(now + timedelta(days=1), 10) == []  # nothing alerted
    first, second = store.generations(article.id)
    assert (first.versions, second.versions, second.made_at) == (3, 2, now)
    assert len(store.generation_versions(article.id, 1)) == 3

    (again,) = reextractor.run()
    assert again.verdict == "unchanged"
    assert [g.n for g in store.generations(article.id)] == [1, 2]
    assert reextractor.run(since=T0 + timedelta(days=2)) == []


def test_a_history_without_captures_is_left_as_it_is(store: Store) -> None:
    store.sync_sources([spec()], T0)
    (article,) = store.articles()
    (result,) = Reextractor(store, {}).run()
    assert result.verdict == "no_captures"
    assert store.generations(article.id)[0].current
