"""Reading an article's history back: the ``history`` and ``diff`` views over the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newswatch.diff import compare
from newswatch.errors import NewswatchError
from newswatch.models import Change, iso
from newswatch.store.base import ArticleRecord, Store, StoredChange, StoredVersion


class NotFound(NewswatchError):
    """The URL or version asked for is not in the database."""


@dataclass(frozen=True, slots=True)
class ArticleHistory:
    article: ArticleRecord
    versions: list[StoredVersion]
    changes: list[StoredChange]

    def as_dict(self) -> dict[str, Any]:
        """The design's ``history URL --json`` form (plus a few helpful extras)."""
        return {
            "url": self.article.url,
            "canonical_url": self.article.canonical_url,
            "source": self.article.source,
            "versions": [
                {
                    "n": v.n,
                    "fetched_at": iso(v.first_seen_at),
                    "last_seen_at": iso(v.last_seen_at),
                    "title": v.title,
                    "published": iso(v.published),
                    "updated": iso(v.updated),
                    "hash": v.hash,
                }
                for v in self.versions
            ],
            "changes": [c.as_dict() for c in sorted(self.changes, key=lambda c: c.to_n)],
        }

    def render(self) -> str:
        a = self.article
        lines = [
            f"\u2068{a.title or '(no title yet)'}\u2069",
            f"{a.url}  [{a.source}]",
        ]
        if a.canonical_url and a.canonical_url != a.url:
            lines.append(f"canonical: {a.canonical_url}")
        lines.append("")
        lines.append(f"{len(self.versions)} version(s):")
        for v in self.versions:
            updated = f"updated {v.updated:%Y-%m-%d %H:%M}Z" if v.updated else "no update stamp"
            lines.append(
                f"  v{v.n}  {v.first_seen_at:%Y-%m-%d %H:%M:%S}Z  seen {v.seen_count}x  "
                f"{updated}  {v.hash[:10]}  \u2068{v.title}\u2069"
            )
        lines.append("")
        lines.append(f"{len(self.changes)} change(s):")
        for c in sorted(self.changes, key=lambda c: c.to_n):
            lines.append(
                f"  v{c.from_n}\u2192v{c.to_n}  {c.at:%Y-%m-%d %H:%M:%S}Z  "
                f"{c.severity:<5} {c.summary}"
            )
        return "\n".join(lines)


def article_history(store: Store, url: str) -> ArticleHistory | None:
    article = store.find_article(url)
    if article is None:
        return None
    return ArticleHistory(
        article, store.versions(article.id), store.changes(article.id, limit=10_000)
    )


def resolve_versions(
    store: Store, url: str, from_n: int | None, to_n: int | None
) -> tuple[StoredVersion, StoredVersion, Change | None]:
    """The two versions a ``diff`` compares (default: the last change) and their change."""
    article = store.find_article(url)
    if article is None:
        raise NotFound(f"{url} is not a watched article")
    versions = {v.n: v for v in store.versions(article.id)}
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
