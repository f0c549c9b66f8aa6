"""One discovery of one source: list its links, follow the new ones, note publisher dates.

Runs on the daemon's clock (one APScheduler job per feed/sitemap/index source) and before
the checks of ``newswatch check``. A failing discovery never raises: it is logged and
recorded on the source (``newswatch sources`` shows it), and the articles already followed
keep being checked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from newswatch.clock import Clock, utc_now
from newswatch.config import SourceConfig
from newswatch.discover.base import Discovered, DocumentFetcher
from newswatch.discover.feed import parse_feed
from newswatch.discover.index import discover_index
from newswatch.discover.sitemap import discover_sitemap
from newswatch.errors import DiscoveryError, FetchError, StoreError
from newswatch.store.base import Store

logger = logging.getLogger("newswatch.discover")


@dataclass(frozen=True, slots=True)
class DiscoveryReport:
    """What one discovery found: links listed, kept (recent, within ``max_articles``),
    newly followed, and checks pulled forward by a newer publisher date."""

    source: str
    listed: int = 0
    kept: int = 0
    new: int = 0
    pulled_forward: int = 0
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"discovery     {self.source} failed: {self.error}"
        return (
            f"discovery     {self.source}: {self.listed} link(s), {self.kept} recent, "
            f"{self.new} new, {self.pulled_forward} re-check(s) pulled forward"
        )


def discover(
    source: SourceConfig, fetcher: DocumentFetcher, now: datetime
) -> tuple[list[Discovered], list[Discovered]]:
    """(everything the source lists, the part to follow: recent, matching, newest first).

    Raises :class:`DiscoveryError` or :class:`FetchError` when the source cannot be read.
    """
    newer_than = now - timedelta(seconds=source.follow_for_seconds)
    if source.kind == "feed":
        result = fetcher.fetch(source.url, expect="xml")
        listed = parse_feed(result.content, result.final_url)
    elif source.kind == "sitemap":
        listed = discover_sitemap(fetcher, source.url, newer_than=newer_than)
    elif source.kind == "index":
        listed = discover_index(fetcher, source.url, select=source.select, pattern=source.pattern)
    else:
        raise DiscoveryError(f"source {source.name!r} is a single article: nothing to discover")
    return listed, choose(listed, source, newer_than)


def choose(
    listed: Sequence[Discovered], source: SourceConfig, newer_than: datetime
) -> list[Discovered]:
    """Keep items matching ``pattern`` and not dated before ``newer_than``; newest first
    (undated items after, in the order listed), at most ``max_articles``."""
    regex = re.compile(source.pattern) if source.pattern and source.kind != "index" else None
    kept = [
        item
        for item in listed
        if (item.updated is None or item.updated >= newer_than)
        and (regex is None or regex.search(item.url))
    ]
    dated = sorted(
        (i for i in kept if i.updated is not None),
        key=lambda i: i.updated.timestamp() if i.updated else 0.0,
        reverse=True,
    )
    ordered = dated + [i for i in kept if i.updated is None]
    return ordered[: source.max_articles_or_default]


class DiscoveryRunner:
    """Discovers sources and hands what they found to the store."""

    def __init__(
        self,
        store: Store,
        fetcher: DocumentFetcher,
        sources: Sequence[SourceConfig],
        *,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._sources = {s.name: s for s in sources if s.discovers}
        self._clock = clock

    @property
    def sources(self) -> list[SourceConfig]:
        """The sources that discover articles (feed, sitemap, index)."""
        return list(self._sources.values())

    def run(self, name: str) -> DiscoveryReport:
        source = self._sources.get(name)
        if source is None:
            return DiscoveryReport(name, error="not a feed, sitemap or index source")
        now = self._clock()
        try:
            listed, kept = discover(source, self._fetcher, now)
        except (DiscoveryError, FetchError) as exc:
            logger.warning("discovery of %s failed: %s", name, exc)
            self._store.record_discovery(name, now, None, str(exc))
            return DiscoveryReport(name, error=str(exc))
        try:
            new = self._store.add_articles(name, [item.url for item in kept], now)
            dated = [(item.url, item.updated) for item in kept if item.updated is not None]
            pulled = self._store.note_publisher_updates(name, dated, now) if dated else 0
            self._store.record_discovery(name, now, len(listed), None)
        except StoreError as exc:
            logger.error("discovery of %s could not be stored: %s", name, exc)
            return DiscoveryReport(name, error=str(exc))
        report = DiscoveryReport(name, len(listed), len(kept), new, pulled)
        logger.info("%s", report.line())
        return report

    def run_all(self, names: Sequence[str] | None = None) -> list[DiscoveryReport]:
        """Discover the named sources (default: all that discover), one after another."""
        wanted = list(self._sources) if names is None else [n for n in names if n in self._sources]
        return [self.run(name) for name in wanted]
