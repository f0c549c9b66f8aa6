"""Section and home pages: article links chosen by the source's ``select``/``pattern``."""

from __future__ import annotations

import re

from newswatch.discover.base import Discovered, DocumentFetcher
from newswatch.errors import DiscoveryError, ExtractError
from newswatch.extract.links import extract_links
from newswatch.models import FetchResult
from newswatch.urls import canonicalize


def discover_index(
    fetcher: DocumentFetcher,
    url: str,
    *,
    select: str | None = None,
    pattern: str | re.Pattern[str] | None = None,
) -> list[Discovered]:
    """The article links of the page at ``url`` (no dates: pages do not carry them)."""
    return index_links(fetcher.fetch(url), select=select, pattern=pattern)


def index_links(
    result: FetchResult,
    *,
    select: str | None = None,
    pattern: str | re.Pattern[str] | None = None,
) -> list[Discovered]:
    """The article links of a fetched index page (the page itself left out)."""
    try:
        links = extract_links(
            result.text if result.text is not None else result.content,
            result.final_url,
            select=select,
            pattern=pattern,
        )
    except ExtractError as exc:
        raise DiscoveryError(f"{result.url}: {exc}") from exc
    page = canonicalize(result.final_url)
    return [Discovered(link) for link in links if link != page]
