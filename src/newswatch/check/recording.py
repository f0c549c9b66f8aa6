"""Writing a check's outcome: one store transaction per check, with its alerts and events.

:class:`~newswatch.check.Checker` decides what it fetched; this records it: a new or
unchanged version (or a 304), a quarantined extraction, a page gone, or an error with its
backoff. It routes the change to alert rules, logs the events the store reports, and drops
the result when the daemon is stopping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from newswatch.alerts.routing import Rule, route_change, route_events
from newswatch.check.decisions import classify, decide, policy_for, retry_at
from newswatch.check.report import CheckReport, Outcome
from newswatch.clock import Clock
from newswatch.judge import revisions
from newswatch.models import Article, Change, FetchResult
from newswatch.normalize import content_hash
from newswatch.presence import removed_change, restored_change
from newswatch.quarantine import accept_after, judge
from newswatch.schedule import SchedulePolicy
from newswatch.store import (
    AlertRoute,
    CheckingStore,
    CheckResult,
    DueArticle,
    FetchRecord,
    StoredVersion,
)

logger = logging.getLogger("newswatch.check")


class CheckRecorder:
    """Records each check's result in one store transaction; shared by a checker's workers."""

    def __init__(
        self,
        store: CheckingStore,
        *,
        schedule: SchedulePolicy,
        source_schedules: Mapping[str, SchedulePolicy],
        channels: Sequence[str],
        rules: Sequence[Rule],
        failing_after: Mapping[str, int] | None,
        clock: Clock,
        should_stop: Callable[[], bool],
    ) -> None:
        """``schedule`` is the re-check policy, ``source_schedules`` per-source overrides
        (their floor is always the source's own interval)."""
        self._store = store
        self._schedule = schedule
        self._source_schedules = dict(source_schedules)
        self._channels = tuple(channels)
        self._rules = tuple(rules)
        self._failing_after = dict(failing_after or {})
        self._event_routes: dict[str, dict[str, list[str]]] = {}
        self._clock = clock
        self._should_stop = should_stop

    def _routes(self, source: str, change: Change | None) -> list[AlertRoute]:
        """The alert rules this change matches (decided now, recorded with the change)."""
        return route_change(self._rules, source, change) if change is not None else []

    def _events(self, source: str) -> dict[str, list[str]]:
        if source not in self._event_routes:
            self._event_routes[source] = route_events(self._rules, source)
        return self._event_routes[source]

    def record(
        self,
        due: DueArticle,
        record: FetchRecord,
        fetched: FetchResult,
        *,
        article: Article | None,
    ) -> CheckReport:
        """Record a fetched page (``article`` None: a 304): a version, or a quarantine."""
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
            outcome, change, digest = classify(latest, article, digest)
            if outcome == "new_version" and change is not None and latest is not None:
                outcome, change, digest = self._against_history(
                    due, latest, article, digest, change
                )
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
        policy = policy_for(due, self._schedule, self._source_schedules)
        decision = decide(policy, due, now, article or latest, last_change_at, unchanged)
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
        if change is not None:  # the user reads it once: as the alert, or the check's result
            logger.debug("change: %s", report.line())
        self._log_events(due, recorded.events)
        if decision.retire:
            logger.info("%s: no change for a long time; retired (history kept)", due.url)
        return report

    def _against_history(
        self,
        due: DueArticle,
        latest: StoredVersion,
        article: Article,
        digest: str,
        change: Change,
    ) -> tuple[Outcome, Change | None, str]:
        """A new reading judged against every version and earlier headline tests (see
        :mod:`newswatch.judge.revisions`): a revert or a headline test is recorded as such,
        a known variant coming round again as the current version seen."""
        records = [
            c.record
            for c in self._store.changes(due.article_id, limit=10_000)
            if c.kind == "headline_test"
        ]
        history = self._store.versions(due.article_id)
        verdict = revisions.judge(
            history, latest, article, digest, change, revisions.known_variants(records)
        )
        if verdict.kind == "quiet":
            return "unchanged", None, latest.hash
        if verdict.kind != "new" and verdict.change is not None:
            change = replace(verdict.change, back_to=verdict.back_to)
        return "new_version", change, digest

    @staticmethod
    def _log_events(due: DueArticle, events: Sequence[str]) -> None:
        for event in events:
            log = logger.info if event == "recovered" else logger.warning
            log("%s: %s (%s)", due.source, event.replace("_", " "), due.url)

    def refuse(self, due: DueArticle, record: FetchRecord, reason: str) -> CheckReport:
        """Quarantine a page the extractor refused to read (beyond its work budgets): no
        version, the reason kept, the latest version still the truth."""
        empty = Article(url=due.url, title="", paragraphs=[])
        return self._record_quarantine(
            due, record, empty, content_hash(empty.title, empty.paragraphs), reason
        )

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

    def removed(
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

    def error(
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
        next_at = retry_at(due, now, not_before)
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
