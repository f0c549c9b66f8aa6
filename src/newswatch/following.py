"""What following sources and articles changes: the rules of a sync and a merge. Pure.

The store reads the rows a rule needs, calls it here and writes what it returns, so the
same rule holds on every backend and the store decides nothing (issue 10). A top-level
module, like :mod:`newswatch.schedule`, and not in :mod:`newswatch.judge`: judge/ reads the
store's records, so the store importing judge/ would be an import cycle. It imports nothing
of newswatch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal


@dataclass(frozen=True)
class WatchedUrl:
    """One article a source watches, as a sync needs it."""

    article_id: int
    url: str
    state: str


@dataclass(frozen=True)
class SourceLink:
    """One ``article_sources`` row: a source lists an article (first and last seen)."""

    source_id: int
    first_seen_at: datetime
    last_seen_at: datetime


def pulls_forward(old_interval: float, new_interval: float) -> bool:
    """Whether a sync's new interval moves any next check (only a shorter one does), so
    the store reads the source's articles only then."""
    return new_interval < old_interval


def pulled_forward(
    old_interval: float,
    new_interval: float,
    now: datetime,
    next_checks: Mapping[int, datetime | None],
) -> dict[int, datetime]:
    """After a sync changed a source's interval, the articles whose next check moves, and
    to when: a shortened interval pulls every later (or unscheduled) check forward to
    ``now + new_interval``, so none waits longer than the interval now asks; a longer one
    moves nothing (the next check stretches it)."""
    if not pulls_forward(old_interval, new_interval):
        return {}
    soonest = now + timedelta(seconds=new_interval)
    return {aid: soonest for aid, at in next_checks.items() if at is None or at > soonest}


def retired_by_move(url: str, watched: Iterable[WatchedUrl]) -> list[int]:
    """An ``article`` source watches one URL: when its URL changed, the active articles at
    any other URL are retired (kept, with their history, but no longer checked)."""
    return [w.article_id for w in watched if w.state == "active" and w.url != url]


def inherited_sources(duplicate: Sequence[SourceLink], survivor: Iterable[int]) -> list[SourceLink]:
    """When a duplicate merges into a survivor, the survivor also becomes listed by every
    source that listed the duplicate; a source already listing the survivor keeps its own
    row (its first sighting is the survivor's)."""
    has = set(survivor)
    return [link for link in duplicate if link.source_id not in has]


def newest_date(*dates: datetime | None) -> datetime | None:
    """The newest publisher date of merged articles (unknown ones ignored)."""
    known = [d for d in dates if d is not None]
    return max(known) if known else None


@dataclass(frozen=True)
class AtUrl:
    """The article row at exactly the URL a source lists, as following needs it.
    ``schedule_retired``: retired for lack of change (``retired_at`` set)."""

    source_id: int
    state: str
    schedule_retired: bool
    merged: bool


FollowAction = Literal["add", "revive", "link"]


def follow_action(at_url: AtUrl | None, watched_elsewhere: bool, source_id: int) -> FollowAction:
    """What a source listing a URL does: ``add`` a new article (due now) when nothing
    watches it; ``revive`` the article at that URL when this very source retired it by
    moving its URL away and now lists it again; else only ``link`` the source to the article
    already watched (by URL, or by canonical URL: ``watched_elsewhere``). An article the
    schedule retired stays retired (only a newer publisher date wakes it, see
    :mod:`newswatch.judge.signals`); a merged duplicate stays merged."""
    if at_url is None:
        return "link" if watched_elsewhere else "add"
    if (
        at_url.state == "retired"
        and not at_url.schedule_retired
        and not at_url.merged
        and at_url.source_id == source_id
    ):
        return "revive"
    return "link"
