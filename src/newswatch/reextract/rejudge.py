"""An article's history judged again from what was fetched: pure.

The live check judges each fetch against the history stored so far; re-extraction replays
the article's fetches, in order, through the very same planner
(:func:`newswatch.judge.plan.plan`: quarantine, reverts, headline tests, removal and return
all included) against a history rebuilt in memory, and keeps what the planner would have
written: the versions (first and last seen, how often), the changes (dated by the fetch
they were found in), the quarantined readings. Learned volatile fragments are read through
as a check reads them. Nothing is alerted: the policy has no channel and no rule.

What goes in is one :data:`Step` per fetch, oldest first: a capture read again by the
current extractor (:func:`read`), or, for a fetch that kept no bytes, what the fetch log says
it was (a 304, the page gone, a network error). A fetch that made a version or a
quarantine but kept no bytes cannot be read again: the history is :class:`Incomplete`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from newswatch.charset import decode_html
from newswatch.errors import ExtractError, PageTooComplex
from newswatch.extract import ExtractRules, extract
from newswatch.judge import volatile
from newswatch.judge.decisions import refined_canonical
from newswatch.judge.plan import (
    CheckPolicy,
    Extracted,
    ExtractFailed,
    FetchFailed,
    Gathered,
    NotModified,
    Refused,
    asks,
    plan,
)
from newswatch.models import FetchResult, Redirect
from newswatch.store import (
    ChangeWrite,
    CheckState,
    DueArticle,
    RebuiltChange,
    RebuiltVersion,
    SourceHealth,
    StoredChange,
    StoredVersion,
    VersionWrite,
    WritePlan,
)

Step = Gathered


@dataclass(frozen=True, slots=True)
class Subject:
    """The article being rebuilt: what a check of it knows besides its history."""

    article_id: int
    source: str
    url: str
    timezone: str = "UTC"
    interval_seconds: float = 600.0


@dataclass(frozen=True, slots=True)
class Capture:
    """One fetch's exchange as it was kept: the response as received, and when."""

    fetched_at: datetime
    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True, slots=True)
class Logged:
    """One fetch as the fetch log keeps it (what a fetch without kept bytes was)."""

    started_at: datetime
    outcome: str
    status: int | None = None
    error_kind: str | None = None
    error: str | None = None
    fetch_id: int | None = None


#: fetch-log outcomes whose reading made or kept aside a text: without bytes, no rebuild
_READ_OUTCOMES = frozenset({"new_version", "quarantined", "removed"})


@dataclass(frozen=True, slots=True)
class QuarantinedReading:
    """A fetch the rebuilt history keeps aside (the version before stayed the truth)."""

    at: datetime
    reason: str
    hash: str
    after_n: int | None


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """The history as the planner writes it today, and which version each step left
    current (None: none yet), for comparing it with the recorded one."""

    versions: tuple[RebuiltVersion, ...]
    changes: tuple[RebuiltChange, ...]
    quarantined: tuple[QuarantinedReading, ...]
    current_after: tuple[int | None, ...]
    #: (step index, role, version n) for each step that made or confirmed a version, as a
    #: live check links its capture (see :func:`newswatch.archive.capture_role`)
    links: tuple[tuple[int, Literal["made", "confirmed"], int], ...] = ()

    @property
    def title(self) -> str | None:
        """The headline of the current version (what the article row shows)."""
        current = next((n for n in reversed(self.current_after) if n is not None), None)
        found = [v for v in self.versions if v.version.n == current]
        return found[0].version.title if found else None


@dataclass(frozen=True, slots=True)
class Incomplete:
    """Some fetch that made a version or a quarantine kept no bytes: not rebuilt."""

    missing: int
    first_missing_at: datetime


def read(capture: Capture, subject: Subject, rules: ExtractRules | None = None) -> Step:
    """A kept page read again, exactly as a check reads a fetched one (the same decoding
    by the response's declared or detected charset, the same extraction and failures)."""
    content_type = next((v for k, v in capture.headers.items() if k.lower() == "content-type"), "")
    text, charset = decode_html(capture.body, content_type or None)
    fetched = FetchResult(
        url=capture.url,
        final_url=capture.final_url,
        status=capture.status,
        headers=dict(capture.headers),
        content=capture.body,
        text=text,
        charset=charset,
        etag=None,
        last_modified=None,
        redirects=list(capture.redirects),
        elapsed_ms=0.0,
        fetched_at=capture.fetched_at,
    )
    started = capture.fetched_at
    try:
        article = extract(
            text, fetched.final_url, subject.timezone, fetched_at=started, rules=rules
        )
    except PageTooComplex as exc:
        return Refused(started, fetched, str(exc))
    except ExtractError as exc:
        return ExtractFailed(started, fetched, str(exc), movable=True)
    except Exception as exc:  # as the live check: an extractor bug is this page's failure
        message = f"{subject.url}: extraction failed ({type(exc).__name__}: {exc})"
        return ExtractFailed(started, fetched, message)
    if not article.title and not article.paragraphs:
        return ExtractFailed(started, fetched, f"{subject.url}: no article found in the page")
    canonical = refined_canonical(subject.url, fetched, article)
    return Extracted(started, fetched, replace(article, canonical_url=canonical))


def steps(
    fetches: Iterable[tuple[Logged, Capture | None]],
    subject: Subject,
    rules: ExtractRules | None = None,
    origins: list[int | None] | None = None,
) -> list[Step] | Incomplete:
    """The article's fetches (oldest first, each with its kept capture if any) as the steps
    of a rebuild: a capture read again (:func:`read`); a fetch without one as the log says
    it was (a 304 or an unchanged page: the current version seen again; the page gone
    with a 404/410; a failed fetch); a merge is no step. A fetch that read a text (a
    version, a quarantine, a removal judged from the page) and kept no bytes makes the
    history :class:`Incomplete`. Read one at a time: a page's bytes are let go once it is
    read, so an article of a thousand captures never holds them all. ``origins``, if
    given, hears each step's :attr:`Logged.fetch_id` (which capture a version comes from)."""
    found: list[Step] = []
    missing: list[datetime] = []
    for logged, capture in fetches:
        at = logged.started_at
        if origins is not None:
            del origins[len(found) :]
            origins.append(logged.fetch_id)
        if capture is not None:
            found.append(_without_bytes(read(capture, subject, rules)))
        elif logged.outcome in ("not_modified", "unchanged"):
            found.append(NotModified(at, _not_modified(subject, at)))
        elif logged.outcome == "removed" and logged.status in (404, 410):
            message = logged.error or f"HTTP {logged.status}"
            found.append(FetchFailed(at, message, "http", logged.status, status_error=True))
        elif logged.outcome in _READ_OUTCOMES:
            missing.append(at)
        elif logged.outcome == "error":
            found.append(
                FetchFailed(
                    at,
                    logged.error or "error",
                    logged.error_kind or "network",
                    logged.status,
                    status_error=logged.error_kind == "http",
                )
            )
    if origins is not None:
        del origins[len(found) :]
    if missing:
        return Incomplete(len(missing), missing[0])
    return found


def _without_bytes(step: Step) -> Step:
    """The step as the planner needs it: the fetch's metadata, not its page (a rebuild
    writes no fetch-log row, so the body's size is never asked)."""
    if isinstance(step, Extracted | ExtractFailed | Refused):
        return replace(step, fetched=replace(step.fetched, content=b"", text=None))
    return step


def _not_modified(subject: Subject, at: datetime) -> FetchResult:
    return FetchResult(
        url=subject.url,
        final_url=subject.url,
        status=304,
        headers={},
        content=b"",
        text=None,
        charset=None,
        etag=None,
        last_modified=None,
        redirects=[],
        elapsed_ms=0.0,
        fetched_at=at,
    )


@dataclass(slots=True)
class _History:
    """The history rebuilt so far, and the article's check state beside it."""

    subject: Subject
    versions: dict[int, RebuiltVersion] = field(default_factory=dict)
    changes: list[RebuiltChange] = field(default_factory=list)
    quarantined: list[QuarantinedReading] = field(default_factory=list)
    outcomes: list[tuple[str, str | None]] = field(default_factory=list)  # newest last
    removed_at: datetime | None = None
    failures: int = 0
    unchanged: int = 0
    last_change_at: datetime | None = None

    def stored(self, n: int) -> StoredVersion:
        rebuilt = self.versions[n]
        v = rebuilt.version
        return StoredVersion(
            article_id=self.subject.article_id,
            n=v.n,
            hash=v.hash,
            title=v.title,
            paragraphs=list(v.paragraphs),
            published=v.published,
            updated=v.updated,
            stamps=list(v.stamps),
            language=v.language,
            final_url=v.final_url,
            first_seen_at=rebuilt.first_seen_at,
            last_seen_at=rebuilt.last_seen_at,
            seen_count=rebuilt.seen_count,
        )

    def current(self) -> int | None:
        """The latest change's target (a revert leads back), else the highest version."""
        if self.changes:
            return self.changes[-1].change.to_n
        return max(self.versions) if self.versions else None

    def streak(self, content_hash: str | None) -> int:
        """As the store counts it: latest fetches in a row (errors skipped) quarantined
        with exactly this content; 0 when it is the current version's."""
        current = self.current()
        if content_hash is None or (
            current is not None and self.versions[current].version.hash == content_hash
        ):
            return 0
        count = 0
        for outcome, digest in reversed(self.outcomes):
            if outcome == "error":
                continue
            if outcome != "quarantined" or digest != content_hash:
                break
            count += 1
        return count

    def due(self, first_seen: datetime) -> DueArticle:
        s = self.subject
        return DueArticle(
            article_id=s.article_id,
            source=s.source,
            url=s.url,
            timezone=s.timezone,
            interval_seconds=s.interval_seconds,
            etag=None,
            last_modified=None,
            consecutive_failures=self.failures,
            lease_token=0,
            removed_at=self.removed_at,
            first_seen_at=first_seen,
            last_change_at=self.last_change_at,
            unchanged_checks=self.unchanged,
        )

    def state(self, content_hash: str | None) -> CheckState:
        current = self.current()
        return CheckState(
            article_id=self.subject.article_id,
            latest=self.stored(current) if current is not None else None,
            source=SourceHealth(source_id=0, name=self.subject.source),
            quarantine_streak=self.streak(content_hash),
            last_n=max(self.versions) if self.versions else None,
            history=tuple(self.stored(n) for n in sorted(self.versions)),
            headline_tests=tuple(
                c.change.change.record()
                for c in self.changes
                if c.change.change.kind == "headline_test"
            ),
        )


def rebuild(subject: Subject, steps: Sequence[Step], templates: Sequence[str] = ()) -> Rebuilt:
    """Replay ``steps`` (oldest first) through the live planner (see module docstring);
    ``templates``: the volatile fragments learned for the article."""
    history = _History(subject)
    policy = CheckPolicy()
    current_after: list[int | None] = []
    links: list[tuple[int, Literal["made", "confirmed"], int]] = []
    first_seen = steps[0].started if steps else None
    for i, step in enumerate(steps):
        at = step.started
        current = history.current()
        if isinstance(step, Extracted) and current is not None and templates:
            stored = history.versions[current].version.paragraphs
            paragraphs = volatile.steady(templates, list(stored), step.article.paragraphs)
            if paragraphs != step.article.paragraphs:
                step = replace(step, article=replace(step.article, paragraphs=paragraphs))
        content, _ = asks(step)
        assert first_seen is not None
        planned = plan(history.state(content), step, history.due(first_seen), policy, at)
        _write(history, planned.write, at)
        current_after.append(history.current())
        if planned.write.version is not None:
            links.append((i, "made", planned.write.version.n))
        elif planned.write.seen_again is not None:
            links.append((i, "confirmed", planned.write.seen_again))
    return Rebuilt(
        versions=tuple(history.versions[n] for n in sorted(history.versions)),
        changes=tuple(history.changes),
        quarantined=tuple(history.quarantined),
        current_after=tuple(current_after),
        links=tuple(links),
    )


def _write(history: _History, write: WritePlan, at: datetime) -> None:
    """What a store's apply would write of ``write``, into ``history``."""
    quarantine = write.quarantine
    history.outcomes.append((write.fetch.outcome, quarantine.hash if quarantine else None))
    if quarantine is not None:
        history.quarantined.append(
            QuarantinedReading(at, quarantine.reason, quarantine.hash, quarantine.after_n)
        )
    if write.seen_again is not None and write.seen_again in history.versions:
        seen = history.versions[write.seen_again]
        history.versions[write.seen_again] = replace(
            seen, last_seen_at=at, seen_count=seen.seen_count + 1
        )
    version: VersionWrite | None = write.version
    if version is not None:
        history.versions[version.n] = RebuiltVersion(version, at, at, 1)
    change: ChangeWrite | None = write.change
    if change is not None:
        history.changes.append(RebuiltChange(replace(change, deliveries=()), at))
    article = write.article
    if article is not None:
        history.failures = article.consecutive_failures
        if article.unchanged_checks is not None:
            history.unchanged = article.unchanged_checks
        if article.last_change_at is not None:
            history.last_change_at = article.last_change_at
        if article.removed == "set":
            history.removed_at = article.removed_at
        elif article.removed == "clear":
            history.removed_at = None


def kept_uids(
    rebuilt: Rebuilt, versions: Sequence[StoredVersion], changes: Sequence[StoredChange]
) -> tuple[RebuiltChange, ...]:
    """The rebuilt changes, each one found as it was in the recorded history (the same
    versions' texts, numbers and kind) keeping that change's id: its alerts stay with it,
    and a receiver knows it. The others keep the id the replay gave them, which a live
    check of a later generation never gives (see :func:`newswatch.judge.identity.change_uid`)."""
    old_hash = {v.n: v.hash for v in versions}
    new_hash = {r.version.n: r.version.hash for r in rebuilt.versions}
    free: dict[tuple[object, ...], list[str]] = {}
    for c in sorted(changes, key=lambda c: c.id):
        key = (old_hash.get(c.from_n), old_hash.get(c.to_n), c.from_n, c.to_n, c.kind)
        free.setdefault(key, []).append(c.uid)
    taken = {r.change.uid for r in rebuilt.changes}
    out: list[RebuiltChange] = []
    for r in rebuilt.changes:
        w = r.change
        key = (new_hash.get(w.from_n), new_hash.get(w.to_n), w.from_n, w.to_n, w.change.kind)
        uids = free.get(key)
        if uids and (uids[0] == w.uid or uids[0] not in taken):
            uid = uids.pop(0)
            taken.add(uid)
            out.append(replace(r, change=replace(w, uid=uid)))
        else:
            out.append(r)
    return tuple(out)
