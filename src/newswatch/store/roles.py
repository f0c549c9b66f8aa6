"""What each caller may ask of a store: one small protocol per role.

A caller is typed against the role it plays, never against a backend: the checker against
:class:`CheckingStore`, discovery against :class:`DiscoveryStore`, the alert dispatcher
against :class:`OutboxStore`, the CLI's and web view's readers against :class:`HistoryReader`
(complete: a read-only store is exactly this), set-up against :class:`AdminStore`. A backend
implements :class:`Store`, the union, and is reached through :func:`newswatch.store.open_store`.

Backends write rows, they do not decide rules: what a check writes is decided by the pure
planner (:mod:`newswatch.judge`) before the store sees it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from newswatch.store.records import (
    Applied,
    ArticleRecord,
    CaptureFilter,
    CapturePrune,
    CaptureUsage,
    ChangeFilter,
    ChangePage,
    CheckState,
    Delivery,
    DeliverySubject,
    DocumentValidators,
    DueArticle,
    Followed,
    Generation,
    GenerationApplied,
    GenerationWrite,
    LearnedFragment,
    MadeReading,
    Pruned,
    Quarantined,
    SearchHit,
    SignalWrite,
    SourceSpec,
    SourceState,
    StoredBody,
    StoredCapture,
    StoredChange,
    StoredEvent,
    StoredVersion,
    StoreStats,
    VersionRow,
    VersionStub,
    WritePlan,
)


class CaptureReader(Protocol):
    """The raw captures: what was fetched, exactly, and when (archives, re-extraction,
    provenance). Bodies are zstd frames addressed by the SHA-256 of the bytes as received;
    :mod:`newswatch.archive` decompresses and verifies them."""

    def captures(self, filters: CaptureFilter, *, limit: int | None = None) -> list[StoredCapture]:
        """The captures the filter keeps, oldest fetch first."""

    def capture(self, capture_id: int) -> StoredCapture | None: ...

    def version_capture(
        self, article_id: int, n: int, generation: int | None = None
    ) -> StoredCapture | None:
        """The capture that made version ``n`` (else its earliest confirming one) of the
        current generation, or of ``generation`` (an earlier one keeps its own links)."""

    def capture_body(self, sha256: str) -> StoredBody | None:
        """The body stored under this digest (its frame, and the base it was compressed
        against, if any), or None."""

    def capture_usage(self) -> list[CaptureUsage]:
        """Per source with captures: counts and bytes as fetched and as stored."""


class HistoryReader(CaptureReader, Protocol):
    """Everything the readers (CLI history, web view, feeds, export, metrics) ask; a
    read-only store is exactly this."""

    def find_article(self, url: str) -> ArticleRecord | None:
        """By the URL it is watched at or by its canonical URL (a trailing slash does not
        matter; a merged duplicate resolves to the article it was merged into)."""

    def article(self, article_id: int) -> ArticleRecord | None: ...

    def articles(self, source: str | None = None) -> list[ArticleRecord]: ...

    def versions(self, article_id: int) -> list[StoredVersion]: ...

    def version(self, article_id: int, n: int) -> StoredVersion | None: ...

    def latest_version(self, article_id: int) -> StoredVersion | None: ...

    def version_stubs(self, article_id: int) -> list[VersionStub]: ...

    def change(self, change_id: int) -> StoredChange | None: ...

    def changes(self, article_id: int | None = None, limit: int = 50) -> list[StoredChange]:
        """Newest first; all articles when ``article_id`` is None."""

    def change_page(
        self,
        filters: ChangeFilter,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> ChangePage:
        """One keyset page of changes, newest first (see :class:`ChangePage`)."""

    def change_by_uid(self, uid: str) -> StoredChange | None: ...

    def search(self, query: str, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Articles some of whose versions match a full-text query."""

    def iter_versions(self, source: str | None = None) -> Iterator[VersionRow]:
        """Every version, streamed in batches (what ``export`` writes)."""

    def iter_changes(self, filters: ChangeFilter) -> Iterator[StoredChange]:
        """Every change the filter keeps, oldest first, streamed in batches."""

    def source_names(self) -> list[str]: ...

    def source_states(self, now: datetime | None = None) -> list[SourceState]:
        """Counts per configured source; ``due`` judged at ``now`` (default: the clock)."""

    def fetches(self, article_id: int, limit: int = 20) -> list[dict[str, Any]]:
        """The article's fetch log, newest first, as plain dicts for display."""

    def events(self, limit: int = 50) -> list[StoredEvent]:
        """Source and article events, newest first."""

    def quarantined(self, article_id: int | None = None, limit: int = 50) -> list[Quarantined]:
        """Quarantined extractions, newest first; all articles when ``article_id`` is None."""

    def volatile_learned(self, source: str) -> list[LearnedFragment]:
        """The volatile fragments learned on the source's articles, most widespread first."""

    def stats(self, now: datetime) -> StoreStats:
        """Counts for ``/metrics`` and health checks, judged at ``now``."""

    def generations(self, article_id: int) -> list[Generation]:
        """The article's extraction generations, oldest first (one, the current, until it
        is re-extracted)."""

    def generation_versions(self, article_id: int, generation: int) -> list[StoredVersion]:
        """The versions of one generation (the current one's are :meth:`versions`)."""

    def generation_changes(self, article_id: int, generation: int) -> list[StoredChange]:
        """The changes of one generation, newest first (the current one's are
        :meth:`changes`)."""

    def close(self) -> None: ...


class CheckingStore(Protocol):
    """The check cycle: lease due articles, read what a check is judged against, apply the
    plan :func:`newswatch.judge.plan.plan` made of it."""

    def claim_due(
        self,
        now: datetime,
        limit: int,
        lease_seconds: float,
        sources: Sequence[str] | None = None,
        force: bool = False,
        urls: Sequence[str] | None = None,
        due_by: datetime | None = None,
    ) -> list[DueArticle]:
        """Lease up to ``limit`` active articles due by ``due_by`` (default ``now``; all of
        them with ``force``), oldest due first, each with a new fencing token. ``sources``
        and ``urls`` (watched or canonical) narrow the claim. A pass passes the time it began
        as ``due_by``, so a short interval coming round meanwhile does not keep it going."""

    def release_leases(self, claims: Sequence[DueArticle]) -> int:
        """Free the leases still held under these claims' fencing tokens (a clean stop's
        abandoned checks), so they are due again at once; returns how many were freed."""

    def make_due(
        self,
        now: datetime,
        sources: Sequence[str] | None = None,
        urls: Sequence[str] | None = None,
    ) -> int:
        """Make the matching active articles due at ``now`` (a forced pass); returns how
        many match. Once checked each is due later again, so claiming until nothing is due
        covers each exactly once."""

    def count_due(
        self,
        due_by: datetime,
        sources: Sequence[str] | None = None,
        urls: Sequence[str] | None = None,
    ) -> int:
        """How many matching active articles are due by ``due_by`` (a pass's size)."""

    def check_state(
        self,
        due: DueArticle,
        *,
        content_hash: str | None = None,
        canonical_url: str | None = None,
        windows: Mapping[str, float] | None = None,
        now: datetime,
    ) -> CheckState:
        """ONE read of what a check is judged against (see :class:`CheckState`): the latest
        version, the source's health, and what the check asks about: the quarantine streak
        of ``content_hash`` (unless it is the latest version's), another article watched at
        ``canonical_url``, the source's change alerts per channel within ``windows``
        (seconds back from ``now``)."""

    def version_body(self, article_id: int, n: int) -> StoredBody | None:
        """The plain-framed body of the capture that made version ``n`` of the article's
        current generation, or None: what a capture confirming that version is compressed
        against."""

    def made_reading(self, article_id: int) -> MadeReading | None:
        """The article's current version with its stored reading and the plain-framed body
        of the capture that made it, or None when it has no reading or no such body: what
        reading a later page again needs (see :mod:`newswatch.extract.reread`)."""

    def volatile_templates(self, article_id: int) -> list[str]:
        """The volatile-fragment templates that apply to the article: its own, and its
        source's seen on two articles or more."""

    def learn_volatile(self, article_id: int, templates: Sequence[str], now: datetime) -> None:
        """Remember templates learned by a confirmation fetch (a repeat is ignored)."""

    def apply(self, plan: WritePlan) -> Applied:
        """Write the plan in ONE transaction, exactly as it says; refused, nothing written,
        when the claim's fencing token moved on (``lease_lost``) or a guard of the plan no
        longer holds (``conflict``: read the state and plan again)."""


class DiscoveryStore(Protocol):
    """What feed, sitemap and index discovery writes and reads."""

    def add_articles(self, source: str, urls: Sequence[str], now: datetime) -> int:
        """Follow articles a feed, sitemap or index source found; returns how many are new.

        A URL already watched (as such or as a canonical URL, by any source) is not added
        again; the source is recorded as one more that found it.
        """

    def followed(self, urls: Sequence[str]) -> dict[str, Followed]:
        """The watched articles these URLs name (by URL or canonical URL; a merged duplicate
        gives the article it was merged into), as a publisher date finds them."""

    def apply_signals(self, source: str, writes: Sequence[SignalWrite], now: datetime) -> int:
        """Write the publisher signals :func:`newswatch.judge.signals.publisher_signals`
        planned (``source`` listed them) in one transaction; returns how many articles were
        made due now."""

    def claim_discovery(
        self,
        source: str,
        now: datetime,
        lease_seconds: float,
        *,
        fresh_after: datetime | None = None,
    ) -> int | None:
        """Lease the source's discovery to the caller, one at a time across processes and
        hosts: the lease's fencing token, or None while another caller's lease is live, or
        when a discovery was recorded after ``fresh_after`` (another host just did it)."""

    def release_discovery(self, source: str, token: int) -> bool:
        """Give the discovery lease back (done); False when ``token`` no longer holds it."""

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


class OutboxStore(Protocol):
    """The alert deliveries a check queued: listed, settled, gathered into digests."""

    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""

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
        ``exclude``) whose lease is free or expired, oldest due first, bumping their
        fencing token; the returned records carry the new token."""

    def renew_delivery(self, delivery_id: int, token: int, until: datetime) -> bool:
        """Extend a claim just before sending; False when another claim took it over."""

    def release_deliveries(self, claims: Sequence[tuple[int, int]]) -> None:
        """Give back unsent claims ``(id, token)`` so the next round may take them."""

    def mark_delivered(self, delivery_id: int, at: datetime, token: int | None = None) -> bool:
        """Settle a delivery as sent; with ``token``, only while that claim still holds it
        (False when it does not)."""

    def mark_retry(
        self,
        delivery_id: int,
        error: str,
        next_attempt_at: datetime,
        give_up: bool,
        token: int | None = None,
    ) -> bool:
        """Count a failed attempt; ``give_up`` marks the delivery failed for good;
        ``token`` as for :meth:`mark_delivered`."""

    def delivery_context(self, delivery_id: int) -> tuple[Delivery, StoredChange] | None:
        """A delivery with the change it announces."""

    def delivery_subject(self, delivery_id: int) -> DeliverySubject | None:
        """A delivery with whatever it announces: change, event or digest."""

    def form_digests(self, now: datetime) -> int:
        """Group held deliveries whose digest is due into one digest delivery each."""


class AdminStore(Protocol):
    """Set-up: the configured sources; housekeeping: capture retention."""

    def prune_captures(self, rule: CapturePrune) -> Pruned:
        """Drop the captures ``rule`` names and the bodies no capture names any more, in
        one transaction."""

    def forget_volatile(self, source: str, template: str | None = None) -> int:
        """Forget what was learned as volatile on the source's articles (one template, or
        all); returns how many were forgotten."""

    def sync_sources(self, sources: Sequence[SourceSpec], now: datetime) -> None:
        """Insert or update sources by name (disabling those no longer listed); an
        ``article`` source gets its article row, due now."""


class GenerationStore(Protocol):
    """Re-extraction: an article's history rebuilt from its captures becomes its new
    current generation."""

    def apply_generation(self, write: GenerationWrite) -> GenerationApplied:
        """Keep the current generation as a past one and write ``write`` as the current, in
        ONE transaction (also fencing off a check of the article in flight); nothing is
        written when refused (see :class:`GenerationApplied`)."""


class Store(
    CheckingStore,
    DiscoveryStore,
    OutboxStore,
    HistoryReader,
    AdminStore,
    GenerationStore,
    Protocol,
):
    """Every role at once: what a writable backend implements and the runtime holds."""
