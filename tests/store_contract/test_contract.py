"""The store contract: what every backend must do, run against each (see conftest.py).

Claims and fencing, versions and "last seen", changes with their deliveries, the outbox,
the readers. Nothing here may depend on one backend; SQLite-only behaviour (schema steps,
file locks, crash safety of the file) is in tests/test_store_sqlite.py.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from newswatch.errors import StoreError
from newswatch.judge.identity import change_uid
from newswatch.judge.plan import (
    CheckPolicy,
    Extracted,
    FetchFailed,
    Gathered,
    NotModified,
    Planned,
    asks,
    plan,
)
from newswatch.models import Article, Change, FetchResult, ParagraphOp, Stamp, WordOp
from newswatch.normalize import content_hash
from newswatch.store import Applied, ChangeFilter, DigestGuard, DueArticle, SourceSpec, Store

T0 = datetime(2016, 7, 20, 13, 0, tzinfo=UTC)
URL = "https://www.alhurra.com/a/carter-coalition-isis/312345.html"
CANONICAL = "https://www.alhurra.com/a/312345.html"


def spec(name: str = "alhurra", url: str = URL, interval: float = 600) -> SourceSpec:
    return SourceSpec(name=name, url=url, kind="article", interval_seconds=interval, timezone="UTC")


def article(title: str, paragraphs: list[str], updated: datetime | None = None) -> Article:
    stamps = [Stamp("updated", "تحديث 18:17 تغ", updated, "text")] if updated else []
    return Article(
        url=URL,
        title=title,
        paragraphs=paragraphs,
        published=T0,
        updated=updated,
        stamps=stamps,
        language="ar",
        canonical_url=CANONICAL,
    )


def fetched(at: datetime, art: Article | None, status: int = 200) -> FetchResult:
    return FetchResult(
        url=URL,
        final_url=URL,
        status=304 if art is None else status,
        headers={},
        content=b"" if art is None else b"<html>" * 100,
        text=None,
        charset="utf-8",
        etag='"abc"' if art else None,
        last_modified=None,
        redirects=[],
        elapsed_ms=12.5,
        fetched_at=at,
    )


def gathered(at: datetime, art: Article | None, error: str | None) -> Gathered:
    if error is not None:
        return FetchFailed(at, error, "network")
    if art is None:
        return NotModified(at, fetched(at, None))
    return Extracted(at, fetched(at, art), art)


def planned(
    store: Store,
    due: DueArticle,
    at: datetime,
    art: Article | None = None,
    channels: tuple[str, ...] = (),
    error: str | None = None,
) -> Planned:
    """What the pure planner makes of this check, against the store's one state read."""
    got = gathered(at, art, error)
    content, canonical = asks(got)
    state = store.check_state(due, content_hash=content, canonical_url=canonical, now=at)
    return plan(state, got, due, CheckPolicy(channels=channels), at)


def record(
    store: Store,
    due: DueArticle,
    at: datetime,
    art: Article | None = None,
    channels: tuple[str, ...] = (),
    error: str | None = None,
) -> tuple[Planned, Applied]:
    made = planned(store, due, at, art, channels, error)
    return made, store.apply(made.write)


def change(old: Article, new: Article) -> Change:
    return Change(
        title_changed=old.title != new.title,
        old_title=old.title,
        new_title=new.title,
        paragraphs_added=1,
        paragraphs_removed=0,
        paragraphs_modified=1,
        new_updated_stamp=new.updated,
        silent=new.updated is None,
        severity="major",
        where="top",
        words_added=["كارتر"],
        words_removed=[],
        ops=[
            ParagraphOp("added", None, 0, None, new.paragraphs[0]),
            ParagraphOp(
                "modified",
                0,
                1,
                "a",
                "b",
                [WordOp("removed", "a"), WordOp("added", "b")],
            ),
        ],
    )


def record_change(
    store: Store, due: DueArticle, at: datetime, art: Article, chg: Change
) -> Applied:
    """Apply the planner's plan for this check with its change replaced by ``chg`` (a
    change record exactly as a test writes it)."""
    made = planned(store, due, at, art)
    assert made.write.change is not None
    return store.apply(replace(made.write, change=replace(made.write.change, change=chg)))


def claim_one(store: Store, at: datetime) -> DueArticle:
    claimed = store.claim_due(at, limit=10, lease_seconds=60)
    assert len(claimed) == 1
    return claimed[0]


V1 = article("وزراء دفاع وخارجية التحالف", ["يلتقي عشرات من وزراء دفاع", "المصدر: وكالات"])
V2 = article(
    "كارتر: شركاؤنا لديهم ما يحتاجون لهزيمة داعش",
    ["قال وزير الدفاع الأميركي", "يلتقي عشرات من وزراء دفاع", "المصدر: وكالات"],
    updated=datetime(2016, 7, 20, 18, 17, tzinfo=UTC),
)


# ------------------------------------------------------------------ sources and claims


def test_sync_claim_lease_expiry_and_fencing(store: Store) -> None:
    store.sync_sources([spec()], T0)
    store.sync_sources([spec()], T0)  # idempotent: still one article
    first = claim_one(store, T0)
    assert (first.url, first.source, first.interval_seconds) == (URL, "alhurra", 600)
    assert store.claim_due(T0 + timedelta(seconds=30), 10, 60) == []  # leased
    second = claim_one(store, T0 + timedelta(seconds=61))  # lease expired
    assert second.lease_token == first.lease_token + 1

    _, stale = record(store, first, T0 + timedelta(seconds=62), V1)
    assert stale.lease_lost and not stale.written
    assert store.versions(first.article_id) == []
    assert store.fetches(first.article_id) == []

    made, fresh = record(store, second, T0 + timedelta(seconds=63), V1)
    assert (made.version_n, made.new_version, fresh.lease_lost) == (1, True, False)
    assert [v.n for v in store.versions(second.article_id)] == [1]
    _, again = record(store, second, T0 + timedelta(seconds=64), V1)
    assert again.lease_lost  # a claim is recorded once
    # not due until next_check_at, unless forced
    assert store.claim_due(T0 + timedelta(minutes=5), 10, 60) == []
    assert len(store.claim_due(T0 + timedelta(minutes=5), 10, 60, force=True)) == 1


def test_a_check_recorded_by_a_clock_ahead_is_due_again(store: Store) -> None:
    """A clock 30 days ahead wrote the last check and a due time 30 days out: on the real
    clock the article is due now, not in 30 days (and not before, once checked again)."""
    store.sync_sources([spec()], T0)
    record(store, claim_one(store, T0), T0, V1)
    ahead = T0 + timedelta(days=30)
    record(store, claim_one(store, ahead), ahead, V1)
    back = T0 + timedelta(hours=1)
    due = claim_one(store, back)
    record(store, due, back, V1)
    assert store.claim_due(back + timedelta(minutes=5), limit=10, lease_seconds=60) == []


def test_claim_order_limit_and_source_filter(store: Store) -> None:
    store.sync_sources([spec("a", "https://a.example/1"), spec("b", "https://b.example/1")], T0)
    assert store.add_articles("b", ["https://b.example/2", "https://b.example/1"], T0) == 1
    assert [d.source for d in store.claim_due(T0, 10, 60, sources=["b"])] == ["b", "b"]
    assert [d.url for d in store.claim_due(T0, 1, 60)] == ["https://a.example/1"]
    by_url = store.claim_due(T0, 10, 60, force=True, urls=["https://b.example/2/"])
    assert [d.url for d in by_url] == []  # still leased
    later = T0 + timedelta(minutes=2)
    by_url = store.claim_due(later, 10, 60, force=True, urls=["https://b.example/2/"])
    assert [d.url for d in by_url] == ["https://b.example/2"]
    with pytest.raises(StoreError):
        store.add_articles("nope", ["https://x.example/"], T0)


def test_removed_source_is_kept_but_not_claimed(store: Store) -> None:
    store.sync_sources([spec("a", "https://a.example/1"), spec("b", "https://b.example/1")], T0)
    store.sync_sources([spec("a", "https://a.example/1", interval=60)], T0)
    assert [d.source for d in store.claim_due(T0, 10, 60)] == ["a"]
    assert [s.name for s in store.source_states(T0)] == ["a"]
    assert store.source_states(T0)[0].interval_seconds == 60
    assert {a.source for a in store.articles()} == {"a", "b"}  # history kept
    store.sync_sources([], T0)
    assert store.claim_due(T0 + timedelta(hours=1), 10, 60) == []


def test_worker_pool_claims_each_article_once(store: Store) -> None:
    store.sync_sources([SourceSpec("feed", "https://f.example/rss", "feed", 600, "UTC")], T0)
    urls = [f"https://f.example/{i}" for i in range(40)]
    store.add_articles("feed", urls, T0)

    def worker(_: int) -> list[str]:
        got: list[str] = []
        while batch := store.claim_due(T0, 3, 60):
            got.extend(d.url for d in batch)
        return got

    with ThreadPoolExecutor(4) as pool:
        claimed = [url for part in pool.map(worker, range(4)) for url in part]
    assert sorted(claimed) == sorted(urls)


# ------------------------------------------------------------------ versions and changes


def test_first_version_then_same_hash_only_bumps_last_seen(store: Store) -> None:
    store.sync_sources([spec()], T0)
    due = claim_one(store, T0)
    made, rec = record(store, due, T0, V1)
    assert (made.version_n, made.new_version, rec.change_id) == (1, True, None)
    v1 = store.latest_version(due.article_id)
    assert v1 is not None and v1.paragraphs == V1.paragraphs and v1.seen_count == 1
    assert v1.hash == content_hash(V1.title, V1.paragraphs)

    later = T0 + timedelta(minutes=10)
    due = claim_one(store, later)
    assert due.etag == '"abc"'
    # same text with a stray tatweel and different spacing: same version
    same = article(
        V1.title.replace("دفاع", "دفـاع"), ["يلتقي  عشرات من وزراء دفاع", V1.paragraphs[1]]
    )
    made, rec = record(store, due, later, same)
    assert (made.version_n, made.new_version, rec.change_id) == (1, False, None)
    versions = store.versions(due.article_id)
    assert len(versions) == 1
    assert versions[0].seen_count == 2 and versions[0].last_seen_at == later
    assert versions[0].first_seen_at == T0
    assert store.changes(due.article_id) == []

    # a 304 also confirms the latest version is still live
    due = claim_one(store, later + timedelta(minutes=10))
    made, rec = record(store, due, later + timedelta(minutes=10))
    assert made.version_n == 1 and not made.new_version and rec.written
    assert store.versions(due.article_id)[0].seen_count == 3
    fetched = store.fetches(due.article_id)
    assert [f["outcome"] for f in fetched] == ["not_modified", "unchanged", "new_version"]


def test_new_version_change_and_deliveries_written_together(store: Store) -> None:
    store.sync_sources([spec()], T0)
    due = claim_one(store, T0)
    record(store, due, T0, V1)
    at = T0 + timedelta(hours=5, minutes=20)
    due = claim_one(store, at)
    made, rec = record(store, due, at, V2, channels=("log", "webhook", "log"))
    assert (made.version_n, made.new_version) == (2, True) and rec.change_id is not None
    assert made.write.change is not None
    chg = made.write.change.change

    v2 = store.version(due.article_id, 2)
    assert v2 is not None and v2.title == V2.title and v2.updated == V2.updated
    assert v2.stamps == V2.stamps and v2.final_url == URL
    stored = store.change(rec.change_id)
    assert stored is not None
    expected_uid = change_uid(URL, content_hash(V1.title, V1.paragraphs), v2.hash, 2)
    assert stored.uid == expected_uid and len(stored.uid) == 32
    assert (stored.from_n, stored.to_n, stored.at, stored.source) == (1, 2, at, "alhurra")
    assert stored.title == V2.title and stored.summary == chg.summary()
    assert stored.record == chg.record() and stored.diff == chg.diff_dict()
    as_json = stored.as_dict()
    assert as_json["id"] == expected_uid and as_json["from"] == 1 and as_json["to"] == 2
    assert as_json["new_updated_stamp"] == "2016-07-20T18:17:00+00:00"
    assert as_json["title_changed"] is True and as_json["silent"] is False

    deliveries = store.due_deliveries(at, 10)
    assert [d.key for d in deliveries] == [f"{expected_uid}:log", f"{expected_uid}:webhook"]
    assert all(d.state == "pending" and d.attempts == 0 for d in deliveries)
    context = store.delivery_context(deliveries[1].id)
    assert context is not None and context[1] == stored and context[0] == deliveries[1]
    assert store.delivery_context(9999) is None

    found = store.find_article(URL)
    assert found is not None and found.title == V2.title and found.versions == 2
    assert found.canonical_url == CANONICAL
    assert [c.to_n for c in store.changes()] == [2]


def test_failure_mid_record_rolls_back_everything(store: Store) -> None:
    store.sync_sources([spec()], T0)
    record(store, claim_one(store, T0), T0, V1)
    at = T0 + timedelta(hours=1)
    due = claim_one(store, at)
    made = planned(store, due, at, V2, channels=("log",))
    assert made.write.change is not None
    naive = replace(made.write.change.change, new_updated_stamp=datetime(2016, 7, 20, 18, 17))
    broken = replace(made.write, change=replace(made.write.change, change=naive))
    with pytest.raises(ValueError):
        store.apply(broken)
    assert len(store.versions(due.article_id)) == 1
    assert len(store.fetches(due.article_id)) == 1
    assert store.changes() == [] and store.due_deliveries(at, 10) == []
    found = store.find_article(URL)
    assert found is not None and found.title == V1.title and found.last_checked_at == T0
    # the lease survived, so the same claim can still record its result
    assert store.apply(made.write).written and len(store.versions(due.article_id)) == 2


def test_delivery_retry_and_give_up(store: Store) -> None:
    store.sync_sources([spec()], T0)
    record(store, claim_one(store, T0), T0, V1)
    at = T0 + timedelta(hours=1)
    record(store, claim_one(store, at), at, V2, channels=("a", "b"))
    a, b = store.due_deliveries(at, 10)
    store.mark_delivered(a.id, at)
    store.mark_retry(b.id, "HTTP 503", at + timedelta(minutes=1), give_up=False)
    assert store.due_deliveries(at, 10) == []
    (retry,) = store.due_deliveries(at + timedelta(minutes=1), 10)
    assert (retry.id, retry.attempts, retry.last_error) == (b.id, 1, "HTTP 503")
    store.mark_retry(b.id, "HTTP 500", at + timedelta(minutes=5), give_up=True)
    assert store.due_deliveries(at + timedelta(days=1), 10) == []
    context = store.delivery_context(b.id)
    assert context is not None
    assert (context[0].state, context[0].attempts) == ("failed", 2)
    (state,) = store.source_states(at)
    assert (state.pending_deliveries, state.failed_deliveries) == (0, 1)


def test_delivery_claims_lease_and_fence(store: Store) -> None:
    """Two senders: a claimed delivery is invisible to the other until its lease expires;
    the stale claim can neither renew nor settle it after a newer claim took over."""
    store.sync_sources([spec()], T0)
    record(store, claim_one(store, T0), T0, V1)
    at = T0 + timedelta(hours=1)
    record(store, claim_one(store, at), at, V2, channels=("a", "b"))
    (a,) = store.claim_deliveries(at, 10, 30, channels=["a"])
    assert a.channel == "a" and a.lease_token == 1
    assert store.claim_deliveries(at, 10, 30, channels=["a"]) == []  # leased
    (b,) = store.claim_deliveries(at, 10, 30, exclude=["a"])
    assert b.channel == "b"
    later = at + timedelta(seconds=31)
    (again,) = store.claim_deliveries(later, 10, 30, channels=["a"])  # lease expired
    assert (again.id, again.lease_token) == (a.id, 2)
    assert not store.renew_delivery(a.id, a.lease_token, later + timedelta(seconds=30))
    assert not store.mark_delivered(a.id, later, a.lease_token)  # the stale claim is fenced
    assert store.renew_delivery(again.id, again.lease_token, later + timedelta(seconds=30))
    assert store.mark_delivered(again.id, later, again.lease_token)
    assert store.claim_deliveries(later + timedelta(days=1), 10, 30, channels=["a"]) == []
    # a released claim is free at once; a retried one waits for its next attempt
    store.release_deliveries([(b.id, b.lease_token)])
    (b2,) = store.claim_deliveries(at, 10, 30, channels=["b"])
    assert store.mark_retry(b2.id, "HTTP 503", at + timedelta(minutes=1), False, b2.lease_token)
    assert store.claim_deliveries(at + timedelta(seconds=59), 10, 30) == []
    (b3,) = store.claim_deliveries(at + timedelta(minutes=1), 10, 30)
    assert (b3.id, b3.attempts, b3.lease_token) == (b.id, 1, 3)


# ------------------------------------------------------------------ readers


def test_find_article_by_canonical_and_trailing_slash(store: Store) -> None:
    store.sync_sources([spec()], T0)
    record(store, claim_one(store, T0), T0, V1)
    for url in (URL, URL + "/", CANONICAL, CANONICAL + "/"):
        found = store.find_article(url)
        assert found is not None and found.url == URL, url
    assert store.find_article("https://elsewhere.example/") is None


def test_source_states_counts(store: Store) -> None:
    store.sync_sources(
        [spec(), SourceSpec("feed", "https://f.example/rss", "feed", 300, "Asia/Riyadh")], T0
    )
    store.add_articles("feed", ["https://f.example/1", "https://f.example/2"], T0)
    claimed = {d.url: d for d in store.claim_due(T0, 10, 60)}
    assert len(claimed) == 3
    record(store, claimed[URL], T0, V1)
    record(store, claimed["https://f.example/1"], T0, error="connection refused")
    states = {s.name: s for s in store.source_states(T0)}
    alhurra, feed = states["alhurra"], states["feed"]
    assert (alhurra.articles, alhurra.due, alhurra.failing, alhurra.versions) == (1, 0, 0, 1)
    assert alhurra.last_check_at == T0 and alhurra.last_error is None
    assert (feed.articles, feed.due, feed.failing, feed.versions) == (2, 1, 1, 0)
    assert feed.last_error == "connection refused" and feed.kind == "feed"
    failing = store.find_article("https://f.example/1")
    assert failing is not None and failing.consecutive_failures == 1
    later = T0 + timedelta(hours=1)
    assert {s.name: s.due for s in store.source_states(later)} == {"alhurra": 1, "feed": 2}


def test_change_filters_by_kind_and_keeps_the_record_as_written(store: Store) -> None:
    store.sync_sources([spec()], T0)
    record(store, claim_one(store, T0), T0, V1)
    at = T0 + timedelta(hours=1)
    noted = replace(change(V1, V2), correction="An earlier version misnamed the minister.")
    record_change(store, claim_one(store, at), at, V2, noted)
    later = at + timedelta(hours=1)
    v3 = article(V2.title, [*V2.paragraphs, "سطر"])
    record_change(store, claim_one(store, later), later, v3, change(V2, v3))
    found = {
        kinds: [c.to_n for c in store.change_page(ChangeFilter(kinds=kinds)).changes]
        for kinds in [("correction",), ("title",), ("silent",), ("paragraphs-added", "correction")]
    }
    assert found == {
        ("correction",): [2],
        ("title",): [2],
        ("silent",): [3],
        ("paragraphs-added", "correction"): [2],
    }
    stored = store.changes()[-1]
    assert list(stored.record) == list(noted.record())  # key order as written


def test_a_plan_whose_guard_moved_is_refused_and_writes_nothing(store: Store) -> None:
    """Two checks of one source planned from the same health: the second to apply finds
    the source moved on and is refused whole (the checker plans it again)."""
    store.sync_sources([SourceSpec("feed", "https://f.example/rss", "feed", 600, "UTC")], T0)
    store.add_articles("feed", ["https://f.example/1", "https://f.example/2"], T0)
    first, second = store.claim_due(T0, 10, 60)
    one = planned(store, first, T0, error="refused")
    two = planned(store, second, T0, error="refused")
    assert store.apply(one.write).written
    refused = store.apply(two.write)
    assert refused.conflict and not refused.lease_lost
    assert store.fetches(second.article_id) == []
    again = planned(store, second, T0, error="refused")  # planned again: streak 2
    assert again.write.health is not None and again.write.health.failure_streak == 2
    assert store.apply(again.write).written
    assert len(store.fetches(second.article_id)) == 1


def test_a_digest_decision_on_a_stale_count_is_refused(store: Store) -> None:
    store.sync_sources([spec()], T0)
    record(store, claim_one(store, T0), T0, V1)
    at = T0 + timedelta(hours=1)
    due = claim_one(store, at)
    made = planned(store, due, at, V2)
    stale = replace(made.write, digest_guards=(DigestGuard("hook", at, 3),))
    assert store.apply(stale).conflict
    assert len(store.versions(due.article_id)) == 1
    assert store.apply(made.write).written and len(store.versions(due.article_id)) == 2
