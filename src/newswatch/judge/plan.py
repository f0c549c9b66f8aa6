"""One check's write plan: given what was gathered and what is stored, what to write. Pure.

The checker gathers (the fetch and its extraction, then ONE read of the article's state:
:class:`~newswatch.store.CheckState`); :func:`plan` decides everything the check writes, as a
:class:`~newswatch.store.WritePlan`: the fetch-log row, the article row (next check,
validators, failures, removal mark, schedule state), a new version or the one seen again,
the change with its routed deliveries (digest holds included), the source's health and the
events it raises, a quarantined extraction, or a merge into the article already watched at
the same canonical URL. The store applies the plan in one transaction and decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from newswatch.judge import revisions
from newswatch.judge.decisions import classify, decide, policy_for, retry_at
from newswatch.judge.digest import change_deliveries, windows
from newswatch.judge.health import Raised, presence_events, source_health
from newswatch.judge.identity import change_uid, delivery_key, event_uid
from newswatch.judge.outcome import Outcome
from newswatch.judge.routing import Rule, route_change, route_events
from newswatch.models import Article, Change, FetchResult, iso
from newswatch.normalize import content_hash
from newswatch.presence import gone_status, moved_to_section, removed_change, restored_change
from newswatch.quarantine import accept_after, judge
from newswatch.schedule import SchedulePolicy
from newswatch.store import (
    AlertRoute,
    ArticleWrite,
    ChangeWrite,
    CheckState,
    DeliveryWrite,
    DigestGuard,
    DueArticle,
    EventWrite,
    FetchRecord,
    HealthWrite,
    MergeWrite,
    QuarantineWrite,
    ReadingWrite,
    StoredVersion,
    VersionWrite,
    WritePlan,
)

# ---------------------------------------------------------------------- what was gathered


@dataclass(frozen=True, slots=True)
class FetchFailed:
    """The fetch raised. ``status_error``: the server answered with an error status."""

    started: datetime
    message: str
    kind: str
    status: int | None = None
    status_error: bool = False
    retry_after: datetime | None = None


@dataclass(frozen=True, slots=True)
class NotModified:
    """A 304: nothing to parse, the stored version is still the page."""

    started: datetime
    fetched: FetchResult


@dataclass(frozen=True, slots=True)
class ExtractFailed:
    """The page came but gave no article. ``movable``: the extractor found nothing it could
    read, so a redirect to a section page may be the article taken down."""

    started: datetime
    fetched: FetchResult
    message: str
    movable: bool = False


@dataclass(frozen=True, slots=True)
class Refused:
    """The extractor refused the page (beyond its work budgets): kept aside, no version."""

    started: datetime
    fetched: FetchResult
    reason: str


@dataclass(frozen=True, slots=True)
class Extracted:
    """The page and the article it extracted to (its canonical URL already refined).

    ``reading`` says how the article was read from this very page, when a version made of it
    can be read again from a later page that differs only in what extraction ignores (see
    :mod:`newswatch.extract.reread`): stored with the version as it is."""

    started: datetime
    fetched: FetchResult
    article: Article
    reading: str | None = None
    reread: ReadingWrite | None = None
    """When the page was read again as its version's (see ``reading``) and that taught how
    the version is read from now on: kept if this check sees that version again."""


Gathered = FetchFailed | NotModified | ExtractFailed | Refused | Extracted

EMPTY_HASH = content_hash("", [])


def asks(gathered: Gathered) -> tuple[str | None, str | None]:
    """What the state read needs of this check: the content hash whose quarantine streak
    counts, and the canonical URL a duplicate may be watched at."""
    if isinstance(gathered, Extracted):
        article = gathered.article
        return content_hash(article.title, article.paragraphs), article.canonical_url
    if isinstance(gathered, Refused):
        return EMPTY_HASH, None
    return None, None


# ---------------------------------------------------------------------- the policy


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    """How one source's checks are judged: its re-check policy (floored at the source's
    interval when planning), the alert rules, channels every change goes to, and after how
    many failed checks in a row the source is failing (0: never)."""

    schedule: SchedulePolicy = field(default_factory=SchedulePolicy)
    rules: tuple[Rule, ...] = ()
    channels: tuple[str, ...] = ()
    failing_after: int = 0

    def digest_windows(self, source: str) -> dict[str, float]:
        """The channels whose recent alerts the state read must count, and how far back."""
        return windows(
            [r for rule in self.rules if rule.wants_source(source) for r in rule.routes()]
        )


# ---------------------------------------------------------------------- the result


@dataclass(frozen=True, slots=True)
class Planned:
    """The plan, and what the check reports once it is written."""

    write: WritePlan
    outcome: Outcome
    version_n: int | None = None
    new_version: bool = False
    summary: str | None = None
    error: str | None = None  # the report's error (an error, a quarantine)
    reason: str | None = None  # why, for logs (an error's message, a quarantine's reason)
    events: tuple[str, ...] = ()
    merged_into: int | None = None
    accepted_after: int | None = None  # a shrink believed after this many sightings
    accepted: str | None = None  # and the quarantine reason it overcame


def plan(
    state: CheckState, gathered: Gathered, due: DueArticle, policy: CheckPolicy, now: datetime
) -> Planned:
    """Everything the check of ``due`` writes, decided at ``now`` (see module docstring)."""
    latest = state.latest
    if isinstance(gathered, FetchFailed):
        gone = gone_status(gathered.status) if gathered.status_error else None
        if gone is not None and latest is not None:
            return _removed(state, due, policy, now, gathered.started, gone, gathered.status, None)
        return _error(
            state,
            due,
            policy,
            now,
            FetchRecord(
                url=due.url,
                started_at=gathered.started,
                outcome="error",
                status=gathered.status,
                error_kind=gathered.kind,
                error=gathered.message,
            ),
            gathered.retry_after,
        )
    fetched = gathered.fetched
    if isinstance(gathered, NotModified):
        record = _fetch_row(due, gathered.started, fetched, "not_modified", size=0)
        return _recorded(state, due, policy, now, record, fetched, None)
    if isinstance(gathered, ExtractFailed):
        moved = moved_to_section(due.url, fetched, None, latest) if gathered.movable else None
        if moved is not None and latest is not None:
            return _removed(
                state, due, policy, now, gathered.started, moved, fetched.status, fetched
            )
        record = FetchRecord(
            url=due.url,
            started_at=gathered.started,
            outcome="error",
            status=fetched.status,
            error_kind="extract",
            error=gathered.message,
        )
        return _error(state, due, policy, now, record, None)
    record = _fetch_row(due, gathered.started, fetched, "new_version", size=len(fetched.content))
    if isinstance(gathered, Refused):
        empty = Article(url=due.url, title="", paragraphs=[])
        return _quarantine(state, due, policy, now, record, empty, EMPTY_HASH, gathered.reason)
    moved = moved_to_section(due.url, fetched, gathered.article, latest)
    if moved is not None and latest is not None:
        return _removed(state, due, policy, now, gathered.started, moved, fetched.status, fetched)
    return _recorded(
        state,
        due,
        policy,
        now,
        record,
        fetched,
        gathered.article,
        gathered.reading,
        gathered.reread,
    )


# ---------------------------------------------------------------------- the four kinds


def _recorded(
    state: CheckState,
    due: DueArticle,
    policy: CheckPolicy,
    now: datetime,
    record: FetchRecord,
    fetched: FetchResult,
    article: Article | None,
    reading: str | None = None,
    reread: ReadingWrite | None = None,
) -> Planned:
    """A page read (``article`` None: a 304): first or new version, unchanged, restored;
    ``reading`` is kept with a new version (see :class:`Extracted`)."""
    latest = state.latest
    digest: str | None = None
    change: Change | None = None
    outcome: Outcome = "not_modified"
    accepted: int | None = None
    reason: str | None = None
    if article is not None:
        digest = content_hash(article.title, article.paragraphs)
        same = latest is not None and latest.hash == digest
        reason = None if same else judge(article, latest)
        if reason is not None:
            if not accept_after(reason, state.quarantine_streak):
                return _quarantine(state, due, policy, now, record, article, digest, reason)
            accepted = state.quarantine_streak + 1
        outcome, change, digest = classify(latest, article, digest)
        if outcome == "new_version" and change is not None and latest is not None:
            outcome, change, digest = _against_history(state, latest, article, digest, change)
        if outcome == "unchanged":
            record = replace(record, outcome="unchanged")
    merged = _merge(state, due, now, record, article, "merged")
    if merged is not None:
        return merged
    if due.removed_at is not None and latest is not None:  # it was gone: found again
        change = restored_change(latest, change, fetched.status)
        outcome = "restored"
    changed = outcome in ("new_version", "restored")
    unchanged = 0 if outcome in ("first_version", "new_version") else due.unchanged_checks + 1
    last_change_at = now if changed else due.last_change_at
    schedule = policy_for(due, policy.schedule, {})
    decision = decide(schedule, due, now, article or latest, last_change_at, unchanged)
    restored = change is not None and change.kind == "restored"
    article_write = ArticleWrite(
        checked_at=now,
        next_check_at=decision.next_check_at,
        consecutive_failures=0,
        last_error=None,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        removed="clear" if article is not None or restored else "keep",
        unchanged_checks=unchanged,
        last_change_at=last_change_at if changed else None,
        retire=decision.retire,
        title=article.title if article is not None else None,
        canonical_url=article.canonical_url if article is not None else None,
    )
    routes: list[AlertRoute] = []
    if change is not None:
        routes = [AlertRoute(c) for c in policy.channels] + route_change(
            policy.rules, due.source, change
        )
    version: VersionWrite | None = None
    seen: int | None = None
    change_write: ChangeWrite | None = None
    guards: tuple[DigestGuard, ...] = ()
    version_n: int | None = None
    stamp = iso(now)
    if article is None or digest is None:
        if latest is not None and (restored or record.outcome == "not_modified"):
            version_n = seen = latest.n
            if restored and change is not None:
                uid = change_uid(
                    due.url, latest.hash, f"restored {stamp}", latest.n, state.generation
                )
                change_write, guards = _change(uid, latest.n, latest.n, change, routes, now, state)
    elif (
        latest is not None
        and change is not None
        and change.back_to is not None
        and change.back_to in {v.n for v in state.history}
    ):  # a revert or a headline variant that returns: the known version is current again
        version_n = seen = change.back_to
        uid = change_uid(
            due.url, latest.hash, f"{change.kind} {stamp}", version_n, state.generation
        )
        change_write, guards = _change(uid, latest.n, version_n, change, routes, now, state)
    elif latest is not None and latest.hash == digest:
        version_n = seen = latest.n
        if restored and change is not None:
            uid = change_uid(due.url, latest.hash, f"restored {stamp}", latest.n, state.generation)
            change_write, guards = _change(uid, latest.n, latest.n, change, routes, now, state)
    else:
        version_n = max(state.last_n or 0, latest.n) + 1 if latest is not None else 1
        version = VersionWrite(
            n=version_n,
            hash=digest,
            title=article.title,
            paragraphs=tuple(article.paragraphs),
            published=article.published,
            updated=article.updated,
            stamps=tuple(article.stamps),
            language=article.language,
            final_url=record.final_url,
            reading=reading,
        )
        if change is not None and latest is not None:
            uid = change_uid(due.url, latest.hash, digest, version_n, state.generation)
            change_write, guards = _change(uid, latest.n, version_n, change, routes, now, state)
    health, events = _events(state, due, policy, now, record, change)
    return Planned(
        write=WritePlan(
            due=due,
            fetch=record,
            checked_at=now,
            article=article_write,
            version=version,
            seen_again=seen,
            reading=reread if reread is not None and reread.n == seen else None,
            change=change_write,
            health=health,
            events=events,
            digest_guards=guards,
        ),
        outcome=outcome,
        version_n=version_n,
        new_version=version is not None,
        summary=change.summary() if change is not None else None,
        events=tuple(e.kind for e in events),
        accepted_after=accepted,
        accepted=reason if accepted is not None else None,
    )


def _quarantine(
    state: CheckState,
    due: DueArticle,
    policy: CheckPolicy,
    now: datetime,
    record: FetchRecord,
    article: Article,
    digest: str,
    reason: str,
) -> Planned:
    """Keep an implausible extraction aside; the latest version stays the truth. The
    validators (ETag, Last-Modified) are not kept: a 304 must never confirm a wall."""
    fetch = replace(record, outcome="quarantined", error_kind="quarantine", error=reason)
    merged = _merge(state, due, now, fetch, article, "quarantined", reason)
    if merged is not None:
        return merged
    health, events = _events(state, due, policy, now, fetch, None)
    latest = state.latest
    return Planned(
        write=WritePlan(
            due=due,
            fetch=fetch,
            checked_at=now,
            article=ArticleWrite(
                checked_at=now,
                next_check_at=now + timedelta(seconds=due.interval_seconds),
                consecutive_failures=due.consecutive_failures + 1,
                last_error=f"quarantined: {reason}",
            ),
            quarantine=QuarantineWrite(
                reason=reason,
                hash=digest,
                title=article.title,
                paragraphs=tuple(article.paragraphs),
                words=sum(len(p.split()) for p in article.paragraphs),
                after_n=latest.n if latest is not None else None,
            ),
            health=health,
            events=events,
        ),
        outcome="quarantined",
        error=f"quarantined: {reason}",
        reason=reason,
        events=tuple(e.kind for e in events),
    )


def _removed(
    state: CheckState,
    due: DueArticle,
    policy: CheckPolicy,
    now: datetime,
    started: datetime,
    reason: str,
    status: int | None,
    fetched: FetchResult | None,
) -> Planned:
    """The page is gone; its last good version is kept. Only the first check that finds
    it gone makes a ``removed`` change (alerted as the ``removed`` event); later ones only
    log the fetch."""
    latest = state.latest
    assert latest is not None
    change = removed_change(latest, reason) if due.removed_at is None else None
    fetch = FetchRecord(
        url=due.url,
        started_at=started,
        outcome="removed",
        status=status,
        elapsed_ms=fetched.elapsed_ms if fetched else None,
        bytes=len(fetched.content) if fetched else None,
        final_url=fetched.final_url if fetched else None,
        redirects=list(fetched.redirects) if fetched else [],
        error_kind="removed",
        error=reason,
    )
    change_write: ChangeWrite | None = None
    if change is not None:
        uid = change_uid(due.url, latest.hash, f"removed {iso(now)}", latest.n, state.generation)
        change_write = ChangeWrite(uid, latest.n, latest.n, change)
    health, events = _events(state, due, policy, now, fetch, change)
    return Planned(
        write=WritePlan(
            due=due,
            fetch=fetch,
            checked_at=now,
            article=ArticleWrite(
                checked_at=now,
                next_check_at=now + timedelta(seconds=due.interval_seconds),
                consecutive_failures=0,
                last_error=None,
                removed="set" if change is not None else "keep",
                removed_at=due.removed_at or now,
                removed_reason=reason,
            ),
            change=change_write,
            health=health,
            events=events,
        ),
        outcome="removed",
        version_n=latest.n if change is not None else None,
        summary=change.summary() if change is not None else f"still gone ({reason})",
        events=tuple(e.kind for e in events),
    )


def _error(
    state: CheckState,
    due: DueArticle,
    policy: CheckPolicy,
    now: datetime,
    fetch: FetchRecord,
    not_before: datetime | None,
) -> Planned:
    """A failed check: the next one backs off, never before ``not_before`` (Retry-After)."""
    message = fetch.error or fetch.error_kind or "error"
    health, events = _events(state, due, policy, now, fetch, None)
    return Planned(
        write=WritePlan(
            due=due,
            fetch=fetch,
            checked_at=now,
            article=ArticleWrite(
                checked_at=now,
                next_check_at=retry_at(due, now, not_before),
                consecutive_failures=due.consecutive_failures + 1,
                last_error=message,
            ),
            health=health,
            events=events,
        ),
        outcome="error",
        error=fetch.error,
        reason=fetch.error,
        events=tuple(e.kind for e in events),
    )


# ---------------------------------------------------------------------- the parts


def _against_history(
    state: CheckState, latest: StoredVersion, article: Article, digest: str, change: Change
) -> tuple[Outcome, Change | None, str]:
    """A new reading judged against every version and earlier headline tests (see
    :mod:`newswatch.judge.revisions`): a revert or a headline test is recorded as such,
    a known variant coming round again as the current version seen."""
    verdict = revisions.judge(
        list(state.history),
        latest,
        article,
        digest,
        change,
        revisions.known_variants(list(state.headline_tests)),
    )
    if verdict.kind == "quiet":
        return "unchanged", None, latest.hash
    if verdict.kind != "new" and verdict.change is not None:
        change = replace(verdict.change, back_to=verdict.back_to)
    return "new_version", change, digest


def _fetch_row(
    due: DueArticle, started: datetime, fetched: FetchResult, outcome: str, *, size: int
) -> FetchRecord:
    return FetchRecord(
        url=due.url,
        started_at=started,
        outcome=outcome,  # type: ignore[arg-type]
        status=fetched.status,
        elapsed_ms=fetched.elapsed_ms,
        bytes=size,
        final_url=fetched.final_url,
        redirects=list(fetched.redirects),
    )


def _merge(
    state: CheckState,
    due: DueArticle,
    now: datetime,
    fetch: FetchRecord,
    article: Article | None,
    outcome: Outcome,
    reason: str | None = None,
) -> Planned | None:
    """A page whose canonical URL is already watched under another article, before this
    one has any version, is merged into that one: nothing stored, nothing alerted (a
    history is never split, a change never alerted twice)."""
    canonical = article.canonical_url if article is not None else None
    if canonical is None or state.duplicate_of is None or state.latest is not None:
        return None
    return Planned(
        write=WritePlan(
            due=due,
            fetch=replace(fetch, outcome="merged"),
            checked_at=now,
            merge=MergeWrite(state.duplicate_of, canonical),
        ),
        outcome=outcome,
        summary=f"already watched as {canonical}",
        error=f"quarantined: {reason}" if reason else None,
        reason=reason,
        merged_into=state.duplicate_of,
    )


def _change(
    uid: str,
    from_n: int,
    to_n: int,
    change: Change,
    routes: list[AlertRoute],
    now: datetime,
    state: CheckState,
) -> tuple[ChangeWrite, tuple[DigestGuard, ...]]:
    deliveries, guards = change_deliveries(routes, uid, now, state.recent_alerts)
    return ChangeWrite(uid, from_n, to_n, change, deliveries), guards


def _events(
    state: CheckState,
    due: DueArticle,
    policy: CheckPolicy,
    now: datetime,
    fetch: FetchRecord,
    change: Change | None,
) -> tuple[HealthWrite, tuple[EventWrite, ...]]:
    health, raised = source_health(state.source, fetch, policy.failing_after, now)
    raised += presence_events(
        due.url,
        due.article_id,
        fetch,
        change,
        due.consecutive_failures > 0,
        state.latest is not None,
    )
    wanted = route_events(policy.rules, due.source) if raised else {}
    return health, tuple(_event(state, due, now, r, wanted.get(r.kind, [])) for r in raised)


def _event(
    state: CheckState, due: DueArticle, now: datetime, raised: Raised, channels: list[str]
) -> EventWrite:
    uid = event_uid(state.source.source_id, raised.kind, due.article_id, now)
    deliveries = tuple(
        DeliveryWrite(channel, delivery_key(uid, channel), "pending", now)
        for channel in dict.fromkeys(channels)
    )
    return EventWrite(uid, raised.kind, raised.message, raised.article_id, deliveries)
