"""The pure planner and its rules, from tables: what one check writes, given what was
gathered and what is stored. No database, no network, no clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from newswatch.judge.digest import change_deliveries, windows
from newswatch.judge.health import presence_events, source_health
from newswatch.judge.identity import change_uid, delivery_key, event_uid
from newswatch.judge.plan import (
    CheckPolicy,
    Extracted,
    ExtractFailed,
    FetchFailed,
    Gathered,
    NotModified,
    Planned,
    Refused,
    asks,
    plan,
)
from newswatch.judge.routing import Rule
from newswatch.judge.signals import publisher_signals
from newswatch.models import Article, FetchResult, Redirect
from newswatch.normalize import content_hash
from newswatch.store import (
    AlertRoute,
    CheckState,
    DueArticle,
    FetchRecord,
    Followed,
    SourceHealth,
    StoredVersion,
)

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
URL = "https://news.example/a/1.html"
BODY = [f"paragraph {i} with enough words to look like an article body" for i in range(6)]


def due(**fields: object) -> DueArticle:
    base = DueArticle(
        article_id=7,
        source="site",
        url=URL,
        timezone="UTC",
        interval_seconds=600.0,
        etag=None,
        last_modified=None,
        consecutive_failures=0,
        lease_token=3,
        first_seen_at=T0,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def stored(title: str = "Headline", paragraphs: list[str] = BODY, n: int = 1) -> StoredVersion:
    return StoredVersion(
        article_id=7,
        n=n,
        hash=content_hash(title, paragraphs),
        title=title,
        paragraphs=list(paragraphs),
        published=None,
        updated=None,
        stamps=[],
        language="en",
        final_url=URL,
        first_seen_at=T0,
        last_seen_at=T0,
        seen_count=1,
    )


def page(status: int = 200, final: str = URL, redirects: int = 0) -> FetchResult:
    hops = [Redirect(301, URL, final)] * redirects
    return FetchResult(URL, final, status, {}, b"<html>", None, None, '"e1"', None, hops, 5.0, NOW)


def article(title: str = "Headline", paragraphs: list[str] = BODY) -> Article:
    return Article(url=URL, title=title, paragraphs=list(paragraphs), language="en")


def state(latest: StoredVersion | None = None, **fields: object) -> CheckState:
    base = CheckState(article_id=7, latest=latest, source=SourceHealth(1, "site"))
    return replace(base, **fields)  # type: ignore[arg-type]


RULES = (Rule("hook", ("hook",), digest_after=2, digest_seconds=600.0),)


def planned(
    got: Gathered, st: CheckState, d: DueArticle | None = None, **policy: object
) -> Planned:
    return plan(st, got, d or due(), CheckPolicy(**policy), NOW)  # type: ignore[arg-type]


EDITED = article("Headline rewritten", ["A new lead paragraph on top of the story", *BODY])
WALL = article("Please accept all cookies", ["We value your privacy"])
SECTION = page(final="https://news.example/world/", redirects=1)
GONE = FetchFailed(NOW, "HTTP 404", "status", 404, status_error=True)
S0, S1, WAS_GONE = state(), state(stored()), {"removed_at": T0}

A, N304 = article(), NotModified(NOW, page(304))
TIMEOUT, DEEP = FetchFailed(NOW, "timed out", "timeout"), Refused(NOW, page(), "too deep")
MOVED = ExtractFailed(NOW, SECTION, "none", movable=True)
BUG = ExtractFailed(NOW, page(), "boom")


def X(art: Article) -> Extracted:  # reads as a table column
    return Extracted(NOW, page(), art)


# gathered, state, due fields -> outcome, version written, version seen, change kind, fetch row
CASES = [
    ("first version", X(A), S0, {}, "first_version", 1, None, None, "new_version"),
    ("same text", X(A), S1, {}, "unchanged", None, 1, None, "unchanged"),
    ("edited", X(EDITED), S1, {}, "new_version", 2, None, "edit", "new_version"),
    ("304", N304, S1, {}, "not_modified", None, 1, None, "not_modified"),
    ("304 unseen", N304, S0, {}, "not_modified", None, None, None, "not_modified"),
    ("back same", X(A), S1, WAS_GONE, "restored", None, 1, "restored", "unchanged"),
    ("back edited", X(EDITED), S1, WAS_GONE, "restored", 2, None, "restored", "new_version"),
    ("back 304", N304, S1, WAS_GONE, "restored", None, 1, "restored", "not_modified"),
    ("404", GONE, S1, {}, "removed", None, None, "removed", "removed"),
    ("404 still", GONE, S1, WAS_GONE, "removed", None, None, None, "removed"),
    ("404 unseen", GONE, S0, {}, "error", None, None, None, "error"),
    ("timeout", TIMEOUT, S1, {}, "error", None, None, None, "error"),
    ("to section", MOVED, S1, {}, "removed", None, None, "removed", "removed"),
    ("extract bug", BUG, S1, {}, "error", None, None, None, "error"),
    ("too complex", DEEP, S1, {}, "quarantined", None, None, None, "quarantined"),
    ("a wall", X(WALL), S1, {}, "quarantined", None, None, None, "quarantined"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("gathered", "st", "fields", "outcome", "new_n", "seen", "change", "fetch"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_what_a_check_writes(
    gathered: Gathered,
    st: CheckState,
    fields: dict[str, object],
    outcome: str,
    new_n: int | None,
    seen: int | None,
    change: str | None,
    fetch: str,
) -> None:
    made = planned(gathered, st, due(**fields))
    write = made.write
    assert made.outcome == outcome
    assert (write.version.n if write.version else None) == new_n
    assert write.seen_again == seen
    assert (write.change.change.kind if write.change else None) == change
    assert write.fetch.outcome == fetch
    assert write.due.lease_token == 3 and write.checked_at == NOW
    assert write.article is not None and write.article.checked_at == NOW
    if outcome in ("error", "quarantined"):
        assert write.article.consecutive_failures == 1 and write.article.last_error
    else:
        assert write.article.consecutive_failures == 0 and write.article.last_error is None


def test_article_row_after_each_kind_of_check() -> None:
    gone = planned(FetchFailed(NOW, "HTTP 410", "status", 410, status_error=True), state(stored()))
    assert gone.write.article is not None
    assert (gone.write.article.removed, gone.write.article.removed_at) == ("set", NOW)
    assert gone.write.article.next_check_at == NOW + timedelta(seconds=600)
    back = planned(Extracted(NOW, page(), article()), state(stored()), due(removed_at=T0))
    assert back.write.article is not None and back.write.article.removed == "clear"
    error = planned(FetchFailed(NOW, "refused", "network"), state(), due(consecutive_failures=2))
    assert error.write.article is not None
    assert error.write.article.next_check_at == NOW + timedelta(seconds=2400)  # backed off
    assert error.write.article.etag is None  # validators kept as they are
    later = NOW + timedelta(hours=3)
    retry = planned(FetchFailed(NOW, "503", "status", 503, retry_after=later), state())
    assert retry.write.article is not None and retry.write.article.next_check_at == later
    fresh = planned(Extracted(NOW, page(), article()), state())
    assert fresh.write.article is not None
    assert (fresh.write.article.etag, fresh.write.article.title) == ('"e1"', "Headline")
    assert fresh.write.article.unchanged_checks == 0
    wall = planned(Refused(NOW, page(), "too deep"), state(stored()))
    assert wall.write.article is not None and wall.write.article.etag is None  # never a 304
    assert wall.write.quarantine is not None and wall.write.quarantine.after_n == 1


def test_a_change_is_routed_and_held_past_the_digest_limit() -> None:
    got = Extracted(NOW, page(), EDITED)
    sent = planned(got, state(stored(), recent_alerts={"hook": 1}), rules=RULES, channels=("log",))
    assert sent.write.change is not None
    assert [(d.channel, d.state) for d in sent.write.change.deliveries] == [
        ("log", "pending"),
        ("hook", "pending"),
    ]
    held = planned(got, state(stored(), recent_alerts={"hook": 2}), rules=RULES)
    assert held.write.change is not None
    (delivery,) = held.write.change.deliveries
    assert (delivery.state, delivery.due_at) == ("held", NOW + timedelta(seconds=600))
    assert [(g.channel, g.count) for g in held.write.digest_guards] == [("hook", 2)]
    uid = change_uid(URL, stored().hash, content_hash(EDITED.title, EDITED.paragraphs), 2)
    assert held.write.change.uid == uid and delivery.key == delivery_key(uid, "hook")


def test_a_duplicate_without_history_is_merged_with_nothing_alerted() -> None:
    canonical = article()
    canonical = replace(canonical, canonical_url="https://news.example/a/1")
    merged = planned(Extracted(NOW, page(), canonical), state(duplicate_of=3))
    assert merged.outcome == "merged" and merged.merged_into == 3
    assert merged.write.merge is not None and merged.write.merge.survivor == 3
    assert merged.write.fetch.outcome == "merged" and merged.write.article is None
    assert merged.write.health is None and merged.write.events == ()
    kept = planned(Extracted(NOW, page(), canonical), state(stored(), duplicate_of=3))
    assert kept.write.merge is None  # a history is never split


def test_a_shrink_is_believed_after_it_persists() -> None:
    shrunk = Extracted(NOW, page(), article("Headline", BODY[:1]))
    assert planned(shrunk, state(stored(), quarantine_streak=0)).outcome == "quarantined"
    believed = planned(shrunk, state(stored(), quarantine_streak=2))
    assert believed.outcome == "new_version" and believed.accepted_after == 3


HEALTH = [
    # source before, fetch outcome, error kind, failing_after -> health, streak, extract, events
    ("ok", 0, 0, "error", "network", 3, "ok", 1, 0, []),
    ("ok", 2, 0, "error", "network", 3, "source_failing", 3, 0, ["source_failing"]),
    ("ok", 2, 2, "quarantined", "quarantine", 3, "extraction_broken", 3, 3, ["extraction_broken"]),
    ("ok", 5, 0, "error", "network", 0, "ok", 6, 0, []),  # never failing
    ("source_failing", 4, 0, "error", "network", 3, "source_failing", 5, 0, []),
    ("source_failing", 4, 0, "new_version", None, 3, "ok", 0, 0, ["recovered"]),
    ("ok", 1, 1, "unchanged", None, 3, "ok", 0, 0, []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("before", "streak", "extract", "outcome", "kind", "after", "health", "s", "e", "events"),
    HEALTH,
)
def test_source_health(
    before: str,
    streak: int,
    extract: int,
    outcome: str,
    kind: str | None,
    after: int,
    health: str,
    s: int,
    e: int,
    events: list[str],
) -> None:
    source = SourceHealth(1, "site", before, T0 if before != "ok" else None, streak, extract)
    fetch = FetchRecord(URL, NOW, outcome, error_kind=kind, error="x")  # type: ignore[arg-type]
    write, raised = source_health(source, fetch, after, NOW)
    assert (write.health, write.failure_streak, write.extract_streak) == (health, s, e)
    assert [r.kind for r in raised] == events
    assert write.expected == source
    if events == ["recovered"]:
        assert "since 2024-05-01T08:00:00+00:00" in raised[0].message


def test_presence_events() -> None:
    gone = FetchRecord(URL, NOW, "error", status=404)
    assert [r.kind for r in presence_events(URL, 7, gone, None, False, True)] == ["removed"]
    assert presence_events(URL, 7, gone, None, True, True) == []  # not the first failure
    assert presence_events(URL, 7, gone, None, False, False) == []  # never had a version


def test_digest_windows_and_ids() -> None:
    routes = [AlertRoute("a", 5, 60.0), AlertRoute("b"), AlertRoute("a", 1, 1.0)]
    assert windows(routes) == {"a": 1.0}
    deliveries, guards = change_deliveries(routes, "u", NOW, {"a": 5})
    assert [(d.channel, d.state) for d in deliveries] == [("a", "held"), ("b", "pending")]
    assert len(guards) == 1  # the first route of a channel wins
    assert event_uid(1, "removed", 7, NOW) == event_uid(1, "removed", 7, NOW)
    assert event_uid(1, "removed", 7, NOW) != event_uid(1, "restored", 7, NOW)
    assert len(change_uid(URL, "a", "b", 2)) == 32


def test_what_the_state_read_is_asked() -> None:
    art = replace(article(), canonical_url="https://news.example/a/1")
    assert asks(Extracted(NOW, page(), art)) == (
        content_hash(art.title, art.paragraphs),
        "https://news.example/a/1",
    )
    assert asks(FetchFailed(NOW, "x", "network")) == (None, None)
    assert asks(Refused(NOW, page(), "deep"))[1] is None


def followed(state: str = "active", **fields: object) -> Followed:
    base = Followed(7, state, False, NOW + timedelta(hours=1), T0, None)  # type: ignore[arg-type]
    return replace(base, **fields)  # type: ignore[arg-type]


DAY_BEFORE, HOUR_BEFORE = T0 - timedelta(days=1), T0 - timedelta(hours=1)
SIGNALS = [
    # the article, the date heard -> kept, woken, due now
    ("first date, after our check", followed(), NOW, True, False, True),
    ("first date, before our check", followed(), HOUR_BEFORE, True, False, False),
    ("newer than before", followed(publisher_updated=DAY_BEFORE), HOUR_BEFORE, True, False, True),
    ("not newer", followed(publisher_updated=NOW), NOW, False, False, False),
    ("already due", followed(next_check_at=NOW), NOW, True, False, False),
    ("retired by the schedule", followed("retired", schedule_retired=True), NOW, True, True, False),
    ("retired otherwise", followed("retired"), NOW, True, False, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("article", "heard", "kept", "woken", "due_now"),
    [case[1:] for case in SIGNALS],
    ids=[case[0] for case in SIGNALS],
)
def test_publisher_signals(
    article: Followed, heard: datetime, kept: bool, woken: bool, due_now: bool
) -> None:
    writes = publisher_signals({URL: article}, [(URL, heard)], NOW)
    assert bool(writes) == kept
    if writes:
        (write,) = writes
        assert (write.publisher_updated, write.wake, write.due_now) == (heard, woken, due_now)


def test_a_second_date_in_one_batch_sees_the_first() -> None:
    writes = publisher_signals(
        {URL: followed()}, [(URL, NOW), (URL, NOW - timedelta(minutes=5)), (URL, NOW)], NOW
    )
    assert [(w.due_now, w.wake) for w in writes] == [(True, False)]
    assert publisher_signals({}, [(URL, NOW)], NOW) == []
