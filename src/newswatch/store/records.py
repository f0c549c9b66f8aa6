"""The records the store reads and writes: plain frozen dataclasses, no behaviour.

Every backend returns these and every caller reads them; what each caller may ask of a store
is in :mod:`newswatch.store.roles`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from newswatch.models import Change, Redirect, Stamp

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

    @property
    def status(self) -> str:
        """What users are told: ``removed`` while the page is gone (the row stays ``active``
        in the database, since it is still re-checked to catch its return), else ``state``."""
        return "removed" if self.removed_at is not None and self.state == "active" else self.state


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
class LearnedFragment:
    """A volatile fragment learned for a source's articles (see judge/volatile): its
    template and on how many articles it was seen; ``source_wide`` from two articles on."""

    template: str
    articles: int

    @property
    def source_wide(self) -> bool:
        return self.articles >= 2


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

ChangeKind = Literal[
    "title",
    "paragraphs-added",
    "paragraphs-removed",
    "paragraphs-modified",
    "stamped",
    "silent",
    "correction",
    "removed",
    "restored",
]
CHANGE_KINDS: tuple[ChangeKind, ...] = (
    "title",
    "paragraphs-added",
    "paragraphs-removed",
    "paragraphs-modified",
    "stamped",
    "silent",
    "correction",
    "removed",
    "restored",
)
"""What a change did, for filtering: headline rewritten, paragraphs added / removed /
modified, an update stamp moved, a silent edit, a correction notice appeared; the article
was removed (unpublished: 404/410, or moved to a section page) or restored.

``removed`` alone always means the article, as in the article's ``state``, the alert rule
kind ``removed`` and the change ``kind``; paragraphs are ``paragraphs-removed``."""

KIND_ALIASES: dict[str, ChangeKind] = {
    "added": "paragraphs-added",
    "modified": "paragraphs-modified",
}
"""Earlier spellings still accepted. (``removed`` once meant paragraphs removed; it now
means the article was removed, the word's meaning everywhere else.)"""


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


# ---------------------------------------------------------------------- raw captures

#: what a capture is to its version: the fetch that made it, one that confirmed it, or
#: another fetch (kept when a source captures every fetch)
CaptureRole = Literal["made", "confirmed", "fetch"]
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CaptureWrite:
    """One HTTP exchange as received, written with the check's plan (same transaction).

    The body is content-addressed: ``body_sha256`` of the bytes as received (after
    Content-Encoding is undone, before any charset decoding), ``body_zstd`` those bytes
    zstd-compressed; a body already stored under that digest is not stored again.
    ``body_base`` names the stored body the frame was compressed against (None: a plain
    frame); a plan whose base is gone by the time it is applied is refused as a conflict.
    """

    role: CaptureRole
    version_n: int | None
    url: str
    final_url: str
    method: str
    request_headers: Headers
    status: int
    response_headers: Headers
    http_version: str
    redirects: tuple[Redirect, ...]
    fetched_at: datetime
    body_sha256: str
    body_size: int
    body_zstd: bytes
    body_base: str | None = None


@dataclass(frozen=True, slots=True)
class StoredBody:
    """A stored capture body: its zstd frame and, when the frame was compressed against
    another stored body, that body's digest (``base``; such a base is a plain frame)."""

    sha256: str
    frame: bytes
    base: str | None = None


@dataclass(frozen=True, slots=True)
class MadeReading:
    """The article's current version as a check may read it again: the version, how it was
    read (``reading``, as the checker stored it) and the plain body of the capture that made
    it (see :mod:`newswatch.extract.reread`)."""

    version: StoredVersion
    reading: str
    body: StoredBody


@dataclass(frozen=True, slots=True)
class StoredCapture:
    """A capture's metadata (its body is read by digest: ``capture_body``)."""

    id: int
    article_id: int
    fetch_id: int  # the fetch log row it was kept for (``fetches.id``)
    source: str
    role: CaptureRole
    version_n: int | None
    url: str
    final_url: str
    method: str
    request_headers: Headers
    status: int
    response_headers: Headers
    http_version: str
    redirects: tuple[Redirect, ...]
    fetched_at: datetime
    body_sha256: str
    body_size: int


@dataclass(frozen=True, slots=True)
class CaptureFilter:
    """Which captures a reader wants; every field set narrows. ``since`` inclusive,
    ``until`` exclusive (fetch time); ``versions_only``: captures that made or confirmed
    a version."""

    article_id: int | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    versions_only: bool = False


@dataclass(frozen=True, slots=True)
class CaptureUsage:
    """What captures cost one source: how many, distinct bodies, bytes as fetched and as
    stored (compressed, each body once)."""

    source: str
    captures: int
    bodies: int
    raw_bytes: int
    stored_bytes: int


@dataclass(frozen=True, slots=True)
class CapturePrune:
    """Captures to drop: of ``source`` (None: all), fetched before ``before`` (None: any
    age), of these ``roles`` (by default never the capture that made a version). Bodies
    no capture names any more go with them."""

    source: str | None = None
    before: datetime | None = None
    roles: tuple[CaptureRole, ...] = ("confirmed", "fetch")


@dataclass(frozen=True, slots=True)
class Pruned:
    captures: int
    bodies: int


# ---------------------------------------------------------------------- one check's plan


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's failure streaks and health, as a check reads them (and guards them)."""

    source_id: int
    name: str
    health: str = "ok"  # ok | source_failing | extraction_broken
    health_since: datetime | None = None
    failure_streak: int = 0
    extract_streak: int = 0


@dataclass(frozen=True, slots=True)
class CheckState:
    """What one check is judged against, read in one go after the fetch.

    ``quarantine_streak`` counts the latest fetches in a row (errors skipped) quarantined with
    exactly the content asked about (0 when none was asked, or it is the latest version's);
    ``duplicate_of`` is another watched article at the canonical URL asked about;
    ``recent_alerts`` the change deliveries per channel for this source within each
    channel's digest window. ``latest`` is the current version (the latest change's target:
    after a revert, an older one), ``last_n`` the highest version number. A new reading is
    judged against the whole history: ``history`` (every version, oldest first) and
    ``headline_tests`` (the records of earlier headline-test changes) are read when the
    content asked about is not the current version's. ``generation`` is the article's
    extraction generation (it goes into change ids, see
    :func:`newswatch.judge.identity.change_uid`).
    """

    article_id: int
    latest: StoredVersion | None
    source: SourceHealth
    quarantine_streak: int = 0
    duplicate_of: int | None = None
    recent_alerts: Mapping[str, int] = field(default_factory=dict)
    last_n: int | None = None
    history: tuple[StoredVersion, ...] = ()
    headline_tests: tuple[Mapping[str, Any], ...] = ()
    generation: int = 1


@dataclass(frozen=True, slots=True)
class ArticleWrite:
    """The article row after a check. ``None`` in the keep-fields leaves the stored value;
    ``removed`` says whether the removal mark is kept, set (to ``removed_at`` and
    ``removed_reason``) or cleared."""

    checked_at: datetime
    next_check_at: datetime
    consecutive_failures: int
    last_error: str | None
    etag: str | None = None  # keep
    last_modified: str | None = None  # keep
    removed: Literal["keep", "set", "clear"] = "keep"
    removed_at: datetime | None = None
    removed_reason: str | None = None
    unchanged_checks: int | None = None  # keep
    last_change_at: datetime | None = None  # keep
    retire: bool = False
    title: str | None = None  # keep
    canonical_url: str | None = None  # keep


@dataclass(frozen=True, slots=True)
class VersionWrite:
    """A new version ``n`` of the article, first and last seen at the check's time."""

    n: int
    hash: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime | None
    updated: datetime | None
    stamps: tuple[Stamp, ...]
    language: str | None
    final_url: str | None
    reading: str | None = None
    """How the version was read from the page that made it (opaque to the store; see
    :mod:`newswatch.extract.reread`), or None when it may not be read again from a later
    page without extracting that page."""


@dataclass(frozen=True, slots=True)
class ReadingWrite:
    """How version ``n`` of the article, if it still holds ``hash``, is read from now on (a
    check learned where its page's furniture changes; opaque to the store)."""

    n: int
    hash: str
    reading: str


@dataclass(frozen=True, slots=True)
class DeliveryWrite:
    """One outbox row: the channel, its idempotency key, pending or held until ``due_at``."""

    channel: str
    key: str
    state: DeliveryState
    due_at: datetime


@dataclass(frozen=True, slots=True)
class ChangeWrite:
    """The change record between versions ``from_n`` and ``to_n`` and its deliveries."""

    uid: str
    from_n: int
    to_n: int
    change: Change
    deliveries: tuple[DeliveryWrite, ...] = ()


@dataclass(frozen=True, slots=True)
class EventWrite:
    """A source or article event and its deliveries."""

    uid: str
    kind: EventKind
    message: str
    article_id: int | None  # the article's for removed/restored, None for source events
    deliveries: tuple[DeliveryWrite, ...] = ()


@dataclass(frozen=True, slots=True)
class HealthWrite:
    """The source's health after this check, written only if it still is ``expected``
    (another check of the same source may have moved it meanwhile: then the plan is made
    again). ``health_error`` is written when ``set_error``, else kept."""

    expected: SourceHealth
    health: str
    health_since: datetime | None
    failure_streak: int
    extract_streak: int
    health_error: str | None = None
    set_error: bool = False


@dataclass(frozen=True, slots=True)
class QuarantineWrite:
    """An extraction kept aside, linked to this check's fetch; ``after_n`` stayed the truth."""

    reason: str
    hash: str
    title: str
    paragraphs: tuple[str, ...]
    words: int
    after_n: int | None


@dataclass(frozen=True, slots=True)
class MergeWrite:
    """The checked article is a duplicate of ``survivor`` (same canonical URL): retire it
    into the survivor, which inherits the sources that listed it."""

    survivor: int
    canonical_url: str


@dataclass(frozen=True, slots=True)
class DigestGuard:
    """The plan held or sent a change alert because ``channel`` had ``count`` change
    deliveries for the source since ``since``; written only if that is still so."""

    channel: str
    since: datetime
    count: int


@dataclass(frozen=True, slots=True)
class WritePlan:
    """Everything one check writes, decided by :func:`newswatch.judge.plan.plan`; a backend
    applies it in one transaction, refusing it when the claim's lease was lost (the
    ``due.lease_token`` moved on) or a guard no longer holds. It decides nothing else."""

    due: DueArticle
    fetch: FetchRecord
    checked_at: datetime
    article: ArticleWrite | None = None  # None only for a merge
    merge: MergeWrite | None = None
    version: VersionWrite | None = None
    seen_again: int | None = None  # the version n this check saw again
    reading: ReadingWrite | None = None  # how the version seen again is read from now on
    change: ChangeWrite | None = None
    quarantine: QuarantineWrite | None = None
    health: HealthWrite | None = None
    events: tuple[EventWrite, ...] = ()
    digest_guards: tuple[DigestGuard, ...] = ()
    capture: CaptureWrite | None = None  # the raw exchange, kept with the rows it explains


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying a plan did: refused (lease lost, or a guard moved: plan again), or
    written, with the id the change row got."""

    lease_lost: bool = False
    conflict: bool = False
    change_id: int | None = None

    @property
    def written(self) -> bool:
        return not (self.lease_lost or self.conflict)


# ---------------------------------------------------------------------- publisher signals


@dataclass(frozen=True, slots=True)
class Followed:
    """A watched article as a publisher date finds it (a merged duplicate resolves to the
    article it was merged into). ``schedule_retired``: retired for lack of change (not
    merged away, not left by a source whose URL moved)."""

    article_id: int
    state: ArticleState
    schedule_retired: bool
    next_check_at: datetime | None
    last_checked_at: datetime | None
    publisher_updated: datetime | None


@dataclass(frozen=True, slots=True)
class SignalWrite:
    """A newer publisher date to keep on an article, and what it does to its schedule:
    ``wake`` (a schedule-retired article is active and due now again) or ``due_now``."""

    article_id: int
    publisher_updated: datetime
    wake: bool = False
    due_now: bool = False


# ---------------------------------------------------------------------- extraction generations


@dataclass(frozen=True, slots=True)
class Generation:
    """One reading of an article's history (see :mod:`newswatch.reextract`).

    Generation 1 is what the live checks recorded; each re-extraction makes the next one
    current and keeps the one it replaced readable. ``made_at``: when it became current;
    ``report``: what its re-extraction found changed (empty for generation 1).
    """

    article_id: int
    n: int
    current: bool
    made_at: datetime
    versions: int
    changes: int
    report: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RebuiltVersion:
    """A version of a new generation, with when and how often its captures showed it."""

    version: VersionWrite
    first_seen_at: datetime
    last_seen_at: datetime
    seen_count: int


@dataclass(frozen=True, slots=True)
class RebuiltChange:
    """A change of a new generation, dated by the capture it was found in (no deliveries:
    a re-extraction alerts nothing)."""

    change: ChangeWrite
    detected_at: datetime


@dataclass(frozen=True, slots=True)
class CaptureLink:
    """Which version of a new generation the capture kept by fetch ``fetch_id`` made or
    confirmed (re-extraction renumbers versions, so the capture-time link goes stale)."""

    fetch_id: int
    role: Literal["made", "confirmed"]
    version_n: int


@dataclass(frozen=True, slots=True)
class GenerationWrite:
    """An article's history rebuilt: written in ONE transaction as the generation after
    ``replaces``, refused when that is no longer the current one."""

    article_id: int
    replaces: int
    made_at: datetime
    versions: tuple[RebuiltVersion, ...]
    changes: tuple[RebuiltChange, ...]
    title: str | None
    report: Mapping[str, Any] = field(default_factory=dict)
    #: the new generation's capture links; every other capture of the article links to no
    #: version in it (role ``fetch``); the replaced links stay in ``past_capture_links``
    captures: tuple[CaptureLink, ...] = ()


@dataclass(frozen=True, slots=True)
class GenerationApplied:
    """What applying a :class:`GenerationWrite` did: the generation it wrote, or why it
    wrote nothing: ``moved`` (another re-extraction made a newer one), ``queued`` (alerts
    of the current changes are still waiting to be sent), ``gone`` (no such article)."""

    generation: int | None = None
    refused: Literal["moved", "queued", "gone"] | None = None

    @property
    def written(self) -> bool:
        return self.refused is None
