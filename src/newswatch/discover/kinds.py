"""Discovery kinds: kind -> the reader of its documents, one entry per kind.

The configuration declares which kinds a source may be (``SOURCE_KINDS``); every kind but
``article`` is read here. Adding a discovery kind is one reader and one entry in
:data:`DISCOVERY_KINDS`: the runner switches on nothing. A password in a source's URL stays
with the fetcher (it has the configured credentials): the URL a reader uses, records and
reports shows it as ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from newswatch.config import SourceConfig
from newswatch.discover.base import Discovered, DocumentFetcher, validators_of
from newswatch.discover.feed import parse_feed
from newswatch.discover.index import index_links
from newswatch.discover.sitemap import read_sitemaps
from newswatch.store import DocumentValidators
from newswatch.urls import redact_credentials


@dataclass(frozen=True, slots=True)
class SourceRead:
    """One discovery's reading of a source: what it lists and what to follow (both empty
    when ``not_modified``), the validators to keep, child documents found unchanged."""

    listed: list[Discovered]
    kept: list[Discovered]
    validators: list[DocumentValidators]
    not_modified: bool = False
    unchanged: int = 0


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


def read_feed(source: SourceConfig, fetcher: DocumentFetcher, now: datetime) -> SourceRead:
    """An RSS or Atom feed: its items, with their ``updated`` dates."""
    result = fetcher.fetch(redact_credentials(source.url), expect="xml")
    if result.not_modified:
        return SourceRead([], [], [validators_of(result)], not_modified=True)
    listed = parse_feed(result.content, result.final_url)
    newer_than = now - timedelta(seconds=source.follow_for_seconds)
    return SourceRead(listed, choose(listed, source, newer_than), [validators_of(result)])


def read_index(source: SourceConfig, fetcher: DocumentFetcher, now: datetime) -> SourceRead:
    """A section or home page: the article links it holds (``select``/``pattern``)."""
    result = fetcher.fetch(redact_credentials(source.url))
    if result.not_modified:
        return SourceRead([], [], [validators_of(result)], not_modified=True)
    listed = index_links(result, select=source.select, pattern=source.pattern)
    newer_than = now - timedelta(seconds=source.follow_for_seconds)
    return SourceRead(listed, choose(listed, source, newer_than), [validators_of(result)])


def read_sitemap(source: SourceConfig, fetcher: DocumentFetcher, now: datetime) -> SourceRead:
    """A sitemap or sitemap index (its children followed), with ``<lastmod>`` dates."""
    newer_than = now - timedelta(seconds=source.follow_for_seconds)
    url = redact_credentials(source.url)
    read = read_sitemaps(fetcher, url, newer_than=newer_than)
    if url in read.not_modified:
        return SourceRead([], [], read.validators, not_modified=True)
    listed = read.articles
    kept = choose(listed, source, newer_than)
    return SourceRead(listed, kept, read.validators, unchanged=len(read.not_modified))


Reader = Callable[[SourceConfig, DocumentFetcher, datetime], SourceRead]

DISCOVERY_KINDS: dict[str, Reader] = {
    "feed": read_feed,
    "sitemap": read_sitemap,
    "index": read_index,
}
