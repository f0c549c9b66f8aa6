"""The pure rules of following (a sync, a merge), from tables. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newswatch.following import (
    AtUrl,
    FollowAction,
    SourceLink,
    WatchedUrl,
    follow_action,
    inherited_sources,
    newest_date,
    pulled_forward,
    pulls_forward,
    retired_by_move,
)

NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("old", "new", "next_checks", "expected"),
    [
        # a shorter interval pulls later and unscheduled checks to now + new interval
        (7200.0, 3600.0, {1: NOW + 2 * H, 2: None}, {1: NOW + H, 2: NOW + H}),
        # checks already sooner than the new interval stay where they are
        (7200.0, 3600.0, {1: NOW + H / 2, 2: NOW + H}, {}),
        (7200.0, 3600.0, {1: NOW - H, 2: NOW + H + timedelta(seconds=1)}, {2: NOW + H}),
        # the same or a longer interval moves nothing
        (3600.0, 3600.0, {1: NOW + 5 * H, 2: None}, {}),
        (3600.0, 7200.0, {1: NOW + 5 * H}, {}),
        (7200.0, 3600.0, {}, {}),
    ],
)
def test_a_shorter_interval_pulls_next_checks_forward(
    old: float,
    new: float,
    next_checks: dict[int, datetime | None],
    expected: dict[int, datetime],
) -> None:
    assert pulls_forward(old, new) == (new < old)
    assert pulled_forward(old, new, NOW, next_checks) == expected


A = "https://news.example/a.html"
B = "https://news.example/b.html"


@pytest.mark.parametrize(
    ("url", "watched", "expected"),
    [
        ([B], [WatchedUrl(1, A, "active")], [1]),
        ([A], [WatchedUrl(1, A, "active")], []),
        # already retired (by the schedule, a merge or an earlier move): left alone
        ([B], [WatchedUrl(1, A, "retired"), WatchedUrl(2, B, "active")], []),
        ([B], [WatchedUrl(1, A, "active"), WatchedUrl(3, A + "?x", "active")], [1, 3]),
        ([B], [], []),
    ],
)
def test_an_article_source_whose_url_moved_retires_the_old_article(
    url: list[str], watched: list[WatchedUrl], expected: list[int]
) -> None:
    assert retired_by_move(url[0], watched) == expected


def link(source_id: int, first: int, last: int) -> SourceLink:
    return SourceLink(source_id, NOW + first * H, NOW + last * H)


@pytest.mark.parametrize(
    ("duplicate", "survivor", "expected"),
    [
        ([link(1, 0, 2), link(2, 1, 1)], [3], [link(1, 0, 2), link(2, 1, 1)]),
        # a source already listing the survivor keeps the survivor's row
        ([link(1, 0, 2), link(2, 1, 1)], [2], [link(1, 0, 2)]),
        ([link(1, 0, 2)], [1], []),
        ([], [1, 2], []),
    ],
)
def test_the_survivor_of_a_merge_inherits_the_duplicates_sources(
    duplicate: list[SourceLink], survivor: list[int], expected: list[SourceLink]
) -> None:
    assert inherited_sources(duplicate, survivor) == expected


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ((NOW, NOW + H), NOW + H),
        ((NOW + H, NOW), NOW + H),
        ((None, NOW), NOW),
        ((NOW, None), NOW),
        ((None, None), None),
    ],
)
def test_the_survivor_keeps_the_newest_publisher_date(
    dates: tuple[datetime | None, ...], expected: datetime | None
) -> None:
    assert newest_date(*dates) == expected


MOVED_AWAY = AtUrl(source_id=1, state="retired", schedule_retired=False, merged=False)


@pytest.mark.parametrize(
    ("at_url", "elsewhere", "expected"),
    [
        (None, False, "add"),  # nothing watches it: a new article, due now
        (None, True, "link"),  # watched under its canonical URL: only gains the source
        (AtUrl(1, "active", False, False), False, "link"),
        (AtUrl(2, "active", False, False), False, "link"),  # another source's: shared
        (MOVED_AWAY, False, "revive"),  # the source moved away and back
        (AtUrl(2, "retired", False, False), False, "link"),  # moved away by another source
        (AtUrl(1, "retired", True, False), False, "link"),  # the schedule retired it
        (AtUrl(1, "retired", False, True), False, "link"),  # merged: stays merged
    ],
)
def test_what_listing_a_url_does(
    at_url: AtUrl | None, elsewhere: bool, expected: FollowAction
) -> None:
    assert follow_action(at_url, elsewhere, source_id=1) == expected
