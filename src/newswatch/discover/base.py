"""What every discovery module returns, and what it needs from the fetcher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from newswatch.fetch import Expect
from newswatch.models import FetchResult


@dataclass(frozen=True, slots=True)
class Discovered:
    """One article link a source lists: its canonical URL and the publisher's date for it
    (feed item ``updated``, sitemap ``lastmod``), if any."""

    url: str
    updated: datetime | None = None


class DocumentFetcher(Protocol):
    """The part of :class:`newswatch.fetch.Fetcher` discovery uses."""

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        expect: Expect = "html",
    ) -> FetchResult: ...


def parse_w3c_date(text: str | None) -> datetime | None:
    """A sitemap/W3C date (``2024-05-01``, ``2024-05-01T10:00Z``, with offset or fraction)
    in UTC; a date without a zone is taken as UTC; None for anything unreadable."""
    if not text:
        return None
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
