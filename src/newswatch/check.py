"""One check of one article: fetch, extract, compare, and record it all at once.

This is the only place where the pure core (extract, diff) meets the edges (fetcher, store,
clock); all three edges are injected. A check never raises for a bad page or a dead server:
the failure is recorded in the fetch log and on the article, and the next check is scheduled
with backoff, so one failing source cannot stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from newswatch.alerts.routing import Rule, route_change, route_events
from newswatch.clock import Clock, utc_now
from newswatch.diff import compare
from newswatch.errors import ExtractError, FetchError, HTTPStatusError
from newswatch.extract import ExtractRules, extract
from newswatch.models import Article, Change, FetchResult
from newswatch.normalize import content_hash
from newswatch.presence import gone_status, moved_to_section, removed_change, restored_change
from newswatch.quarantine import accept_after, judge
from newswatch.schedule import ArticleTiming, Decision, SchedulePolicy, next_check
from newswatch.store.base import (
    AlertRoute,
    CheckResult,
    DueArticle,
    FetchRecord,
    Store,
    StoredVersion,
)
from newswatch.urls import canonicalize, is_section_url

logger = logging.getLogger("newswatch.check")

Outcome = Literal[
    "first_version",
    "new_version",
    "unchanged",
    "not_modified",
    "error",
    "quarantined",
    "abandoned",
    "removed",
    "restored",
    "merged",
]
MAX_BACKOFF_SECONDS = 6 * 3600.0


class PageFetcher(Protocol):
    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        robots: bool = True,
    ) -> FetchResult: ...


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What one check did, for summaries and logs."""

    source: str
    url: str
    outcome: Outcome
    version: int | None = None
    change_id: int | None = None
    summary: str | None = None
    error: str | None = None

    def line(self) -> str:
        detail = self.summary or self.error or ""
        version = f" v{self.version}" if self.version else ""
        return f"{self.outcome:<13} {self.source}{version} {self.url}" + (
            f" - {detail}" if detail else ""
        )


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


def retry_delay(interval_seconds: float, failures: int) -> float:
    """Backoff after ``failures`` consecutive failures: the interval doubled, capped."""
    cap = max(interval_seconds, MAX_BACKOFF_SECONDS)
    return float(min(interval_seconds * 2 ** min(failures, 20), cap))


class Checker:
    """Checks claimed articles and writes each result in one store transaction."""

    def __init__(
        self,
        store: Store,
        fetcher: PageFetcher,
        *,
        channels: Sequence[str] = (),
        rules: Sequence[Rule] = (),
        failing_after: Mapping[str, int] | None = None,
        clock: Clock = utc_now,
        lease_seconds: float = 300.0,
        should_stop: Callable[[], bool] = lambda: False,
        extract_rules: Mapping[str, ExtractRules] | None = None,
        schedule: SchedulePolicy | None = None,
        source_schedules: Mapping[str, SchedulePolicy] | None = None,
        robots_ignored: Collection[str] = (),
    ) -> None:
        """``extract_rules``: per source name, CSS rules overriding detection for its
        articles; ``schedule`` is the re-check policy, ``source_schedules`` per-source overrides
        (their ``min_interval`` is always the source's interval); ``robots_ignored`` names
        the sources whose robots.txt is not consulted (the user has permission)."""
        self._extract_rules: Mapping[str, ExtractRules] = extract_rules or {}
        self._schedule = schedule or SchedulePolicy()
        self._source_schedules = dict(source_schedules or {})
        self._robots_ignored = frozenset(robots_ignored)
        self._store = store
        self._fetcher = fetcher
        self._channels = tuple(channels)
        self._rules = tuple(rules)
        self._failing_after = dict(failing_after or {})
        self._event_routes: dict[str, dict[str, list[str]]] = {}
        self._clock = clock
        self.lease_seconds = lease_seconds
        self._should_stop = should_stop

    # ------------------------------------------------------------------ routing

    def _routes(self, source: str, change: Change | None) -> list[AlertRoute]:
        """The alert rules this change matches (decided now, recorded with the change)."""
        return route_change(self._rules, source, change) if change is not None else []

    def _events(self, source: str) -> dict[str, list[str]]:
        if source not in self._event_routes:
            self._event_routes[source] = route_events(self._rules, source)
        return self._event_routes[source]

    # ------------------------------------------------------------------ one article

    def check(self, due: DueArticle) -> CheckReport:
        started = self._clock()
        try:
            fetched = self._fetcher.fetch(
                due.url,
                etag=due.etag,
                last_modified=due.last_modified,
                robots=due.source not in self._robots_ignored,
            )
        except FetchError as exc:
            reason = gone_status(exc.status) if isinstance(exc, HTTPStatusError) else None
            if reason is not None:
                gone = self._record_removed(due, started, reason, exc.status, None)
                if gone is not None:
                    return gone
            return self._record_error(
                due, started, str(exc), exc.kind, exc.status, not_before=exc.retry_after
            )
        # a redirect may be the publisher taking the article down (to a home/section page)
        last = self._store.latest_version(due.article_id) if fetched.redirects else None
        if fetched.not_modified:
            return self._record(
                due,
                FetchRecord(
                    url=due.url,
                    started_at=started,
                    outcome="not_modified",
                    status=fetched.status,
                    elapsed_ms=fetched.elapsed_ms,
                    bytes=0,
                    final_url=fetched.final_url,
                    redirects=list(fetched.redirects),
                ),
                fetched,
                article=None,
            )
        try:
            article = extract(
                fetched.text if fetched.text is not None else fetched.content,
                fetched.final_url,
                due.timezone,
                fetched_at=fetched.fetched_at,
                rules=self._extract_rules.get(due.source),
            )
        except ExtractError as exc:
            moved = moved_to_section(due.url, fetched, None, last)
            gone = (
                self._record_removed(due, started, moved, fetched.status, fetched)
                if moved
                else None
            )
            if gone is not None:
                return gone
            return self._record_error(due, started, str(exc), "extract", fetched.status)
        except Exception as exc:  # a page that trips an extractor bug must not stall the source
            logger.exception("extracting %s failed", due.url)
            message = f"{due.url}: extraction failed ({type(exc).__name__}: {exc})"
            return self._record_error(due, started, message, "extract", fetched.status)
        if not article.title and not article.paragraphs:
            return self._record_error(
                due, started, f"{due.url}: no article found in the page", "extract", fetched.status
            )
        moved = moved_to_section(due.url, fetched, article, last)
        gone = self._record_removed(due, started, moved, fetched.status, fetched) if moved else None
        if gone is not None:
            return gone
        article = replace(article, canonical_url=refined_canonical(due.url, fetched, article))
        record = FetchRecord(
            url=due.url,
            started_at=started,
            outcome="new_version",
            status=fetched.status,
            elapsed_ms=fetched.elapsed_ms,
            bytes=len(fetched.content),
            final_url=fetched.final_url,
            redirects=list(fetched.redirects),
        )
        return self._record(due, record, fetched, article=article)

    def _record(
        self,
        due: DueArticle,
        record: FetchRecord,
        fetched: FetchResult,
        *,
        article: Article | None,
    ) -> CheckReport:
        now = self._clock()
        digest: str | None = None
        change: Change | None = None
        outcome: Outcome = "not_modified"
        latest: StoredVersion | None = None
        if article is not None:
            digest = content_hash(article.title, article.paragraphs)
            latest = self._store.latest_version(due.article_id)
            reason = (
                None if latest is not None and latest.hash == digest else judge(article, latest)
            )
            if reason is not None:
                streak = self._store.quarantine_streak(due.article_id, digest)
                if not accept_after(reason, streak):
                    return self._record_quarantine(due, record, article, digest, reason)
                logger.info("%s: accepted after %d sightings: %s", due.url, streak + 1, reason)
            if latest is None:
                outcome = "first_version"
            elif latest.hash == digest:
                outcome = "unchanged"
            else:
                change = compare(latest, article)
                if change is None:  # differs only in what comparison folds away
                    digest, outcome = latest.hash, "unchanged"
                else:
                    outcome = "new_version"
            if outcome == "unchanged":
                record = replace(record, outcome="unchanged")
        if latest is None and article is None:  # a 304: the stored version has the stamps
            latest = self._store.latest_version(due.article_id)
        if due.removed_at is not None:  # it was gone: this check found it again
            latest = latest if latest is not None else self._store.latest_version(due.article_id)
            if latest is not None:
                change = restored_change(latest, change, fetched.status)
                outcome = "restored"
        if self._should_stop():
            return CheckReport(due.source, due.url, "abandoned")
        changed = outcome in ("new_version", "restored")
        unchanged = 0 if outcome in ("first_version", "new_version") else due.unchanged_checks + 1
        last_change_at = now if changed else due.last_change_at
        decision = self.decide(due, now, article or latest, last_change_at, unchanged)
        recorded = self._store.record_check(
            CheckResult(
                due=due,
                fetch=record,
                checked_at=now,
                next_check_at=decision.next_check_at,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                article=article,
                content_hash=digest,
                change=change,
                channels=self._channels if change is not None else (),
                routes=self._routes(due.source, change),
                event_routes=self._events(due.source),
                failing_after=self._failing_after.get(due.source, 0),
                unchanged_checks=unchanged,
                last_change_at=last_change_at if changed else None,
                retire=decision.retire,
            )
        )
        if recorded.lease_lost:
            logger.warning("%s: lease lost while checking; result dropped", due.url)
            return CheckReport(due.source, due.url, "abandoned")
        if recorded.merged_into is not None:
            canonical = article.canonical_url if article is not None else None
            return CheckReport(
                due.source, due.url, "merged", summary=f"already watched as {canonical}"
            )
        report = CheckReport(
            due.source,
            due.url,
            outcome,
            version=recorded.version_n,
            change_id=recorded.change_id,
            summary=change.summary() if change is not None else None,
        )
        if change is not None:
            logger.info("change: %s", report.line())
        self._log_events(due, recorded.events)
        if decision.retire:
            logger.info("%s: no change for a long time; retired (history kept)", due.url)
        return report

    @staticmethod
    def _log_events(due: DueArticle, events: Sequence[str]) -> None:
        for event in events:
            log = logger.info if event == "recovered" else logger.warning
            log("%s: %s (%s)", due.source, event.replace("_", " "), due.url)

    def _record_quarantine(
        self, due: DueArticle, record: FetchRecord, article: Article, digest: str, reason: str
    ) -> CheckReport:
        """Keep an implausible extraction aside; the latest version stays the truth.

        The validators (ETag, Last-Modified) are not kept: a 304 must never confirm a wall.
        """
        now = self._clock()
        logger.warning("%s: quarantined %s: %s", due.source, due.url, reason)
        if self._should_stop():
            return CheckReport(due.source, due.url, "abandoned", error=reason)
        recorded = self._store.record_check(
            CheckResult(
                due=due,
                fetch=replace(record, outcome="quarantined", error_kind="quarantine", error=reason),
                checked_at=now,
                next_check_at=now + timedelta(seconds=due.interval_seconds),
                article=article,
                content_hash=digest,
                quarantine=reason,
                event_routes=self._events(due.source),
                failing_after=self._failing_after.get(due.source, 0),
            )
        )
        self._log_events(due, recorded.events)
        if recorded.lease_lost:
            return CheckReport(due.source, due.url, "abandoned", error=reason)
        return CheckReport(due.source, due.url, "quarantined", error=f"quarantined: {reason}")

    def _record_removed(
        self,
        due: DueArticle,
        started: datetime,
        reason: str,
        status: int | None,
        fetched: FetchResult | None,
    ) -> CheckReport | None:
        """Record the page as gone, keeping its last good version; None when it never had
        one (then it is an ordinary error). Only the first check that finds it gone makes a
        ``removed`` change; later ones only log the fetch."""
        last = self._store.latest_version(due.article_id)
        if last is None:
            return None
        change = removed_change(last, reason) if due.removed_at is None else None
        now = self._clock()
        if self._should_stop():
            return CheckReport(due.source, due.url, "abandoned")
        record = FetchRecord(
            url=due.url,
            started_at=started,
            outcome="removed",
            status=status,
            elapsed_ms=fetched.elapsed_ms if fetched else None,
            bytes=len(fetched.content) if fetched else None,
            final_url=fetched.final_url if fetched else None,
            redirects=list(fetched.redirects) if fetched else [],
            error_kind="removed",
            error=reason,
        )
        recorded = self._store.record_check(
            CheckResult(
                due=due,
                fetch=record,
                checked_at=now,
                next_check_at=now + timedelta(seconds=due.interval_seconds),
                change=change,
                # alerted as the "removed" event (rules with ``on: [removed]``), in the
                # same transaction; the change keeps it in the article's history
                event_routes=self._events(due.source),
                failing_after=self._failing_after.get(due.source, 0),
            )
        )
        if recorded.lease_lost:
            return CheckReport(due.source, due.url, "abandoned")
        self._log_events(due, recorded.events)
        summary = change.summary() if change is not None else f"still gone ({reason})"
        if change is not None:
            logger.info("removed: %s %s (%s)", due.source, due.url, reason)
        return CheckReport(
            due.source,
            due.url,
            "removed",
            version=recorded.version_n,
            change_id=recorded.change_id,
            summary=summary,
        )

    def policy_for(self, due: DueArticle) -> SchedulePolicy:
        """The source's policy, its floor being the source's own interval."""
        policy = self._source_schedules.get(due.source, self._schedule)
        floor = due.interval_seconds
        return replace(policy, min_interval=floor, max_interval=max(policy.max_interval, floor))

    def decide(
        self,
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
        return next_check(self.policy_for(due), timing, now)

    def _record_error(
        self,
        due: DueArticle,
        started: datetime,
        message: str,
        kind: str,
        status: int | None,
        *,
        not_before: datetime | None = None,
    ) -> CheckReport:
        """Record a failure; the next check backs off, and never comes before ``not_before``
        (the server's Retry-After)."""
        now = self._clock()
        delay = retry_delay(due.interval_seconds, due.consecutive_failures)
        next_at = now + timedelta(seconds=delay)
        if not_before is not None and not_before > next_at:
            next_at = not_before
        logger.warning("%s: %s", due.source, message)
        if self._should_stop():
            return CheckReport(due.source, due.url, "abandoned", error=message)
        recorded = self._store.record_check(
            CheckResult(
                due=due,
                fetch=FetchRecord(
                    url=due.url,
                    started_at=started,
                    outcome="error",
                    status=status,
                    error_kind=kind,
                    error=message,
                ),
                checked_at=now,
                next_check_at=next_at,
                event_routes=self._events(due.source),
                failing_after=self._failing_after.get(due.source, 0),
            )
        )
        self._log_events(due, recorded.events)
        outcome: Outcome = "abandoned" if recorded.lease_lost else "error"
        return CheckReport(due.source, due.url, outcome, error=message)

    # ------------------------------------------------------------------ a pass

    def run_pass(
        self,
        *,
        sources: Sequence[str] | None = None,
        urls: Sequence[str] | None = None,
        force: bool = False,
        limit: int = 1000,
        workers: int = 4,
    ) -> list[CheckReport]:
        """Claim what is due (everything with ``force``) and check it, ``workers`` at once.

        How hard one site is hit is not decided here but by the fetcher's politeness (one
        budget per host, shared by every source on it).
        """
        claimed = self._store.claim_due(
            self._clock(), limit, self.lease_seconds, sources=sources, force=force, urls=urls
        )
        return self.run_claimed(claimed, workers=workers)

    def run_claimed(self, claimed: Sequence[DueArticle], *, workers: int = 4) -> list[CheckReport]:
        def run_one(due: DueArticle) -> CheckReport:
            if self._should_stop():
                return CheckReport(due.source, due.url, "abandoned")
            return self.check(due)

        if not claimed:
            return []
        if workers <= 1 or len(claimed) == 1:
            return [run_one(due) for due in claimed]
        with ThreadPoolExecutor(max_workers=min(workers, len(claimed))) as pool:
            return list(pool.map(run_one, claimed))
