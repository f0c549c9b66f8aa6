"""The embedded store: one SQLite file, spoken to through sqlite-utils.

Composition over one :class:`~newswatch.store.sqlite.connection.SqliteConnection`: each
concern is a part in its own module (sources and discovered articles in :mod:`.sources`,
discovery validators in :mod:`.validators`, leases in :mod:`.claims` (given back in
:mod:`.leases`), a check's state read and its
plan applied in :mod:`.checking`, the delivery :mod:`.outbox`, readers in
:mod:`.readers`, :mod:`.status` and :mod:`.queries`), and the two classes here only hand each
call to its part. :class:`SqliteReader` is the read side alone (what a read-only connection
can serve; the calls are passed on by the shared :class:`~newswatch.store.sql.reader.PartsReader`);
:class:`SqliteStore` adds the writing roles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from newswatch.store.records import (
    Applied,
    CapturePrune,
    CheckState,
    Delivery,
    DeliverySubject,
    DocumentValidators,
    DueArticle,
    Followed,
    GenerationApplied,
    GenerationWrite,
    MadeReading,
    Pruned,
    SignalWrite,
    SourceSpec,
    StoredBody,
    StoredChange,
    WritePlan,
)
from newswatch.store.sql.captures import Captures
from newswatch.store.sql.queries import HistoryQueries
from newswatch.store.sql.reader import PartsReader, ReaderParts
from newswatch.store.sqlite.checking import CheckWrites
from newswatch.store.sqlite.claims import Claims
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.discovery import DiscoveryLeases
from newswatch.store.sqlite.generations import Generations
from newswatch.store.sqlite.leases import LeaseControl
from newswatch.store.sqlite.outbox import Outbox
from newswatch.store.sqlite.queries import SPELLING, HistorySearch
from newswatch.store.sqlite.readers import Readers
from newswatch.store.sqlite.rows import SQLITE
from newswatch.store.sqlite.sources import SourceSync
from newswatch.store.sqlite.status import Status
from newswatch.store.sqlite.validators import ValidatorStore
from newswatch.store.sqlite.volatile import VolatileFragments


class SqliteReader(PartsReader):
    """The :class:`~newswatch.store.HistoryReader` over one SQLite connection."""

    def __init__(self, connection: SqliteConnection) -> None:
        self.connection = connection
        self._readers = Readers(connection)
        self._queries = HistoryQueries(connection, SQLITE, SPELLING)
        self._search = HistorySearch(connection)
        self._status = Status(connection)
        self._volatile = VolatileFragments(connection)
        self._generations = Generations(connection, self._readers)
        self._captures = Captures(connection, SQLITE)
        super().__init__(
            ReaderParts(
                readers=self._readers,
                queries=self._queries,
                captures=self._captures,
                search=self._search,
                status=self._status,
                volatile=self._volatile,
                generations=self._generations,
                close=connection.close,
            )
        )

    @property
    def path(self) -> Path:
        return self.connection.path


class SqliteStore(SqliteReader):
    """The whole :class:`~newswatch.store.Store` on one SQLite file (see
    :mod:`.connection` for the threading and transaction model)."""

    def __init__(self, connection: SqliteConnection) -> None:
        super().__init__(connection)
        self._sources = SourceSync(connection)
        self._discovery = DiscoveryLeases(connection)
        self._validators = ValidatorStore(connection)
        self._claims = Claims(connection)
        self._leases = LeaseControl(connection)
        self._outbox = Outbox(connection, self._readers)
        self._checks = CheckWrites(connection, self._readers)

    # --- administration
    def sync_sources(self, sources: Sequence[SourceSpec], now: datetime) -> None:
        self._sources.sync_sources(sources, now)

    # --- discovery
    def add_articles(self, source: str, urls: Sequence[str], now: datetime) -> int:
        return self._sources.add_articles(source, urls, now)

    def followed(self, urls: Sequence[str]) -> dict[str, Followed]:
        return self._sources.followed(urls)

    def apply_signals(self, source: str, writes: Sequence[SignalWrite], now: datetime) -> int:
        return self._sources.apply_signals(source, writes, now)

    def claim_discovery(
        self,
        source: str,
        now: datetime,
        lease_seconds: float,
        *,
        fresh_after: datetime | None = None,
    ) -> int | None:
        return self._discovery.claim_discovery(source, now, lease_seconds, fresh_after=fresh_after)

    def release_discovery(self, source: str, token: int) -> bool:
        return self._discovery.release_discovery(source, token)

    def record_discovery(
        self,
        source: str,
        now: datetime,
        found: int | None,
        error: str | None,
        *,
        not_modified: bool = False,
    ) -> None:
        self._sources.record_discovery(source, now, found, error, not_modified=not_modified)

    def discovery_validators(self, source: str, settings: str) -> list[DocumentValidators]:
        return self._validators.discovery_validators(source, settings)

    def save_discovery_validators(
        self,
        source: str,
        settings: str,
        validators: Sequence[DocumentValidators],
        now: datetime,
    ) -> None:
        self._validators.save_discovery_validators(source, settings, validators, now)

    # --- the check cycle
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
        return self._claims.claim_due(now, limit, lease_seconds, sources, force, urls, due_by)

    def release_leases(self, claims: Sequence[DueArticle]) -> int:
        return self._leases.release_leases(claims)

    def make_due(
        self,
        now: datetime,
        sources: Sequence[str] | None = None,
        urls: Sequence[str] | None = None,
    ) -> int:
        return self._leases.make_due(now, sources, urls)

    def count_due(
        self,
        due_by: datetime,
        sources: Sequence[str] | None = None,
        urls: Sequence[str] | None = None,
    ) -> int:
        return self._leases.count_due(due_by, sources, urls)

    def check_state(
        self,
        due: DueArticle,
        *,
        content_hash: str | None = None,
        canonical_url: str | None = None,
        windows: Mapping[str, float] | None = None,
        now: datetime,
    ) -> CheckState:
        return self._checks.check_state(
            due, content_hash=content_hash, canonical_url=canonical_url, windows=windows, now=now
        )

    def version_body(self, article_id: int, n: int) -> StoredBody | None:
        return self._captures.version_body(article_id, n)

    def made_reading(self, article_id: int) -> MadeReading | None:
        return self._captures.made_reading(article_id)

    def volatile_templates(self, article_id: int) -> list[str]:
        return self._volatile.volatile_templates(article_id)

    def learn_volatile(self, article_id: int, templates: Sequence[str], now: datetime) -> None:
        self._volatile.learn_volatile(article_id, templates, now)

    def forget_volatile(self, source: str, template: str | None = None) -> int:
        return self._volatile.forget_volatile(source, template)

    def prune_captures(self, rule: CapturePrune) -> Pruned:
        return self._captures.prune_captures(rule)

    def apply(self, plan: WritePlan) -> Applied:
        return self._checks.apply(plan)

    # --- re-extraction
    def apply_generation(self, write: GenerationWrite) -> GenerationApplied:
        return self._generations.apply_generation(write)

    # --- the outbox
    def due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        return self._outbox.due_deliveries(now, limit)

    def claim_deliveries(
        self,
        now: datetime,
        limit: int,
        lease_seconds: float,
        *,
        channels: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
    ) -> list[Delivery]:
        return self._outbox.claim_deliveries(
            now, limit, lease_seconds, channels=channels, exclude=exclude
        )

    def renew_delivery(self, delivery_id: int, token: int, until: datetime) -> bool:
        return self._outbox.renew_delivery(delivery_id, token, until)

    def release_deliveries(self, claims: Sequence[tuple[int, int]]) -> None:
        self._outbox.release_deliveries(claims)

    def mark_delivered(self, delivery_id: int, at: datetime, token: int | None = None) -> bool:
        return self._outbox.mark_delivered(delivery_id, at, token)

    def mark_retry(
        self,
        delivery_id: int,
        error: str,
        next_attempt_at: datetime,
        give_up: bool,
        token: int | None = None,
    ) -> bool:
        return self._outbox.mark_retry(delivery_id, error, next_attempt_at, give_up, token)

    def delivery_context(self, delivery_id: int) -> tuple[Delivery, StoredChange] | None:
        return self._outbox.delivery_context(delivery_id)

    def delivery_subject(self, delivery_id: int) -> DeliverySubject | None:
        return self._outbox.delivery_subject(delivery_id)

    def form_digests(self, now: datetime) -> int:
        return self._outbox.form_digests(now)
