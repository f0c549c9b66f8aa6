"""``newswatch reextract``: the shell around the pure core, one article at a time.

For each watched article: read its fetch log and its captures (bodies verified against their
SHA-256), pair each capture with the fetch that kept it, rebuild the history
(:func:`~newswatch.reextract.rejudge.rebuild`), compare it with the current generation
(:func:`~newswatch.reextract.report.compare`) and, when it differs, write it as the next
generation in ONE transaction (:meth:`~newswatch.store.GenerationStore.apply_generation`).
No delivery is written, so nothing is alerted. Killed at any point, an article has its old
generation or its new one; run again, an article already rebuilt reads the same and is
left alone, so the run resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from newswatch.archive import CaptureError, read_capture
from newswatch.clock import Clock, utc_now
from newswatch.extract import ExtractRules
from newswatch.models import parse_iso
from newswatch.reextract.rejudge import (
    Capture,
    Incomplete,
    Logged,
    Subject,
    kept_uids,
    rebuild,
    steps,
)
from newswatch.reextract.report import HistoryReport, compare
from newswatch.store import (
    ArticleRecord,
    CaptureFilter,
    CaptureLink,
    GenerationWrite,
    Store,
    StoredCapture,
)

logger = logging.getLogger("newswatch.reextract")

Verdict = Literal["changed", "would_change", "unchanged", "no_captures", "incomplete", "held"]

#: fetch log rows read per article (the whole log of any real article)
LOG_LIMIT = 1_000_000


@dataclass(frozen=True, slots=True)
class Reextracted:
    """What re-extraction did with one article's history."""

    source: str
    url: str
    verdict: Verdict
    report: HistoryReport | None = None
    generation: int | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "url": self.url,
            "verdict": self.verdict,
            "generation": self.generation,
            "detail": self.detail,
            "report": self.report.as_dict() if self.report is not None else None,
        }

    def line(self) -> str:
        what = {
            "changed": f"generation {self.generation}",
            "would_change": "would change",
            "unchanged": "unchanged",
            "no_captures": "no captures",
            "incomplete": "not rebuilt",
            "held": "held",
        }[self.verdict]
        tail = self.report.line() if self.report is not None and self.report.changed else ""
        extra = self.detail or tail
        return f"[{self.source}] {self.url}: {what}" + (f" ({extra})" if extra else "")


@dataclass(frozen=True, slots=True)
class Target:
    """How one source's articles are read: its zone, interval and extraction rules."""

    timezone: str = "UTC"
    interval_seconds: float = 600.0
    rules: ExtractRules | None = None


class Reextractor:
    """Rebuilds article histories from their captures (see module docstring)."""

    def __init__(
        self,
        store: Store,
        targets: Mapping[str, Target],
        *,
        clock: Clock = utc_now,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self._store = store
        self._targets = targets
        self._clock = clock
        self._should_stop = should_stop
        #: articles the last :meth:`run` went through (how far it got when stopped)
        self.looked_at = 0

    def run(
        self,
        *,
        sources: Sequence[str] | None = None,
        since: datetime | None = None,
        dry_run: bool = False,
        each: Callable[[Reextracted], None] = lambda _: None,
    ) -> list[Reextracted]:
        """Every article of ``sources`` (default: all) fetched since ``since``, in id
        order; ``each`` hears of every article as it is done."""
        done: list[Reextracted] = []
        self.looked_at = 0
        for article in self.watched(sources):
            if self._should_stop():
                return done
            result = self.article(article, since=since, dry_run=dry_run)
            self.looked_at += 1
            if result is not None:
                done.append(result)
                each(result)
        return done

    def watched(self, sources: Sequence[str] | None = None) -> list[ArticleRecord]:
        """The articles a run over ``sources`` (default: all) goes through, in its order;
        a merged duplicate is left out (its history is the survivor's)."""
        names = list(sources) if sources else [None]
        return [
            article
            for name in names
            for article in self._store.articles(name)
            if article.merged_into is None
        ]

    def article(
        self, article: ArticleRecord, *, since: datetime | None = None, dry_run: bool = False
    ) -> Reextracted | None:
        """Rebuild one article's history (None: nothing fetched since ``since``)."""
        store = self._store
        kept = store.captures(CaptureFilter(article_id=article.id))
        if since is not None and not any(c.fetched_at >= since for c in kept):
            return None
        if not kept:
            return Reextracted(article.source, article.url, "no_captures")
        target = self._targets.get(article.source, Target())
        subject = Subject(
            article.id, article.source, article.url, target.timezone, target.interval_seconds
        )
        generation = next((g.n for g in store.generations(article.id) if g.current), 1)
        versions = store.versions(article.id)
        changes = store.changes(article.id, limit=LOG_LIMIT)
        paired = _paired(_logged(store.fetches(article.id, limit=LOG_LIMIT)), kept, store)
        origins: list[int | None] = []
        try:
            found = steps(paired, subject, target.rules, origins)
        except CaptureError as exc:  # a body missing or altered: nothing rebuilt on it
            return Reextracted(article.source, article.url, "incomplete", detail=str(exc))
        if isinstance(found, Incomplete):
            detail = (
                f"{found.missing} fetch(es) that read the page kept no bytes, the first at"
                f" {found.first_missing_at:%Y-%m-%d %H:%M}Z"
            )
            return Reextracted(article.source, article.url, "incomplete", detail=detail)
        rebuilt = rebuild(subject, found, store.volatile_templates(article.id))
        report = compare(versions, changes, rebuilt, [s.started for s in found])
        if not report.changed:
            return Reextracted(article.source, article.url, "unchanged", report)
        if dry_run:
            return Reextracted(article.source, article.url, "would_change", report)
        applied = store.apply_generation(
            GenerationWrite(
                article_id=article.id,
                replaces=generation,
                made_at=self._clock(),
                versions=rebuilt.versions,
                changes=kept_uids(rebuilt, versions, changes),
                title=rebuilt.title,
                report=report.as_dict(),
                captures=tuple(
                    CaptureLink(fetch_id, role, n)
                    for i, role, n in rebuilt.links
                    if (fetch_id := origins[i]) is not None
                ),
            )
        )
        if not applied.written:
            why = {
                "queued": "its alerts are still being sent; run again later",
                "moved": "re-extracted meanwhile by another run",
                "gone": "the article is gone",
            }[applied.refused or "gone"]
            return Reextracted(article.source, article.url, "held", report, detail=why)
        logger.info("%s: generation %s: %s", article.url, applied.generation, report.line())
        return Reextracted(article.source, article.url, "changed", report, applied.generation)


def _logged(rows: list[dict[str, object]]) -> list[tuple[int, Logged]]:
    """The fetch log (given newest first) oldest first, with each row's id."""
    out: list[tuple[int, Logged]] = []
    for row in reversed(rows):
        started = parse_iso(str(row["started_at"]))
        if started is None:
            continue
        status = row.get("status")
        out.append(
            (
                int(str(row["id"])),
                Logged(
                    started,
                    str(row["outcome"]),
                    int(str(status)) if status is not None else None,
                    str(row["error_kind"]) if row.get("error_kind") is not None else None,
                    str(row["error"]) if row.get("error") is not None else None,
                    int(str(row["id"])),
                ),
            )
        )
    return out


def _paired(
    log: list[tuple[int, Logged]], kept: list[StoredCapture], store: Store
) -> Iterator[tuple[Logged, Capture | None]]:
    """Each logged fetch with the capture it kept, if any, its body read (and verified
    against its SHA-256) only when its turn comes."""
    by_fetch = {c.fetch_id: c for c in kept}
    for fetch_id, logged in log:
        meta = by_fetch.get(fetch_id)
        if meta is None:
            yield logged, None
            continue
        raw = read_capture(store, meta.id)
        if raw is None:
            raise CaptureError(f"capture {meta.id} vanished during the re-extraction")
        headers: dict[str, str] = {}
        for name, value in meta.response_headers:
            headers.setdefault(name.lower(), value)
        yield (
            logged,
            Capture(
                fetched_at=meta.fetched_at,
                url=meta.url,
                final_url=meta.final_url,
                status=meta.status,
                headers=headers,
                body=raw.body,
                redirects=tuple(meta.redirects),
            ),
        )
