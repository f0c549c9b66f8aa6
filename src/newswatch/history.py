"""Reading an article's history back: the ``history`` and ``diff`` views over the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from newswatch.archive.provenance import by_version, provenance, provenance_line
from newswatch.config import parse_duration
from newswatch.errors import NewswatchError
from newswatch.judge.diff import compare
from newswatch.models import Change, iso
from newswatch.store import (
    ArticleRecord,
    CaptureFilter,
    Generation,
    HistoryReader,
    StoredCapture,
    StoredChange,
    StoredVersion,
)


class NotFound(NewswatchError):
    """The URL or version asked for is not in the database."""


@dataclass(frozen=True, slots=True)
class ArticleHistory:
    """One generation of an article's history (by default the current one, which every
    view reads; an earlier one stays readable after a re-extraction)."""

    article: ArticleRecord
    versions: list[StoredVersion]
    changes: list[StoredChange]
    generation: int = 1
    current: int = 1  # the article's current generation
    captures: Mapping[int, StoredCapture] = field(default_factory=dict)  # by version n

    def as_dict(self) -> dict[str, Any]:
        """The design's ``history URL --json`` form (plus a few helpful extras)."""
        return {
            "url": self.article.url,
            "canonical_url": self.article.canonical_url,
            "source": self.article.source,
            "state": self.article.status,
            "removed_at": iso(self.article.removed_at),
            "removed_reason": self.article.removed_reason,
            "generation": self.generation,
            "current_generation": self.current,
            "versions": [
                {
                    "n": v.n,
                    "fetched_at": iso(v.first_seen_at),
                    "last_seen_at": iso(v.last_seen_at),
                    "title": v.title,
                    "published": iso(v.published),
                    "updated": iso(v.updated),
                    "hash": v.hash,
                    "capture": provenance(self.captures.get(v.n)),
                }
                for v in self.versions
            ],
            "changes": [c.as_dict() for c in sorted(self.changes, key=lambda c: c.id)],
        }

    def render(self) -> str:
        a = self.article
        lines = [
            f"\u2068{a.title or '(no title yet)'}\u2069",
            f"{a.url}  [{a.source}]",
        ]
        if a.canonical_url and a.canonical_url != a.url:
            lines.append(f"canonical: {a.canonical_url}")
        if a.status == "removed" and a.removed_at is not None:
            why = f" ({a.removed_reason})" if a.removed_reason else ""
            lines.append(f"state: removed since {a.removed_at:%Y-%m-%d %H:%M:%S}Z{why}")
        elif a.status != "active":
            lines.append(f"state: {a.status}")
        if self.generation != self.current:
            lines.append(
                f"extraction generation {self.generation} (an earlier reading; "
                f"the current one is {self.current})"
            )
        elif self.current > 1:
            lines.append(f"extraction generation {self.current} (re-extracted)")
        lines.append("")
        lines.append(f"{len(self.versions)} version(s):")
        for v in self.versions:
            stated = stated_update(v)
            updated = f"updated {stated:%Y-%m-%d %H:%M}Z" if stated else "no update stamp"
            lines.append(
                f"  v{v.n}  {v.first_seen_at:%Y-%m-%d %H:%M:%S}Z  seen {v.seen_count}x  "
                f"{updated}  {v.hash[:10]}  \u2068{v.title}\u2069"
            )
            if v.n in self.captures:
                lines.append(f"        {provenance_line(self.captures[v.n])}")
        lines.append("")
        lines.append(f"{len(self.changes)} change(s):")
        for c in sorted(self.changes, key=lambda c: c.id):
            lines.append(
                f"  v{c.from_n}\u2192v{c.to_n}  {c.at:%Y-%m-%d %H:%M:%S}Z  "
                f"{c.severity:<5} {c.summary}"
            )
            test = c.record.get("headline_test")
            if isinstance(test, dict):
                variants = " | ".join(f"\u2068{v}\u2069" for v in test.get("variants", []))
                lines.append(f"        {test.get('slot', 'title')} variants: {variants}")
        return "\n".join(lines)


def article_history(
    store: HistoryReader, url: str, generation: int | None = None
) -> ArticleHistory | None:
    """The article's history: its current generation, or ``generation`` (NotFound when
    it has no such generation)."""
    article = store.find_article(url)
    if article is None:
        return None
    generations = store.generations(article.id)
    current = next((g.n for g in generations if g.current), 1)
    if generation is None or generation == current:
        return ArticleHistory(
            article,
            store.versions(article.id),
            store.changes(article.id, limit=10_000),
            current,
            current,
            by_version(store.captures(CaptureFilter(article_id=article.id, versions_only=True))),
        )
    if generation not in {g.n for g in generations}:
        known = ", ".join(str(g.n) for g in generations)
        raise NotFound(f"{url} has no extraction generation {generation} (it has {known})")
    return ArticleHistory(
        article,
        store.generation_versions(article.id, generation),
        store.generation_changes(article.id, generation),
        generation,
        current,
    )


def generation_dicts(generations: list[Generation]) -> list[dict[str, Any]]:
    """``history URL --generations --json``: each generation, its counts and report."""
    return [
        {
            "generation": g.n,
            "current": g.current,
            "made_at": iso(g.made_at),
            "versions": g.versions,
            "changes": g.changes,
            "report": dict(g.report),
        }
        for g in generations
    ]


def render_generations(article: ArticleRecord, generations: list[Generation]) -> str:
    """``history URL --generations``: one line per generation, what its re-extraction did."""
    lines = [
        f"\u2068{article.title or '(no title yet)'}\u2069",
        f"{article.url}  [{article.source}]",
    ]
    for g in generations:
        mark = "current" if g.current else "earlier"
        how = g.report.get("line") if g.report else None
        lines.append(
            f"  generation {g.n}  {g.made_at:%Y-%m-%d %H:%M:%S}Z  {mark:<7}  "
            f"{g.versions} version(s), {g.changes} change(s)" + (f"  - {how}" if how else "")
        )
    return "\n".join(lines)


def resolve_versions(
    store: HistoryReader,
    url: str,
    from_n: int | None,
    to_n: int | None,
    generation: int | None = None,
) -> tuple[StoredVersion, StoredVersion, Change | None]:
    """The two versions a ``diff`` compares (default: the last change) and their change,
    in the current generation or ``generation``."""
    found = article_history(store, url, generation)
    if found is None:
        raise NotFound(f"{url} is not a watched article")
    versions = {v.n: v for v in found.versions}
    if not versions:
        raise NotFound(f"{url} has no stored version yet")
    if len(versions) < 2 and (from_n is None or to_n is None):
        raise NotFound(f"{url} has only one version: nothing to compare")
    last = max(versions)
    to_n = to_n if to_n is not None else (from_n + 1 if from_n is not None else last)
    from_n = from_n if from_n is not None else to_n - 1
    for n in (from_n, to_n):
        if n not in versions:
            raise NotFound(f"{url} has no version {n} (versions 1 to {last})")
    old, new = versions[from_n], versions[to_n]
    return old, new, compare(old, new)


def parse_when(text: str, now: datetime, *, end: bool = False) -> datetime:
    """A ``--since``/``--until`` value as an instant (UTC).

    ``2016-07-20`` is that day (its start; with ``end``, the start of the next day, so an
    ``--until`` day is included), ``2016-07-20T18:00`` or with an offset is that instant,
    and a duration such as ``2h`` or ``7d`` is that long before ``now``.
    """
    value = text.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if end else start
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        pass
    else:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    try:
        return now - timedelta(seconds=parse_duration(value))
    except ValueError:
        raise NewswatchError(
            f"{text!r} is not a date (2016-07-20), a time (2016-07-20T18:00) "
            "or a duration back from now (2h, 7d)"
        ) from None


def resolve_version(
    store: HistoryReader, url: str, n: int | None, generation: int | None = None
) -> tuple[ArticleRecord, StoredVersion]:
    """One version of a watched article (default: the latest), for ``show``: of the
    current generation, or of ``generation``."""
    if generation is not None:
        found = article_history(store, url, generation)
        if found is None:
            raise NotFound(f"{url} is not a watched article")
        versions = {v.n: v for v in found.versions}
        if not versions:
            raise NotFound(f"{url} has no stored version in generation {generation}")
        key = n if n is not None else max(versions)
        if key not in versions:
            raise NotFound(
                f"{url} has no version {key} in generation {generation}"
                f" (versions {min(versions)} to {max(versions)})"
            )
        return found.article, versions[key]
    article = store.find_article(url)
    if article is None:
        raise NotFound(f"{url} is not a watched article")
    version = store.version(article.id, n) if n is not None else store.latest_version(article.id)
    if version is None:
        last = store.latest_version(article.id)
        if last is None:
            raise NotFound(f"{url} has no stored version yet")
        raise NotFound(f"{url} has no version {n} (versions 1 to {last.n})")
    return article, version


def version_dict(
    article: ArticleRecord, v: StoredVersion, capture: StoredCapture | None = None
) -> dict[str, Any]:
    """``show --json``: one version's text and stamps, and the capture it was read from."""
    return {
        "url": article.url,
        "source": article.source,
        "n": v.n,
        "hash": v.hash,
        "fetched_at": iso(v.first_seen_at),
        "last_seen_at": iso(v.last_seen_at),
        "seen_count": v.seen_count,
        "title": v.title,
        "published": iso(v.published),
        "updated": iso(v.updated),
        "stamps": [s.as_dict() for s in v.stamps],
        "language": v.language,
        "final_url": v.final_url,
        "paragraphs": list(v.paragraphs),
        "capture": provenance(capture),
    }


def stated_update(v: StoredVersion) -> datetime | None:
    """When the page says it was updated, or None when it says nothing of the kind.

    The extractor gives a page with no update stamp its publish time as ``updated`` (what
    a reader would date it by); shown as "updated" that would claim an update nobody made.
    """
    if v.updated is None:
        return None
    if v.updated != v.published or any(s.kind == "updated" for s in v.stamps):
        return v.updated
    return None


def render_version(
    article: ArticleRecord, v: StoredVersion, capture: StoredCapture | None = None
) -> str:
    """``show``: the version's headline, stamps and paragraphs (RTL text isolated)."""
    lines = [
        f"\u2068{v.title}\u2069",
        f"{article.url}  [{article.source}]  v{v.n}",
        f"first seen {v.first_seen_at:%Y-%m-%d %H:%M:%S}Z, last seen "
        f"{v.last_seen_at:%Y-%m-%d %H:%M:%S}Z ({v.seen_count}x)",
        provenance_line(capture),
    ]
    for label, value in (("published", v.published), ("updated", stated_update(v))):
        lines.append(f"{label}: {iso(value) or '-'}")
    for stamp in v.stamps:
        lines.append(
            f"  stamp {stamp.kind:<10} {iso(stamp.at) or '?':<25} {stamp.source:<6} "
            f"\u2068{stamp.text}\u2069"
        )
    lines.append(f"language: {v.language or '-'}; {len(v.paragraphs)} paragraph(s)")
    for paragraph in v.paragraphs:
        lines.extend(["", f"\u2068{paragraph}\u2069"])
    return "\n".join(lines)
