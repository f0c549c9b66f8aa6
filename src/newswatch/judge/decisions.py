"""The pure decisions of a check: what a fetched page is, and when to look again.

Each rule can be read, and reasoned about, on its own (the planner, :mod:`.plan`, puts them
together): how a new extraction relates to
the stored version, which canonical URL it has, how failures back off, and which schedule
policy applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from newswatch.judge.diff import compare
from newswatch.judge.outcome import Outcome
from newswatch.models import Article, Change, FetchResult
from newswatch.schedule import ArticleTiming, Decision, SchedulePolicy, next_check
from newswatch.store import DueArticle, StoredVersion
from newswatch.urls import canonicalize, is_section_url

MAX_BACKOFF_SECONDS = 6 * 3600.0


def refined_canonical(url: str, fetched: FetchResult, article: Article) -> str | None:
    """The article's canonical URL: its ``<link rel=canonical>`` (resolved, canonicalised),
    else where redirects led. A canonical link naming the home or a section page (a common
    template mistake) is ignored, or every article of the site would look like one."""
    if article.canonical_url:
        declared = canonicalize(article.canonical_url, fetched.final_url)
        if declared is not None and not is_section_url(fetched.final_url, declared):
            return declared
    final = canonicalize(fetched.final_url)
    if final is not None and final != canonicalize(url):
        return final
    return None


def classify(
    latest: StoredVersion | None, article: Article, digest: str
) -> tuple[Outcome, Change | None, str]:
    """How a plausible extraction relates to the latest version: outcome, change, and the
    hash to record (the stored one when it differs only in what comparison folds away)."""
    if latest is None:
        return "first_version", None, digest
    if latest.hash == digest:
        return "unchanged", None, digest
    change = compare(latest, article)
    if change is None:  # differs only in what comparison folds away
        return "unchanged", None, latest.hash
    return "new_version", change, digest


def retry_delay(interval_seconds: float, failures: int) -> float:
    """Backoff after ``failures`` consecutive failures: the interval doubled, capped."""
    cap = max(interval_seconds, MAX_BACKOFF_SECONDS)
    return float(min(interval_seconds * 2 ** min(failures, 20), cap))


def retry_at(due: DueArticle, now: datetime, not_before: datetime | None) -> datetime:
    """The next check after a failure: backed off, never before ``not_before`` (the server's
    Retry-After)."""
    next_at = now + timedelta(seconds=retry_delay(due.interval_seconds, due.consecutive_failures))
    if not_before is not None and not_before > next_at:
        next_at = not_before
    return next_at


def policy_for(
    due: DueArticle, default: SchedulePolicy, per_source: Mapping[str, SchedulePolicy]
) -> SchedulePolicy:
    """The source's policy, its floor being the source's own interval."""
    policy = per_source.get(due.source, default)
    floor = due.interval_seconds
    return replace(policy, min_interval=floor, max_interval=max(policy.max_interval, floor))


def decide(
    policy: SchedulePolicy,
    due: DueArticle,
    now: datetime,
    page: Article | StoredVersion | None,
    last_change_at: datetime | None,
    unchanged_checks: int,
) -> Decision:
    """The next check after a successful one at ``now`` (see :mod:`newswatch.schedule`)."""
    timing = ArticleTiming(
        first_seen_at=due.first_seen_at or now,
        published=page.published if page is not None else None,
        updated=page.updated if page is not None else None,
        last_change_at=last_change_at,
        unchanged_checks=unchanged_checks,
    )
    return next_check(policy, timing, now)
