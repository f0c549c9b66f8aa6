"""The history reader both backends serve: every read role handed to the part that holds it.

A backend builds its parts (most are the shared ones in this package, bound to its
connection and dialect; search, statistics, generations and volatile fragments are its
own) and hands them over as :class:`ReaderParts`; :class:`PartsReader` only passes each
call on, so the two backends cannot drift apart in what a read role reaches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from newswatch.store.records import (
    ArticleRecord,
    CaptureFilter,
    CaptureUsage,
    ChangeFilter,
    ChangePage,
    Generation,
    LearnedFragment,
    Quarantined,
    SearchHit,
    SourceState,
    StoredBody,
    StoredCapture,
    StoredChange,
    StoredEvent,
    StoredVersion,
    StoreStats,
    VersionRow,
    VersionStub,
)
from newswatch.store.sql.captures import Captures
from newswatch.store.sql.queries import HistoryQueries
from newswatch.store.sql.readers import Readers


class SearchPart(Protocol):
    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]: ...


class StatusPart(Protocol):
    def source_states(self, now: datetime | None = None) -> list[SourceState]: ...

    def stats(self, now: datetime) -> StoreStats: ...


class VolatilePart(Protocol):
    def volatile_learned(self, source: str) -> list[LearnedFragment]: ...


class GenerationsPart(Protocol):
    def generations(self, article_id: int) -> list[Generation]: ...

    def generation_versions(self, article_id: int, generation: int) -> list[StoredVersion]: ...

    def generation_changes(self, article_id: int, generation: int) -> list[StoredChange]: ...


@dataclass(frozen=True)
class ReaderParts:
    """What one backend reads with (each over its own connection)."""

    readers: Readers
    queries: HistoryQueries
    captures: Captures
    search: SearchPart
    status: StatusPart
    volatile: VolatilePart
    generations: GenerationsPart
    #: closes the backend's connection (or pool)
    close: Callable[[], None]


class PartsReader:
    """The :class:`~newswatch.store.HistoryReader` over one backend's parts."""

    def __init__(self, parts: ReaderParts) -> None:
        self.parts = parts

    def find_article(self, url: str) -> ArticleRecord | None:
        return self.parts.readers.find_article(url)

    def article(self, article_id: int) -> ArticleRecord | None:
        return self.parts.readers.article(article_id)

    def articles(self, source: str | None = None) -> list[ArticleRecord]:
        return self.parts.readers.articles(source)

    def versions(self, article_id: int) -> list[StoredVersion]:
        return self.parts.readers.versions(article_id)

    def version(self, article_id: int, n: int) -> StoredVersion | None:
        return self.parts.readers.version(article_id, n)

    def latest_version(self, article_id: int) -> StoredVersion | None:
        return self.parts.readers.latest_version(article_id)

    def version_stubs(self, article_id: int) -> list[VersionStub]:
        return self.parts.queries.version_stubs(article_id)

    def change(self, change_id: int) -> StoredChange | None:
        return self.parts.readers.change(change_id)

    def changes(self, article_id: int | None = None, limit: int = 50) -> list[StoredChange]:
        return self.parts.readers.changes(article_id, limit)

    def change_page(
        self,
        filters: ChangeFilter,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> ChangePage:
        return self.parts.queries.change_page(filters, before=before, after=after, limit=limit)

    def change_by_uid(self, uid: str) -> StoredChange | None:
        return self.parts.queries.change_by_uid(uid)

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        return self.parts.search.search(query, limit=limit, offset=offset)

    def iter_versions(self, source: str | None = None) -> Iterator[VersionRow]:
        return self.parts.queries.iter_versions(source)

    def iter_changes(self, filters: ChangeFilter) -> Iterator[StoredChange]:
        return self.parts.queries.iter_changes(filters)

    def source_names(self) -> list[str]:
        return self.parts.queries.source_names()

    def source_states(self, now: datetime | None = None) -> list[SourceState]:
        return self.parts.status.source_states(now)

    def fetches(self, article_id: int, limit: int = 20) -> list[dict[str, Any]]:
        return self.parts.readers.fetches(article_id, limit)

    def events(self, limit: int = 50) -> list[StoredEvent]:
        return self.parts.readers.events(limit)

    def quarantined(self, article_id: int | None = None, limit: int = 50) -> list[Quarantined]:
        return self.parts.readers.quarantined(article_id, limit)

    def volatile_learned(self, source: str) -> list[LearnedFragment]:
        return self.parts.volatile.volatile_learned(source)

    def stats(self, now: datetime) -> StoreStats:
        return self.parts.status.stats(now)

    def generations(self, article_id: int) -> list[Generation]:
        return self.parts.generations.generations(article_id)

    def generation_versions(self, article_id: int, generation: int) -> list[StoredVersion]:
        return self.parts.generations.generation_versions(article_id, generation)

    def generation_changes(self, article_id: int, generation: int) -> list[StoredChange]:
        return self.parts.generations.generation_changes(article_id, generation)

    # --- raw captures
    def captures(self, filters: CaptureFilter, *, limit: int | None = None) -> list[StoredCapture]:
        return self.parts.captures.captures(filters, limit=limit)

    def capture(self, capture_id: int) -> StoredCapture | None:
        return self.parts.captures.capture(capture_id)

    def version_capture(
        self, article_id: int, n: int, generation: int | None = None
    ) -> StoredCapture | None:
        return self.parts.captures.version_capture(article_id, n, generation)

    def capture_body(self, sha256: str) -> StoredBody | None:
        return self.parts.captures.capture_body(sha256)

    def capture_usage(self) -> list[CaptureUsage]:
        return self.parts.captures.capture_usage()

    def close(self) -> None:
        self.parts.close()
