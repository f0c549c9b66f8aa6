"""What every discovery module returns, and what it needs from the fetcher."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from newswatch.fetch import Expect
from newswatch.models import FetchResult
from newswatch.store import DocumentValidators


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


class ConditionalFetcher:
    """A :class:`DocumentFetcher` that sends back the validators each document was last read
    with, so an unchanged feed or sitemap costs the publisher a 304 and us no parsing."""

    def __init__(self, fetcher: DocumentFetcher, known: Iterable[DocumentValidators]) -> None:
        self._fetcher = fetcher
        self._known = {v.url: v for v in known}

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        expect: Expect = "html",
    ) -> FetchResult:
        known = self._known.get(url)
        if known is not None and etag is None and last_modified is None:
            etag, last_modified = known.etag, known.last_modified
        return self._fetcher.fetch(url, etag=etag, last_modified=last_modified, expect=expect)


def validators_of(result: FetchResult) -> DocumentValidators:
    """The validators to send next time for the URL ``result`` was asked for."""
    return DocumentValidators(result.url, result.etag, result.last_modified)


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
