"""One discovery of one source: list its links, follow the new ones, note publisher dates.

Runs on the daemon's clock (one APScheduler job per feed/sitemap/index source) and before
the checks of ``newswatch check``. Each document is asked for with the validators it was
last read with; one that answers 304 is not parsed (``newswatch sources`` says "not
modified"). A failing discovery never raises: it is logged and
recorded on the source (``newswatch sources`` shows it), and the articles already followed
keep being checked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from newswatch.clock import Clock, utc_now
from newswatch.config import SourceConfig
from newswatch.discover.base import (
    ConditionalFetcher,
    Discovered,
    DocumentFetcher,
)
from newswatch.discover.kinds import DISCOVERY_KINDS, SourceRead
from newswatch.errors import DiscoveryError, FetchError, StoreError
from newswatch.judge.signals import publisher_signals
from newswatch.store import DiscoveryStore
from newswatch.urls import redact_credentials

logger = logging.getLogger("newswatch.discover")


@dataclass(frozen=True, slots=True)
class DiscoveryReport:
    """What one discovery found: links listed, kept (recent, within ``max_articles``),
    newly followed, and checks pulled forward by a newer publisher date; ``not_modified``
    when the source's document answered 304, ``unchanged`` child sitemaps that did."""

    source: str
    listed: int = 0
    kept: int = 0
    new: int = 0
    pulled_forward: int = 0
    error: str | None = None
    not_modified: bool = False
    unchanged: int = 0
    out_of_scope: int = 0
    elsewhere: bool = False  # another process held the source's discovery, or just did it

    def line(self) -> str:
        if self.error:
            return f"discovery     {self.source} failed: {self.error}"
        if self.elsewhere:
            return f"discovery     {self.source}: left to another process (discovering it now)"
        if self.not_modified:
            return f"discovery     {self.source}: not modified"
        unchanged = f", {self.unchanged} sitemap(s) not modified" if self.unchanged else ""
        dropped = (
            f", {self.out_of_scope} outside the fetch scope (not followed)"
            if self.out_of_scope
            else ""
        )
        return (
            f"discovery     {self.source}: {self.listed} link(s), {self.kept} recent, "
            f"{self.new} new, {self.pulled_forward} re-check(s) pulled forward{unchanged}"
            f"{dropped}"
        )


def settings_key(source: SourceConfig) -> str:
    """A fingerprint of what decides a source's discovery: validators kept under other
    settings are not sent, so a changed ``pattern`` (say) reads unchanged documents again."""
    return json.dumps(
        [
            source.kind,
            redact_credentials(source.url),
            source.select,
            source.pattern,
            source.max_articles_or_default,
            source.follow_for_seconds,
        ]
    )


def read_source(source: SourceConfig, fetcher: DocumentFetcher, now: datetime) -> SourceRead:
    """Fetch and parse the source's documents with the reader of its kind
    (:data:`~newswatch.discover.kinds.DISCOVERY_KINDS`); a 304 (when ``fetcher`` sends
    validators, see :class:`ConditionalFetcher`) is not parsed.

    Raises :class:`DiscoveryError` or :class:`FetchError` when the source cannot be read.
    """
    reader = DISCOVERY_KINDS.get(source.kind)
    if reader is None:
        raise DiscoveryError(f"source {source.name!r} is a single article: nothing to discover")
    return reader(source, fetcher, now)


def discover(
    source: SourceConfig, fetcher: DocumentFetcher, now: datetime
) -> tuple[list[Discovered], list[Discovered]]:
    """(everything the source lists, the part to follow: recent, matching, newest first).

    Raises :class:`DiscoveryError` or :class:`FetchError` when the source cannot be read.
    """
    read = read_source(source, fetcher, now)
    return read.listed, read.kept


class DiscoveryRunner:
    """Discovers sources and hands what they found to the store.

    ``admits`` tells whether a link is inside the fetch scope (see
    :meth:`newswatch.fetch.FetchScope.admits`); a link outside it (another port on the
    loopback, a private address no source names) is not followed: it could only ever fail.
    """

    def __init__(
        self,
        store: DiscoveryStore,
        fetcher: DocumentFetcher,
        sources: Sequence[SourceConfig],
        *,
        clock: Clock = utc_now,
        admits: Callable[[str], bool] = lambda url: True,
        lease_seconds: float = 300.0,
    ) -> None:
        """``lease_seconds``: how long a source's discovery stays leased to this process
        (another host takes it over after that if this one dies discovering)."""
        self._store = store
        self._lease = lease_seconds
        self._admits = admits
        self._fetcher = fetcher
        self._sources = {s.name: s for s in sources if s.discovers}
        self._clock = clock

    @property
    def sources(self) -> list[SourceConfig]:
        """The sources that discover articles (feed, sitemap, index)."""
        return list(self._sources.values())

    def run(self, name: str, *, scheduled: bool = False) -> DiscoveryReport:
        """Discover ``name`` unless another process (on this host or another) is doing it;
        ``scheduled`` (the daemon's periodic job, on every host): also not when another one
        did it within half the source's interval, so a fleet reads each source about once
        per interval."""
        source = self._sources.get(name)
        if source is None:
            return DiscoveryReport(name, error="not a feed, sitemap or index source")
        now = self._clock()
        fresh_after = now - timedelta(seconds=source.interval_seconds / 2) if scheduled else None
        try:
            token = self._store.claim_discovery(name, now, self._lease, fresh_after=fresh_after)
        except StoreError as exc:
            logger.error("discovery of %s could not be claimed: %s", name, exc)
            return DiscoveryReport(name, error=str(exc))
        if token is None:
            report = DiscoveryReport(name, elsewhere=True)
            logger.info("%s", report.line())
            return report
        try:
            return self._discover(name, source, now)
        finally:
            try:
                self._store.release_discovery(name, token)
            except StoreError as exc:  # the lease then simply expires
                logger.warning("discovery lease of %s not given back: %s", name, exc)

    def _discover(self, name: str, source: SourceConfig, now: datetime) -> DiscoveryReport:
        settings = settings_key(source)
        try:
            known = self._store.discovery_validators(name, settings)
            read = read_source(source, ConditionalFetcher(self._fetcher, known), now)
        except (DiscoveryError, FetchError, StoreError) as exc:
            logger.warning("discovery of %s failed: %s", name, exc)
            try:
                self._store.record_discovery(name, now, None, str(exc))
            except StoreError as stored:  # the database is away too: say so, never raise
                logger.error("discovery of %s: its failure could not be recorded: %s", name, stored)
            return DiscoveryReport(name, error=str(exc))
        try:
            if read.not_modified:
                report = DiscoveryReport(name, not_modified=True)
            else:
                kept = [item for item in read.kept if self._admits(item.url)]
                outside = len(read.kept) - len(kept)
                if outside:
                    first = next(i.url for i in read.kept if not self._admits(i.url))
                    logger.warning(
                        "discovery of %s: %d link(s) outside the fetch scope not followed"
                        " (first: %s); add the host to fetch.allow to follow them",
                        name,
                        outside,
                        redact_credentials(first),
                    )
                new = self._store.add_articles(name, [item.url for item in kept], now)
                dated = [(item.url, item.updated) for item in kept if item.updated is not None]
                pulled = 0
                if dated:
                    watched = self._store.followed([url for url, _ in dated])
                    planned = publisher_signals(watched, dated, now)
                    pulled = self._store.apply_signals(name, planned, now)
                report = DiscoveryReport(
                    name,
                    len(read.listed),
                    len(kept),
                    new,
                    pulled,
                    unchanged=read.unchanged,
                    out_of_scope=outside,
                )
            # only now: validators of documents whose links did not reach the store would
            # turn the next discovery into a 304 that never follows them
            self._store.save_discovery_validators(name, settings, read.validators, now)
            found = None if read.not_modified else len(read.listed)
            self._store.record_discovery(name, now, found, None, not_modified=read.not_modified)
        except StoreError as exc:
            logger.error("discovery of %s could not be stored: %s", name, exc)
            return DiscoveryReport(name, error=str(exc))
        logger.info("%s", report.line())
        return report

    def run_all(self, names: Sequence[str] | None = None) -> list[DiscoveryReport]:
        """Discover the named sources (default: all that discover), one after another."""
        wanted = list(self._sources) if names is None else [n for n in names if n in self._sources]
        return [self.run(name) for name in wanted]
