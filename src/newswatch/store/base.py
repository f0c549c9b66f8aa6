"""The store's interface and the records it reads and writes.

The pipeline and the readers (CLI, web view, feeds) speak only to :class:`Store`. SQLite
(:mod:`newswatch.store.sqlite`) is the embedded default; a server database shared by several
hosts is another implementation of the same protocol, not a rewrite.

Due times live here, not in the scheduler's memory: :meth:`Store.claim_due` leases due
articles (a lease with a fencing token), and :meth:`Store.record_check` writes a check's
whole result (fetch log, version or "last seen", change, alert deliveries, next due time) in
one transaction, refusing a result whose lease was lost.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from newswatch.models import Article, Change, Redirect, Stamp

FetchOutcome = Literal[
    "new_version", "unchanged", "not_modified", "error", "removed", "merged", "quarantined"
]
DeliveryState = Literal["pending", "delivered", "failed", "held", "digested"]
DeliveryKind = Literal["change", "event", "digest"]
#: source and article events that are alerted like changes (``fetch_failing`` and ``removed``)
EventKind = Literal["source_failing", "extraction_broken", "recovered", "removed", "restored"]
ArticleState = Literal["active", "retired", "removed"]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What the store needs to know of a configured source."""

    name: str
    url: str
    kind: str
    interval_seconds: float
    timezone: str


@dataclass(frozen=True, slots=True)
class DueArticle:
    """A claimed article: what a worker needs to check it, plus the lease it holds."""

    article_id: int
    source: str
    url: str
    timezone: str
    interval_seconds: float
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    lease_token: int
    removed_at: datetime | None = None  # set while the page is gone (see ArticleRecord)
    # the adaptive schedule's state (see newswatch.schedule)
    first_seen_at: datetime | None = None
    last_change_at: datetime | None = None
    unchanged_checks: int = 0


@dataclass(frozen=True, slots=True)
class StoredVersion:
    article_id: int
    n: int
    hash: str
    title: str
    paragraphs: list[str]
    published: datetime | None
    updated: datetime | None
    stamps: list[Stamp]
    language: str | None
    final_url: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    seen_count: int


@dataclass(frozen=True, slots=True)
class StoredChange:
    id: int
    uid: str
    article_id: int
    source: str
    url: str
    title: str
    from_n: int
    to_n: int
    at: datetime
    title_changed: bool
    paragraphs_added: int
    paragraphs_removed: int
    paragraphs_modified: int
    new_updated_stamp: datetime | None
    silent: bool
    severity: str
    summary: str
    record: dict[str, Any]
    diff: dict[str, Any]
    kind: str = "edit"  # edit | removed | restored

    def as_dict(self) -> dict[str, Any]:
        """The change record of the ``history --json`` contract."""
        from newswatch.models import iso

        return {
            "id": self.uid,
            "from": self.from_n,
            "to": self.to_n,
            "at": iso(self.at),
            **self.record,
            "kind": self.kind,
        }


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    id: int
    source: str
    url: str
    canonical_url: str | None
    title: str | None
    state: ArticleState
    first_seen_at: datetime
    last_checked_at: datetime | None
    next_check_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    versions: int
    removed_at: datetime | None = None  # the page is gone since (404/410, moved to a section)
    removed_reason: str | None = None
    merged_into: int | None = None  # a duplicate of that article (same canonical URL)


@dataclass(frozen=True, slots=True)
class SourceState:
    name: str
    url: str
    kind: str
    interval_seconds: float
    articles: int
    due: int
    failing: int
    last_check_at: datetime | None
    last_error: str | None
    versions: int
    changes: int
    pending_deliveries: int
    failed_deliveries: int
    held_deliveries: int = 0
    health: str = "ok"  # ok | source_failing | extraction_broken
    health_since: datetime | None = None
    last_delivery_error: str | None = None
    retired: int = 0
    removed: int = 0
    last_discovery_at: datetime | None = None
    last_discovery_error: str | None = None
    last_discovered: int | None = None  # links the last discovery listed
    last_discovery_not_modified: bool = False  # the source's document answered 304


@dataclass(frozen=True, slots=True)
class DocumentValidators:
    """The ETag/Last-Modified a discovered document (feed, sitemap, index page) was last
    read with, sent back as ``If-None-Match``/``If-Modified-Since`` on the next discovery."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One fetch attempt, as the fetch log keeps it."""

    url: str
    started_at: datetime
    outcome: FetchOutcome
    status: int | None = None
    elapsed_ms: float | None = None
    bytes: int | None = None
    final_url: str | None = None
    redirects: list[Redirect] = field(default_factory=list)
    error_kind: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class AlertRoute:
    """A channel a change goes to, and when its alerts for one source turn into digests.

    With ``digest_after`` set, a change whose channel already had that many change alerts
    for the same source within ``digest_seconds`` is held, and the held ones go out together
    as one digest once the oldest has waited ``digest_seconds``.
    """

    channel: str
    digest_after: int | None = None
    digest_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Everything one check of one article produced, written by ``record_check`` at once.

    ``article``/``content_hash`` are set when a page was extracted; ``change`` when its hash
    differs from the latest stored version (the first version of an article has no change).
    ``channels`` names the alert channels that get a delivery row for the change (``routes``
    does the same with digest limits; both may be given). ``event_routes`` names, per event
    kind, the channels that want it; ``failing_after`` consecutive failed checks of the
    source's articles raise one ``source_failing``/``extraction_broken`` event (0: never).
    """

    due: DueArticle
    fetch: FetchRecord
    checked_at: datetime
    next_check_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    article: Article | None = None
    content_hash: str | None = None
    change: Change | None = None
    channels: Sequence[str] = ()
    routes: Sequence[AlertRoute] = ()
    event_routes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    failing_after: int = 0
    # why ``article`` is not a plausible version (see newswatch.quarantine): it is kept in
    # the quarantine table, and the latest version stays the truth
    quarantine: str | None = None
    # the schedule's state after this check; None leaves the stored value as it is
    unchanged_checks: int | None = None
    last_change_at: datetime | None = None
    retire: bool = False  # no change for retire_after: keep the history, stop fetching


@dataclass(frozen=True, slots=True)
class Recorded:
    """What ``record_check`` did: the version number stored or seen again, the change id."""

    version_n: int | None
    new_version: bool
    change_id: int | None
    lease_lost: bool = False
    events: tuple[str, ...] = ()  # kinds of the source/article events this check raised
    merged_into: int | None = None  # the checked article was a duplicate of this one


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Totals for metrics and health, read in one go at scrape time.

    Everything is counted from the database itself, so figures survive restarts and agree
    between processes sharing the file.
    """

    fetches: dict[str, int]  # by outcome
    changes: dict[str, int]  # by kind (one change may count under several kinds)
    deliveries: dict[tuple[str, str], int]  # by (channel, state)
    quarantined: int
    articles: int  # active
    failing: int  # active articles whose last check failed or was quarantined
    check_lag_seconds: float  # how long the most overdue active, unleased article has waited
    last_check_at: datetime | None
    database_bytes: int  # the file and its WAL


@dataclass(frozen=True, slots=True)
class Quarantined:
    """An extraction refused as the article's new truth, and why."""

    id: int
    article_id: int
    url: str
    at: datetime
    reason: str
    hash: str
    title: str
    paragraphs: list[str]
    words: int
    after_n: int | None  # the version that stayed the truth


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    change_id: int | None
    channel: str
    key: str
    attempts: int
    state: DeliveryState
    next_attempt_at: datetime
    last_error: str | None
    kind: DeliveryKind = "change"
    event_id: int | None = None
    lease_token: int = 0  # the fencing token of the claim that returned this delivery


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A source or article event: failing, extraction broken, recovered, removed."""

    id: int
    uid: str
    source: str
    kind: EventKind
    message: str
    at: datetime
    url: str | None  # the article's, for ``removed``; the source's otherwise
    title: str | None


@dataclass(frozen=True, slots=True)
class DeliverySubject:
    """What one delivery announces: a change, an event, or (a digest) several changes."""

    delivery: Delivery
    source: str
    change: StoredChange | None = None
    event: StoredEvent | None = None
    digest: tuple[StoredChange, ...] = ()


# ---------------------------------------------------------------------- history queries

ChangeKind = Literal["title", "added", "removed", "modified", "stamped", "silent", "correction"]
CHANGE_KINDS: tuple[ChangeKind, ...] = (
    "title",
    "added",
    "removed",
    "modified",
    "stamped",
    "silent",
    "correction",
)
"""What a change did, for filtering: headline rewritten, paragraphs added / removed /
modified, an update stamp moved, a silent edit, a correction notice appeared."""


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    """Which changes a reader wants; every field set narrows (``kinds``: all must hold).

    ``since`` is inclusive and ``until`` exclusive, both compared with the detection time.
    """

    source: str | None = None
    kinds: tuple[ChangeKind, ...] = ()
    severity: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    article_id: int | None = None


@dataclass(frozen=True, slots=True)
class ChangePage:
    """One page of changes, newest first, with the keys of its neighbour pages.

    ``older`` goes to ``before=``, ``newer`` to ``after=``; None when there is no such page.
    Keyset pagination: a page costs the same on the first screen and the thousandth.
    """

    changes: list[StoredChange]
    older: int | None
    newer: int | None


@dataclass(frozen=True, slots=True)
class VersionStub:
    """A version without its text: what a timeline shows."""

    article_id: int
    n: int
    hash: str
    title: str
    published: datetime | None
    updated: datetime | None
    stamps: list[Stamp]
    language: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    seen_count: int
    paragraphs: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    """An article some of whose versions match a full-text query.

    ``first_n``/``last_n``/``matching`` say which versions matched (of ``versions`` in all);
    ``snippet`` is from the latest matching version, the matched words between
    :data:`MARK_START` and :data:`MARK_END` (private-use characters, so that a reader can
    escape the text first and then turn the marks into highlights).
    """

    article_id: int
    source: str
    url: str
    title: str
    language: str | None
    first_n: int
    last_n: int
    matching: int
    versions: int
    seen_at: datetime
    snippet: str


MARK_START, MARK_END = "\ue000", "\ue001"


@dataclass(frozen=True, slots=True)
class VersionRow:
    """A version with the article and source it belongs to (what ``export`` writes)."""

    source: str
    url: str
    canonical_url: str | None
    version: StoredVersion


class HistoryReader(Protocol):
    """The read side the history views (CLI, web, feeds, export) need, beyond :class:`Store`."""

    def article(self, article_id: int) -> ArticleRecord | None: ...

    def version_stubs(self, article_id: int) -> list[VersionStub]: ...

    def change_page(
        self,
        filters: ChangeFilter,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> ChangePage: ...

    def change_by_uid(self, uid: str) -> StoredChange | None: ...

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]: ...

    def iter_versions(self, source: str | None = None) -> Iterator[VersionRow]: ...

    def iter_changes(self, filters: ChangeFilter) -> Iterator[StoredChange]: ...

    def source_names(self) -> list[str]: ...


class Store(HistoryReader, Protocol):
    """What newswatch needs from a database."""

    # --- set-up
    def sync_sources(self, sources: Sequence[SourceSpec], now: datetime) -> None:
        """Insert or update sources; an ``article`` source gets its article row, due now."""

    # --- the check cycle
    def claim_due(
        self,
        now: datetime,
        limit: int,
        lease_seconds: float,
        sources: Sequence[str] | None = None,
        force: bool = False,
        urls: Sequence[str] | None = None,
    ) -> list[DueArticle]:
        """Lease up to ``limit`` active articles due by ``now`` (all of them with ``force``).

        ``sources`` and ``urls`` (watched or canonical) narrow the claim.
        """

    def add_articles(self, source: str, urls: Sequence[str], now: datetime) -> int:
        """Follow articles a feed, sitemap or index source found; returns how many are new.

        A URL already watched (as such or as a canonical URL, by any source) is not added
        again; the source is recorded as one more that found it.
        """

    def note_publisher_updates(
        self, source: str, updates: Sequence[tuple[str, datetime]], now: datetime
    ) -> int:
        """Record feed ``updated``/sitemap ``lastmod`` dates; returns how many articles got
        their next check pulled forward to ``now`` (a date newer than the one seen before,
        or newer than our last check)."""

    def record_discovery(
        self,
        source: str,
        now: datetime,
        found: int | None,
        error: str | None,
        *,
        not_modified: bool = False,
    ) -> None:
        """Remember a source's last discovery: how many links it listed, or why it failed,
        or that its document was not modified (the count listed before is kept)."""

    def discovery_validators(self, source: str, settings: str) -> list[DocumentValidators]:
        """The validators of the source's documents, if read under the same ``settings``
        (a fingerprint of what discovery keeps; other settings mean a full read)."""

    def save_discovery_validators(
        self,
        source: str,
        settings: str,
        validators: Sequence[DocumentValidators],
        now: datetime,
    ) -> None:
        """Keep the validators of documents a discovery read (or found not modified)."""

    def latest_version(self, article_id: int) -> StoredVersion | None: ...

    def record_check(self, result: CheckResult) -> Recorded:
        """Write a check's whole result in one transaction (see the class docstring)."""

    def stats(self, now: datetime) -> StoreStats:
        """Counts for ``/metrics`` and health checks, judged at ``now``."""

    def quarantine_streak(self, article_id: int, content_hash: str) -> int:
        """How many of the article's latest fetches in a row (errors skipped) were
        quarantined with exactly this content."""

    def quarantined(self, article_id: int | None = None, limit: int = 50) -> list[Quarantined]:
        """Quarantined extractions, newest first; all articles when ``article_id`` is None."""

    # --- alert deliveries (the outbox)
    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]: ...

    def claim_deliveries(
        self,
        now: datetime,
        limit: int,
        lease_seconds: float,
        *,
        channels: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
    ) -> list[Delivery]:
        """Lease up to ``limit`` due pending deliveries (of ``channels``, not of
        ``exclude``) whose lease is free or expired, bumping their fencing token."""

    def renew_delivery(self, delivery_id: int, token: int, until: datetime) -> bool:
        """Extend a claim just before sending; False when another claim took it over."""

    def release_deliveries(self, claims: Sequence[tuple[int, int]]) -> None:
        """Give back unsent claims ``(id, token)`` so the next round may take them."""

    def mark_delivered(self, delivery_id: int, at: datetime, token: int | None = None) -> bool:
        """Settle a delivery as sent; with ``token``, only if that claim still holds it."""

    def mark_retry(
        self,
        delivery_id: int,
        error: str,
        next_attempt_at: datetime,
        give_up: bool,
        token: int | None = None,
    ) -> bool:
        """Count a failed attempt (``give_up``: failed for good); ``token`` as above."""

    def delivery_context(self, delivery_id: int) -> tuple[Delivery, StoredChange] | None:
        """A delivery with the change it announces (what the alert dispatcher sends)."""

    def delivery_subject(self, delivery_id: int) -> DeliverySubject | None:
        """A delivery with whatever it announces: change, event or digest."""

    def form_digests(self, now: datetime) -> int:
        """Group held deliveries whose digest is due into one digest delivery each."""

    def events(self, limit: int = 50) -> list[StoredEvent]:
        """Source and article events, newest first."""

    # --- readers
    def find_article(self, url: str) -> ArticleRecord | None:
        """By the URL it is watched at or by its canonical URL."""

    def articles(self, source: str | None = None) -> list[ArticleRecord]: ...

    def versions(self, article_id: int) -> list[StoredVersion]: ...

    def version(self, article_id: int, n: int) -> StoredVersion | None: ...

    def change(self, change_id: int) -> StoredChange | None: ...

    def changes(self, article_id: int | None = None, limit: int = 50) -> list[StoredChange]:
        """Newest first; all articles when ``article_id`` is None."""

    def source_states(self) -> list[SourceState]: ...

    def fetches(self, article_id: int, limit: int = 20) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...
