"""A simulated day of a busy news site, checked by three re-check policies.

    python benchmarks/schedule_sim.py [--articles 300] [--seed 7] [--hours 24]

Articles are published at random times over the day and found at once (the first fetch
stores version 1). Each is revised at random times: 40% never, most 1-4 times, one in seven
is a developing story revised 5-15 times. Two models of *when*, both printed:

* ``bursts``: each gap between revisions (from publication, then from the previous
  revision) is log-normal, median 45 min, sigma 1.2: an edit is often followed by another.
* ``age``: each revision falls at an age drawn log-normally (median 90 min, sigma 1.3) after
  publication: edits thin out as the article gets older, whatever happened before.
 A revision is *caught* when some fetch sees it before the
next revision overwrites it; its delay is the time from the revision to that fetch. Fetches
and revisions count only within the day.

Policies: ours (newswatch.schedule defaults, source interval 10m), NewsDiffs' tiers (15 min
while under 3 h since the last change, 1 h under a day, 3 h under a week, then daily) and
NewsSniffer's (30 min, x1.2 after each unchanged check, reset on a change, stop at 40 days).
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newswatch.schedule import ArticleTiming, SchedulePolicy, next_check

MIN = 60.0
HOUR = 3600.0
DAY = 86400.0
EPOCH = datetime(2024, 5, 1, tzinfo=UTC)


@dataclass(frozen=True)
class State:
    """What a policy sees after a check at ``now`` (seconds since the start of the day)."""

    now: float
    published: float
    last_change: float | None  # detection time of the last change we saw
    unchanged: int  # checks in a row without a change


Policy = Callable[[State], float | None]  # seconds until the next check, None: stop


def ours(policy: SchedulePolicy) -> Policy:
    def interval(state: State) -> float | None:
        def at(t: float | None) -> datetime | None:
            return None if t is None else EPOCH + timedelta(seconds=t)

        now = at(state.now)
        assert now is not None
        published = at(state.published)
        assert published is not None
        timing = ArticleTiming(
            first_seen_at=published,
            published=published,
            last_change_at=at(state.last_change),
            unchanged_checks=state.unchanged,
        )
        decision = next_check(policy, timing, now)
        return None if decision.retire else decision.interval

    return interval


def newsdiffs(state: State) -> float | None:
    since = state.now - (state.last_change if state.last_change is not None else state.published)
    if since < 3 * HOUR:
        return 15 * MIN
    if since < DAY:
        return HOUR
    if since < 7 * DAY:
        return 3 * HOUR
    return DAY


def newssniffer(state: State) -> float | None:
    since = state.now - (state.last_change if state.last_change is not None else state.published)
    if since > 40 * DAY:
        return None
    return 30 * MIN * 1.2**state.unchanged


@dataclass(frozen=True)
class Article:
    published: float
    revisions: list[float]  # sorted, all within the day


def make_site(n: int, seed: int, horizon: float, model: str = "bursts") -> list[Article]:
    rng = random.Random(seed)
    site = []
    for _ in range(n):
        published = rng.uniform(0, horizon)
        roll = rng.random()
        if roll < 0.40:
            count = 0
        elif roll < 0.86:
            count = rng.randint(1, 4)
        else:  # a developing story
            count = rng.randint(5, 15)
        if model == "bursts":
            times, t = [], published
            for _ in range(count):
                t += rng.lognormvariate(math.log(45 * MIN), 1.2)
                times.append(t)
        else:
            times = sorted(
                published + rng.lognormvariate(math.log(90 * MIN), 1.3) for _ in range(count)
            )
        site.append(Article(published, [t for t in times if t < horizon]))
    return site


@dataclass
class Result:
    fetches: int = 0
    revisions: int = 0
    caught: int = 0
    delays: list[float] | None = None


def simulate(site: list[Article], policy: Policy, horizon: float) -> Result:
    result = Result(delays=[])
    assert result.delays is not None
    for article in site:
        revs = article.revisions
        result.revisions += len(revs)
        seen_upto = 0  # revisions[:seen_upto] are reflected in what we hold
        t = article.published
        last_change: float | None = None
        unchanged = 0
        while t < horizon:
            result.fetches += 1
            live = bisect.bisect_right(revs, t)  # revisions made by t
            if live > seen_upto:
                # we see the latest revision; the ones in between were overwritten
                result.caught += 1
                result.delays.append(t - revs[live - 1])
                seen_upto, last_change, unchanged = live, t, 0
            elif t > article.published:
                unchanged += 1
            wait = policy(State(t, article.published, last_change, unchanged))
            if wait is None:
                break
            t += wait
    return result


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hours", type=float, default=24.0)
    args = parser.parse_args()
    horizon = args.hours * HOUR
    policies: list[tuple[str, Policy]] = [
        ("newswatch (defaults, interval 10m)", ours(SchedulePolicy())),
        ("NewsDiffs tiers", newsdiffs),
        ("NewsSniffer x1.2", newssniffer),
    ]
    for model in ("bursts", "age"):
        site = make_site(args.articles, args.seed, horizon, model)
        revisions = sum(len(a.revisions) for a in site)
        print(
            f"model {model}: {args.articles} articles over {args.hours:g} h,"
            f" {revisions} revisions, seed {args.seed}"
        )
        print(
            f"  {'policy':<36} {'fetches':>8} {'caught':>7} {'missed':>7}"
            f" {'median delay':>13} {'p95 delay':>10}"
        )
        for name, policy in policies:
            r = simulate(site, policy, horizon)
            assert r.delays is not None
            median = statistics.median(r.delays) / MIN if r.delays else float("nan")
            p95 = pct(r.delays, 0.95) / MIN
            print(
                f"  {name:<36} {r.fetches:>8} {r.caught:>7} {r.revisions - r.caught:>7}"
                f" {median:>9.1f} min {p95:>6.1f} min"
            )


if __name__ == "__main__":
    main()
