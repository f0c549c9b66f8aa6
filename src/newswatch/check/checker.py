"""One check of one article: fetch, extract, compare, and record it all at once.

This is the only place where the pure core (extract, diff) meets the edges (fetcher, store,
clock); all three edges are injected. A check never raises for a bad page or a dead server:
the failure is recorded in the fetch log and on the article, and the next check is scheduled
with backoff, so one failing source cannot stop the others. The decisions are pure functions
in :mod:`.decisions`; writing the outcome is :mod:`.recording`'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Protocol

from newswatch.alerts.routing import Rule
from newswatch.check.confirm import Confirmer
from newswatch.check.decisions import refined_canonical
from newswatch.check.recording import CheckRecorder
from newswatch.check.report import CheckReport
from newswatch.clock import Clock, utc_now
from newswatch.errors import ExtractError, FetchError, HTTPStatusError, PageTooComplex
from newswatch.extract import ExtractRules, extract
from newswatch.models import Article, FetchResult
from newswatch.presence import gone_status, moved_to_section
from newswatch.schedule import SchedulePolicy
from newswatch.store import CheckingStore, DueArticle, FetchRecord

logger = logging.getLogger("newswatch.check")


class PageFetcher(Protocol):
    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        robots: bool = True,
    ) -> FetchResult: ...


class Checker:
    """Checks claimed articles and writes each result in one store transaction."""

    def __init__(
        self,
        store: CheckingStore,
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
        confirm_delay: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``extract_rules``: per source name, CSS rules overriding detection for its
        articles; ``schedule`` is the re-check policy, ``source_schedules`` per-source overrides
        (their ``min_interval`` is always the source's interval); ``robots_ignored`` names
        the sources whose robots.txt is not consulted (the user has permission);
        ``confirm_delay``: how long to wait before fetching a small change once more (0:
        never; see :mod:`.confirm`)."""
        self._extract_rules: Mapping[str, ExtractRules] = extract_rules or {}
        self._robots_ignored = frozenset(robots_ignored)
        self._store = store
        self._fetcher = fetcher
        self._clock = clock
        self.lease_seconds = lease_seconds
        self._should_stop = should_stop
        self.confirmer = Confirmer(
            store, self._refetch, delay=confirm_delay, clock=clock, sleep=sleep
        )
        self._recorder = CheckRecorder(
            store,
            schedule=schedule or SchedulePolicy(),
            source_schedules=source_schedules or {},
            channels=channels,
            rules=rules,
            failing_after=failing_after,
            clock=clock,
            should_stop=should_stop,
        )

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
                gone = self._recorder.removed(due, started, reason, exc.status, None)
                if gone is not None:
                    return gone
            return self._recorder.error(
                due, started, str(exc), exc.kind, exc.status, not_before=exc.retry_after
            )
        # a redirect may be the publisher taking the article down (to a home/section page)
        last = self._store.latest_version(due.article_id) if fetched.redirects else None
        if fetched.not_modified:
            return self._recorder.record(
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
        try:
            article = extract(
                fetched.text if fetched.text is not None else fetched.content,
                fetched.final_url,
                due.timezone,
                fetched_at=fetched.fetched_at,
                rules=self._extract_rules.get(due.source),
            )
        except PageTooComplex as exc:  # beyond the extractor's budgets: kept aside, no version
            return self._recorder.refuse(due, record, str(exc))
        except ExtractError as exc:
            moved = moved_to_section(due.url, fetched, None, last)
            gone = (
                self._recorder.removed(due, started, moved, fetched.status, fetched)
                if moved
                else None
            )
            if gone is not None:
                return gone
            return self._recorder.error(due, started, str(exc), "extract", fetched.status)
        except Exception as exc:  # a page that trips an extractor bug must not stall the source
            logger.exception("extracting %s failed", due.url)
            message = f"{due.url}: extraction failed ({type(exc).__name__}: {exc})"
            return self._recorder.error(due, started, message, "extract", fetched.status)
        if not article.title and not article.paragraphs:
            return self._recorder.error(
                due, started, f"{due.url}: no article found in the page", "extract", fetched.status
            )
        moved = moved_to_section(due.url, fetched, article, last)
        gone = (
            self._recorder.removed(due, started, moved, fetched.status, fetched) if moved else None
        )
        if gone is not None:
            return gone
        article = replace(article, canonical_url=refined_canonical(due.url, fetched, article))
        article = self.confirmer.steady(due, article)
        return self._recorder.record(due, record, fetched, article=article)

    def _refetch(self, due: DueArticle) -> Article | None:
        """The page fetched and extracted once more (no validators: a 304 confirms
        nothing), or None if that fails."""
        try:
            fetched = self._fetcher.fetch(due.url, robots=due.source not in self._robots_ignored)
            if fetched.not_modified:
                return None
            return extract(
                fetched.text if fetched.text is not None else fetched.content,
                fetched.final_url,
                due.timezone,
                fetched_at=fetched.fetched_at,
                rules=self._extract_rules.get(due.source),
            )
        except Exception as exc:  # a failed confirmation must not fail the check
            logger.info("%s: confirmation fetch failed: %s", due.url, exc)
            return None

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
