"""One check of one article: gather (fetch, extract, one state read), plan (pure), apply.

This is the only place where the pure core (extract, the planner) meets the edges (fetcher,
store, clock); all three are injected. A check never raises for a bad page or a dead
server: the failure is planned like any result (fetch log, backoff, source health), so one
failing source cannot stop the others. Everything the check writes is decided by
:func:`newswatch.judge.plan.plan`; the store applies it in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

import newswatch.extract as extraction  # its names load on first use (see the package)
from newswatch.archive import CaptureMode, base_of, wants_base, with_capture
from newswatch.charset import plain_utf8
from newswatch.check.confirm import Confirmer
from newswatch.check.report import CheckReport
from newswatch.clock import Clock, utc_now
from newswatch.errors import ExtractError, FetchError, HTTPStatusError, PageTooComplex
from newswatch.extract import ExtractRules
from newswatch.extract.reread import Reading, mask_of, read_again, reading_key
from newswatch.judge.decisions import refined_canonical
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
from newswatch.models import Article, FetchResult, PagePatch
from newswatch.normalize import content_hash
from newswatch.schedule import SchedulePolicy
from newswatch.store import (
    Applied,
    CheckingStore,
    DueArticle,
    MadeReading,
    ReadingWrite,
    WritePlan,
)

logger = logging.getLogger("newswatch.check")

#: how often a plan is made again when another check of the same source moved a guard
PLAN_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class _Made:
    """The current version as read to read the page again (see :meth:`Checker._gather`),
    and the pieces the page was proven to differ from its made page in, when it was: the
    capture then stores only those (see :func:`~newswatch.archive.bodies.patch_frame`)."""

    stored: MadeReading
    pieces: PagePatch | None = None


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
    """Checks claimed articles; each check's plan is applied in one store transaction."""

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
        capture: Mapping[str, CaptureMode] | None = None,
        capture_default: CaptureMode = "versions",
    ) -> None:
        """``channels`` get every change; ``rules`` route changes and events; ``extract_rules``:
        per source name, CSS rules overriding detection for its articles; ``schedule`` is the
        re-check policy, ``source_schedules`` per-source overrides (their ``min_interval`` is
        always the source's interval); ``robots_ignored`` names the sources whose robots.txt
        is not consulted (the user has permission); ``confirm_delay``: how long to wait
        before fetching a small change once more (0: never; see :mod:`.confirm`); ``capture``:
        per source name, which fetches are kept raw (``capture_default`` for the others; see
        :mod:`newswatch.archive.capture`)."""
        self._capture = dict(capture or {})
        self._capture_default: CaptureMode = capture_default
        self._extract_rules: Mapping[str, ExtractRules] = extract_rules or {}
        self._robots_ignored = frozenset(robots_ignored)
        self._store = store
        self._fetcher = fetcher
        self._clock = clock
        self.lease_seconds = lease_seconds
        self._should_stop = should_stop
        self._schedule = schedule or SchedulePolicy()
        self._source_schedules = dict(source_schedules or {})
        self._channels = tuple(channels)
        self._rules = tuple(rules)
        self._failing_after = dict(failing_after or {})
        self._policies: dict[str, CheckPolicy] = {}
        self.confirmer = Confirmer(
            store, self._refetch, delay=confirm_delay, clock=clock, sleep=sleep
        )

    def policy(self, source: str) -> CheckPolicy:
        """How ``source``'s checks are judged (built once per source)."""
        if source not in self._policies:
            self._policies[source] = CheckPolicy(
                schedule=self._source_schedules.get(source, self._schedule),
                rules=self._rules,
                channels=self._channels,
                failing_after=self._failing_after.get(source, 0),
            )
        return self._policies[source]

    # ------------------------------------------------------------------ one article

    def check(self, due: DueArticle) -> CheckReport:
        """Gather, plan, apply (planning again if another check moved a guard meanwhile)."""
        gathered, made = self._gather(due)
        policy = self.policy(due.source)
        digest = isinstance(gathered, Extracted | NotModified)
        confirmed = False
        for _ in range(PLAN_ATTEMPTS):
            now = self._clock()
            content, canonical = asks(gathered)
            state = self._store.check_state(
                due,
                content_hash=content,
                canonical_url=canonical,
                windows=policy.digest_windows(due.source) if digest else None,
                now=now,
            )
            if isinstance(gathered, Extracted) and not confirmed:
                confirmed = True  # volatile fragments masked, a small change confirmed
                article = self.confirmer.steady(due, gathered.article, state.latest)
                if article is not gathered.article:
                    # what a version made of it holds is no longer what the page reads as
                    gathered = replace(gathered, article=article, reading=None)
                    continue  # the content asked about changed: read the state again
            planned = plan(state, gathered, due, policy, now)
            self._log_plan(due, planned)
            if self._should_stop():
                return CheckReport(due.source, due.url, "abandoned", error=planned.reason)
            fetched = None if isinstance(gathered, FetchFailed) else gathered.fetched
            mode = self._capture.get(due.source, self._capture_default)
            version = wants_base(planned.write, fetched, mode)
            pieces: PagePatch | None = None
            if version is None:
                base = None
            elif made is not None and made.stored.version.n == version:
                base = made.stored.body  # read already, to read the page again
                pieces = made.pieces  # and what the page differs from it in, if proven
            else:
                base = self._store.version_body(due.article_id, version)
            write = planned.write
            if fetched is not None and mode != "off":
                write = _masked_reading(write, fetched)
            applied = self._store.apply(with_capture(write, fetched, mode, base, pieces))
            if not applied.conflict:
                return self._report(due, planned, applied)
        logger.warning("%s: the source's state kept moving; result dropped", due.url)
        return CheckReport(due.source, due.url, "abandoned")

    def gather(self, due: DueArticle) -> Gathered:
        """The fetch and its extraction: everything of a check that is not the store's
        state (the body that made the current version may be read, see :meth:`_gather`)."""
        return self._gather(due)[0]

    def _gather(self, due: DueArticle) -> tuple[Gathered, _Made | None]:
        """The fetch and its extraction, and the current version's made page if it was read
        to spare the extraction (see :mod:`newswatch.extract.reread`)."""
        started = self._clock()
        try:
            fetched = self._fetcher.fetch(
                due.url,
                etag=due.etag,
                last_modified=due.last_modified,
                robots=due.source not in self._robots_ignored,
            )
        except FetchError as exc:
            failed = FetchFailed(
                started,
                str(exc),
                exc.kind,
                exc.status,
                status_error=isinstance(exc, HTTPStatusError),
                retry_after=exc.retry_after,
            )
            return failed, None
        if fetched.not_modified:
            return NotModified(started, fetched), None
        rules = self._extract_rules.get(due.source)
        # a version read with CSS rules is never read again: a rule may name any attribute
        key = reading_key(due.timezone) if rules is None and fetched.plain_utf8 else None
        stored = self._store.made_reading(due.article_id) if key is not None else None
        made = _Made(stored) if stored is not None else None
        reading: str | None = None
        reread: ReadingWrite | None = None
        try:
            again = None
            if made is not None and key is not None:
                again = self._read_again(due, fetched, made.stored, key)
            if again is not None and made is not None:
                article, reread, pieces = again
                made = _Made(made.stored, pieces)
                reading = made.stored.reading
                logger.debug("%s: read as its version's page, nothing read differs", due.url)
            else:
                read = extraction.read_page(
                    fetched.text if fetched.text is not None else fetched.content,
                    fetched.final_url,
                    due.timezone,
                    fetched_at=fetched.fetched_at,
                    rules=rules,
                    # plain UTF-8: the parser takes the bytes, spared encoding the text back
                    raw=fetched.content if fetched.plain_utf8 else None,
                )
                article = read.article
                if key is not None:
                    reading = Reading.of(key, read).dumps()
                    if made is not None:
                        reread = _refreshed(due, made.stored, key, article)
        except PageTooComplex as exc:  # beyond the extractor's budgets: kept aside, no version
            return Refused(started, fetched, str(exc)), made
        except ExtractError as exc:
            return ExtractFailed(started, fetched, str(exc), movable=True), made
        except Exception as exc:  # a page that trips an extractor bug must not stall the source
            logger.exception("extracting %s failed", due.url)
            message = f"{due.url}: extraction failed ({type(exc).__name__}: {exc})"
            return ExtractFailed(started, fetched, message), made
        if not article.title and not article.paragraphs:
            nothing = f"{due.url}: no article found in the page"
            return ExtractFailed(started, fetched, nothing), made
        canonical = refined_canonical(due.url, fetched, article)
        article = replace(article, canonical_url=canonical)
        return Extracted(started, fetched, article, reading, reread), made

    @staticmethod
    def _read_again(
        due: DueArticle, fetched: FetchResult, made: MadeReading, key: str
    ) -> tuple[Article, ReadingWrite | None, PagePatch | None] | None:
        """The page read as the current version's page was, when it differs from that
        page only in what extraction ignores, and how that version is read from now on if
        this taught something; None to extract it afresh."""
        stored = Reading.loads(made.reading)
        if stored is None or stored.key != key or fetched.text is None:
            return None
        version = made.version
        held = Article(
            url=version.final_url or "",
            title=version.title,
            paragraphs=list(version.paragraphs),
            published=version.published,
            updated=version.updated,
            stamps=list(version.stamps),
            language=version.language,
        )
        again = read_again(
            lambda: base_of(made.body),  # decompressed only if the mask proves nothing
            fetched.content,
            fetched.text,
            fetched.final_url,
            due.timezone,
            fetched_at=fetched.fetched_at,
            held=held,
            reading=stored,
        )
        if again is None:
            return None
        if again.reading == stored:
            return again.article, None, again.pieces
        learned = ReadingWrite(version.n, version.hash, again.reading.dumps())
        return again.article, learned, again.pieces

    def _refetch(self, due: DueArticle) -> Article | None:
        """The page fetched and extracted once more (no validators: a 304 confirms
        nothing), or None if that fails."""
        try:
            fetched = self._fetcher.fetch(due.url, robots=due.source not in self._robots_ignored)
            if fetched.not_modified:
                return None
            return extraction.extract(
                fetched.text if fetched.text is not None else fetched.content,
                fetched.final_url,
                due.timezone,
                fetched_at=fetched.fetched_at,
                rules=self._extract_rules.get(due.source),
            )
        except Exception as exc:  # a failed confirmation must not fail the check
            logger.info("%s: confirmation fetch failed: %s", due.url, exc)
            return None

    @staticmethod
    def _log_plan(due: DueArticle, planned: Planned) -> None:
        if planned.outcome == "error":
            logger.warning("%s: %s", due.source, planned.reason)
        elif planned.outcome == "quarantined":
            logger.warning("%s: quarantined %s: %s", due.source, due.url, planned.reason)
        if planned.accepted_after is not None:
            logger.info(
                "%s: accepted after %d sightings: %s",
                due.url,
                planned.accepted_after,
                planned.accepted,
            )

    @staticmethod
    def _report(due: DueArticle, planned: Planned, applied: Applied) -> CheckReport:
        if applied.lease_lost:
            logger.warning("%s: lease lost while checking; result dropped", due.url)
            return CheckReport(due.source, due.url, "abandoned", error=planned.reason)
        if planned.merged_into is not None and planned.outcome == "merged":
            return CheckReport(due.source, due.url, "merged", summary=planned.summary)
        report = CheckReport(
            due.source,
            due.url,
            planned.outcome,
            version=planned.version_n,
            change_id=applied.change_id,
            summary=planned.summary if planned.outcome != "quarantined" else None,
            error=planned.error,
        )
        write = planned.write
        if write.change is not None:  # the user reads it once: as the alert, or the result
            if write.change.change.kind == "removed":
                logger.info("removed: %s %s (%s)", due.source, due.url, write.change.change.reason)
            else:
                logger.debug("change: %s", report.line())
        for event in planned.events:
            log = logger.info if event == "recovered" else logger.warning
            log("%s: %s (%s)", due.source, event.replace("_", " "), due.url)
        if write.article is not None and write.article.retire:
            logger.info("%s: no change for a long time; retired (history kept)", due.url)
        return report

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


def _refreshed(
    due: DueArticle, made: MadeReading, key: str, article: Article
) -> ReadingWrite | None:
    """A reading of the current version by the code running now, when the stored one was
    made by other code (an upgrade) and the page just read is still that version: without
    it, every later check of an unchanged article would extract its page afresh until the
    article changed. The version's own page is read again, at the time it was fetched, and
    the reading is kept only if that gives the version exactly (title, body, stamps,
    language): then it is what a version made now would have stored, mask included."""
    stored = Reading.loads(made.reading)
    version = made.version
    if stored is not None and stored.key == key:
        return None  # read by this code: the page simply differs from its version's
    if content_hash(article.title, article.paragraphs) != version.hash:
        return None  # a new version: it gets a reading of its own
    page = base_of(made.body)
    text = None if page is None else plain_utf8(page)
    if page is None or text is None:
        return None  # no page to read again as the version's, or not one read again
    try:
        read = extraction.read_page(
            text,
            version.final_url or due.url,
            due.timezone,
            fetched_at=version.first_seen_at,
            raw=page,
        )
    except Exception:  # beyond this code's budgets, or an extractor bug: read afresh then
        logger.debug("%s: its version's page could not be read again", due.url, exc_info=True)
        return None
    again = read.article
    if (
        again.title != version.title
        or again.paragraphs != version.paragraphs
        or (again.published, again.updated, again.language)
        != (version.published, version.updated, version.language)
        or again.stamps != version.stamps
    ):
        return None  # this code reads the version's page otherwise
    reading = Reading.of(key, read)
    mask = mask_of(page)
    if mask is not None:
        reading = replace(reading, mask=mask)
    return ReadingWrite(version.n, version.hash, reading.dumps())


def _masked_reading(write: WritePlan, fetched: FetchResult) -> WritePlan:
    """The plan with the new version's reading given the mask of the page that makes it,
    so the next fetch of the page reads alike without a parse (see
    :func:`~newswatch.extract.reread.mask_of`); paid once a version."""
    version = write.version
    if version is None or version.reading is None:
        return write
    reading = Reading.loads(version.reading)
    if reading is None or reading.mask is not None:
        return write
    mask = mask_of(fetched.content)
    if mask is None:
        return write
    masked = replace(reading, mask=mask).dumps()
    return replace(write, version=replace(version, reading=masked))
