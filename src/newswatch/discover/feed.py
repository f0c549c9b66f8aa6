"""RSS and Atom feeds, read by feedparser (the only module that speaks it).

feedparser is imported on the first feed read, not with this module: a round over article
sources never reads one, and feedparser (with the chardet it loads) was a tenth of the
command's start-up.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from typing import Any

from newswatch.discover.base import Discovered
from newswatch.errors import DiscoveryError
from newswatch.urls import canonicalize


def _when(entry: Any) -> datetime | None:
    """The item's ``updated`` (else ``published``) as feedparser normalised it (UTC)."""
    for key in ("updated_parsed", "published_parsed"):
        # dict.get, not entry.get: feedparser maps a missing ``updated`` to ``published``
        # with a deprecation warning; we ask for each on purpose
        value = dict.get(entry, key)
        if isinstance(value, time.struct_time):
            return datetime(*value[:6], tzinfo=UTC)
    return None


def _link(entry: Any) -> str | None:
    link = entry.get("link")
    if isinstance(link, str) and link:
        return link
    guid = entry.get("id")  # an RSS guid that is a permalink
    if isinstance(guid, str) and guid.startswith(("http://", "https://")):
        return guid
    return None


def parse_feed(content: bytes, url: str) -> list[Discovered]:
    """The items of an RSS or Atom document fetched from ``url``, in feed order.

    Relative links resolve against the feed's URL (or its ``xml:base``). Raises
    :class:`DiscoveryError` when the document is no feed at all; a feed with small
    errors (feedparser's "bozo" flag) is used for what it holds.
    """
    import feedparser

    # a stream, never bytes/str: feedparser would take a short string for a URL or a file
    parsed = feedparser.parse(
        io.BytesIO(content),
        response_headers={"content-location": url, "content-type": "application/xml"},
        sanitize_html=False,
    )
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise DiscoveryError(f"{url}: not an RSS or Atom feed" + (f" ({reason})" if reason else ""))
    found: dict[str, Discovered] = {}
    for entry in parsed.entries:
        link = _link(entry)
        canonical = canonicalize(link, url) if link else None
        if canonical is not None and canonical not in found:
            found[canonical] = Discovered(canonical, _when(entry))
    return list(found.values())
