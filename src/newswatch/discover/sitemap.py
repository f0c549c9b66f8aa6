"""Sitemaps: plain, Google News and sitemap indexes (followed within bounds), gzipped too.

A news site's sitemap index lists dozens of monthly archives; only recent ones matter, so
child sitemaps are read newest ``lastmod`` first, those older than the source's
``follow_for`` window are skipped, and no more than ``max_sitemaps`` documents (and
``max_depth`` levels of index) are fetched per discovery. XML is parsed with defusedxml:
a sitemap is untrusted input (no entity expansion, no external entities).
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from newswatch.discover.base import Discovered, DocumentFetcher, parse_w3c_date, validators_of
from newswatch.errors import DiscoveryError, FetchError
from newswatch.store import DocumentValidators
from newswatch.urls import canonicalize

logger = logging.getLogger("newswatch.discover")

GZIP_MAGIC = b"\x1f\x8b"
MAX_INFLATED = 50 * 1024 * 1024  # the sitemap protocol's own limit per file


@dataclass(frozen=True, slots=True)
class Sitemap:
    """One parsed document: an index (``children`` are sitemaps) or a url set."""

    is_index: bool
    entries: list[Discovered]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _news_date(element: Element) -> str | None:
    for child in element:
        if _local(child.tag) == "news":
            return _child_text(child, "publication_date")
    return None


def gunzip(content: bytes, url: str, limit: int = MAX_INFLATED) -> bytes:
    """Inflate a gzipped sitemap, refusing more than ``limit`` bytes (a gzip bomb)."""
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        out = decoder.decompress(content, limit + 1)
    except zlib.error as exc:
        raise DiscoveryError(f"{url}: corrupt gzip ({exc})") from exc
    if len(out) > limit:
        raise DiscoveryError(f"{url}: inflates to more than {limit} bytes")
    return out


def parse_sitemap(content: bytes, url: str) -> Sitemap:
    """Read a ``<urlset>`` or ``<sitemapindex>``; raises :class:`DiscoveryError` otherwise."""
    if content.startswith(GZIP_MAGIC):
        content = gunzip(content, url)
    try:
        root = SafeET.fromstring(content)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise DiscoveryError(f"{url}: not a readable sitemap ({exc})") from exc
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"{url}: not a sitemap (root element <{kind}>)")
    item = "sitemap" if kind == "sitemapindex" else "url"
    found: dict[str, Discovered] = {}
    for element in root:
        if _local(element.tag) != item:
            continue
        loc = _child_text(element, "loc")
        canonical = canonicalize(loc, url) if loc else None
        if canonical is None or canonical in found:
            continue
        when = parse_w3c_date(_child_text(element, "lastmod")) or parse_w3c_date(
            _news_date(element)
        )
        found[canonical] = Discovered(canonical, when)
    return Sitemap(kind == "sitemapindex", list(found.values()))


def _newest_first(entries: list[Discovered]) -> list[Discovered]:
    dated = [e for e in entries if e.updated is not None]
    dated.sort(key=lambda e: e.updated.timestamp() if e.updated else 0.0, reverse=True)
    return dated + [e for e in entries if e.updated is None]


@dataclass(frozen=True, slots=True)
class SitemapRead:
    """What one discovery of a sitemap read: the article links of the documents parsed,
    the validators of every document read or found unchanged, and which answered 304."""

    articles: list[Discovered]
    validators: list[DocumentValidators]
    not_modified: list[str]


def read_sitemaps(
    fetcher: DocumentFetcher,
    url: str,
    *,
    newer_than: datetime | None = None,
    max_sitemaps: int = 20,
    max_depth: int = 3,
) -> SitemapRead:
    """Read the sitemap at ``url``, following indexes within the bounds.

    The first document must be read; a child sitemap that fails is logged and skipped so
    one broken archive does not hide the others. A document that answers 304 (the fetcher
    sent its validators) is not parsed: nothing in it is new. When that is ``url`` itself,
    its children are not fetched either: an index lists its children's ``lastmod``, so an
    unchanged index means unchanged children.
    """
    articles: dict[str, Discovered] = {}
    validators: list[DocumentValidators] = []
    not_modified: list[str] = []
    queue: list[tuple[str, int]] = [(url, 0)]
    seen: set[str] = set()
    fetched = 0
    while queue and fetched < max_sitemaps:
        current, depth = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        fetched += 1
        try:
            gzipped = current.lower().split("?", 1)[0].endswith(".gz")
            result = fetcher.fetch(current, expect="any" if gzipped else "xml")
            if result.not_modified:
                not_modified.append(current)
                validators.append(validators_of(result))
                continue
            sitemap = parse_sitemap(result.content, result.final_url)
        except (FetchError, DiscoveryError) as exc:
            if current == url:
                raise
            logger.warning("skipping sitemap %s: %s", current, exc)
            continue
        validators.append(validators_of(result))
        if not sitemap.is_index:
            for entry in sitemap.entries:
                articles.setdefault(entry.url, entry)
            continue
        if depth + 1 > max_depth:
            logger.warning("%s: sitemap index nested deeper than %d levels", current, max_depth)
            continue
        for child in _newest_first(sitemap.entries):
            if newer_than is not None and child.updated is not None and child.updated < newer_than:
                continue
            queue.append((child.url, depth + 1))
    if queue:
        logger.info("%s: stopped after %d sitemaps (%d left)", url, fetched, len(queue))
    return SitemapRead(list(articles.values()), validators, not_modified)


def discover_sitemap(
    fetcher: DocumentFetcher,
    url: str,
    *,
    newer_than: datetime | None = None,
    max_sitemaps: int = 20,
    max_depth: int = 3,
) -> list[Discovered]:
    """Every article URL of the sitemap at ``url`` (see :func:`read_sitemaps`)."""
    return read_sitemaps(
        fetcher, url, newer_than=newer_than, max_sitemaps=max_sitemaps, max_depth=max_depth
    ).articles
