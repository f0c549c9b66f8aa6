"""When to look at an article again: the adaptive re-check policy (pure, no I/O).

News articles change most while they are young or just after an edit (a developing story
gets paragraph after paragraph), and hardly ever once they have been quiet for a while. So
the next check comes after an interval that grows with how long the article has been quiet:

    interval = clamp(max(min_interval * backoff ** unchanged_checks,
                         quiet_fraction * (quiet_time - hot_period)),
                     min_interval, max_interval)

``quiet_time`` runs from the latest sign of life: the last change we saw, the publisher's
own update stamp (``dateModified``, "Updated 18:17 GMT"), the publish date, or the moment we
first saw the article (so an old article added today starts hot, not a decade quiet). A
change resets ``unchanged_checks`` and the quiet time, so the article is checked at
``min_interval`` (the source's ``interval``) again, for at least ``hot_period`` (edits come
in bursts); after that the interval grows in
proportion to the quiet time, which bounds the detection delay of a revision to a share of
how long the article had been quiet. ``backoff`` (off by default) can additionally grow the
interval per unchanged check, as NewsSniffer does. With the defaults: every 10 min for the
first ~63 min, 27 min at 2 h quiet, 45 min at 3 h, 1 h 40 at 6 h, 7 h at a day, daily cap.
An article with no change for ``retire_after`` since we started watching is retired: kept
in history, no longer fetched (a publisher signal can wake it up).

``benchmarks/schedule_sim.py`` compares these defaults with NewsDiffs' tiers and
NewsSniffer's x1.2 backoff on a simulated site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class SchedulePolicy:
    """The knobs of the policy; ``min_interval`` is the source's configured ``interval``."""

    min_interval: float = 600.0
    max_interval: float = DAY
    backoff: float = 1.0  # >1: also grow by this factor per unchanged check (NewsSniffer-like)
    quiet_fraction: float = 0.3
    hot_period: float = 1800.0
    retire_after: float | None = 30 * DAY
    adaptive: bool = True  # False: check every min_interval, as a plain watcher does

    def __post_init__(self) -> None:
        if self.min_interval <= 0:
            raise ValueError("min_interval must be greater than 0")
        if self.max_interval < self.min_interval:
            raise ValueError("max_interval must not be below min_interval")
        if self.backoff < 1:
            raise ValueError("backoff must be at least 1")
        if not 0 <= self.quiet_fraction <= 1:
            raise ValueError("quiet_fraction must be between 0 and 1")
        if self.hot_period < 0:
            raise ValueError("hot_period must not be negative")
        if self.retire_after is not None and self.retire_after <= 0:
            raise ValueError("retire_after must be greater than 0")


@dataclass(frozen=True, slots=True)
class ArticleTiming:
    """What the policy knows of one article (all times timezone-aware)."""

    first_seen_at: datetime
    published: datetime | None = None  # the page's publish stamp
    updated: datetime | None = None  # the page's latest update stamp (dateModified, ...)
    last_change_at: datetime | None = None  # when we last saw the text change
    unchanged_checks: int = 0  # checks in a row that found no change since then


@dataclass(frozen=True, slots=True)
class Decision:
    """The next check time, or retirement (then ``next_check_at`` is when it would have been)."""

    next_check_at: datetime
    interval: float
    retire: bool = False


def _not_after(value: datetime | None, now: datetime) -> datetime | None:
    """A stamp from the page, ignored when it lies in the future (a wrong clock or zone)."""
    return value if value is not None and value <= now else None


def quiet_since(timing: ArticleTiming, now: datetime) -> datetime:
    """The latest sign of life: last change, publisher's update stamp, publish date, or our
    first sighting.

    The first sighting counts: a user who starts watching a years-old article today (it is
    being updated again, or they would not add it) gets the source's interval for at least
    the hot period, whatever the page's publish date says.
    """
    candidates = [
        timing.first_seen_at,
        _not_after(timing.published, now),
        timing.last_change_at,
        _not_after(timing.updated, now),
    ]
    return min(max(c for c in candidates if c is not None), now)


def interval_for(policy: SchedulePolicy, timing: ArticleTiming, now: datetime) -> float:
    """Seconds until the next check (see the module docstring for the formula)."""
    if not policy.adaptive:
        return policy.min_interval
    quiet = (now - quiet_since(timing, now)).total_seconds()
    # capped exponent: past ~100 steps the result is max_interval anyway
    stepped = policy.min_interval * policy.backoff ** min(timing.unchanged_checks, 100)
    wanted = max(stepped, policy.quiet_fraction * (quiet - policy.hot_period))
    return min(max(wanted, policy.min_interval), policy.max_interval)


def should_retire(policy: SchedulePolicy, timing: ArticleTiming, now: datetime) -> bool:
    """No change seen for ``retire_after`` since we started watching (or last saw a change).

    Only what we observed counts (first sighting, last change, a moved update stamp), not
    the publish date: an old article a user starts watching today gets its full period.
    """
    if policy.retire_after is None:
        return False
    seen = [timing.first_seen_at, timing.last_change_at, _not_after(timing.updated, now)]
    alive = max(s for s in seen if s is not None)
    return (now - alive).total_seconds() >= policy.retire_after


def next_check(policy: SchedulePolicy, timing: ArticleTiming, now: datetime) -> Decision:
    """When to check the article after a successful check at ``now``."""
    interval = interval_for(policy, timing, now)
    return Decision(
        next_check_at=now + timedelta(seconds=interval),
        interval=interval,
        retire=should_retire(policy, timing, now),
    )


def signal_wakes(signal_at: datetime, last_checked_at: datetime | None) -> bool:
    """Whether a publisher signal (feed ``updated``, sitemap ``lastmod``) is news to us.

    A modification time later than our last check means the page may differ from what we
    hold, so the article is due now (and woken up if it was retired).
    """
    return last_checked_at is None or signal_at > last_checked_at
