"""How a rebuilt history differs from the recorded one: pure.

Both readings saw the same fetches, so each fetch pairs the version the recorded history
held after it with the one the rebuilt history holds. Recorded versions that now read as
one are *merged* (a change that was page furniture); one recorded version that now reads
as several is *split* (a real edit the old extractor missed). Paragraphs the recorded
versions held that no rebuilt version holds are *noise* the current extractor leaves out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newswatch.reextract.rejudge import Rebuilt
from newswatch.store import StoredChange, StoredVersion

#: noise and new paragraphs quoted in a report, at most (the counts are complete)
QUOTED = 5


@dataclass(frozen=True, slots=True)
class HistoryReport:
    """What re-extraction changed in one article's history."""

    versions_before: int
    versions_after: int
    changes_before: int
    changes_after: int
    merged: int
    split: int
    noise: int
    found: int
    quarantined_after: int
    noise_quoted: tuple[str, ...] = ()
    found_quoted: tuple[str, ...] = ()
    changed: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "versions_before": self.versions_before,
            "versions_after": self.versions_after,
            "changes_before": self.changes_before,
            "changes_after": self.changes_after,
            "merged": self.merged,
            "split": self.split,
            "noise_paragraphs": self.noise,
            "new_paragraphs": self.found,
            "quarantined": self.quarantined_after,
            "noise_quoted": list(self.noise_quoted),
            "new_quoted": list(self.found_quoted),
            "changed": self.changed,
            "line": self.line(),
        }

    def line(self) -> str:
        """One readable line: ``3 → 2 versions (1 merged), 4 noise paragraphs``."""
        if not self.changed:
            return f"unchanged ({self.versions_after} versions)"
        parts = [f"{self.versions_before} → {self.versions_after} versions"]
        how = [f"{n} {word}" for n, word in ((self.merged, "merged"), (self.split, "split")) if n]
        if how:
            parts[0] += f" ({', '.join(how)})"
        parts.append(f"{self.changes_before} → {self.changes_after} changes")
        if self.noise:
            parts.append(f"{self.noise} noise paragraph{'s' if self.noise != 1 else ''}")
        if self.found:
            parts.append(f"{self.found} paragraph{'s' if self.found != 1 else ''} newly read")
        if self.quarantined_after:
            parts.append(f"{self.quarantined_after} quarantined")
        return ", ".join(parts)


def recorded_current(
    versions: Sequence[StoredVersion], changes: Sequence[StoredChange], until: datetime | None
) -> int | None:
    """The version the recorded history held as current before ``until`` (None: at the
    end): the target of the latest change found before it, else the newest version seen
    before it."""
    before = [c for c in changes if until is None or c.at < until]
    if before:
        return max(before, key=lambda c: (c.at, c.id)).to_n
    seen = [v.n for v in versions if until is None or v.first_seen_at < until]
    return max(seen) if seen else None


def compare(
    versions: Sequence[StoredVersion],
    changes: Sequence[StoredChange],
    rebuilt: Rebuilt,
    times: Sequence[datetime],
) -> HistoryReport:
    """The recorded history (``versions``, ``changes``) against ``rebuilt``, whose steps
    were fetched at ``times``."""
    pairs: set[tuple[int, int]] = set()
    for i, new in enumerate(rebuilt.current_after):
        until = times[i + 1] if i + 1 < len(times) else None
        old = recorded_current(versions, changes, until)
        if old is not None and new is not None:
            pairs.add((old, new))
    merged = sum(len({o for o, m in pairs if m == n}) - 1 for n in {m for _, m in pairs})
    split = sum(len({m for o2, m in pairs if o2 == o}) - 1 for o in {o for o, _ in pairs})
    before = _paragraphs(list(v.paragraphs) for v in versions)
    after = _paragraphs(list(r.version.paragraphs) for r in rebuilt.versions)
    noise = [p for p in before if p not in set(after)]
    found = [p for p in after if p not in set(before)]
    recorded = (
        [v.hash for v in versions],
        sorted((c.from_n, c.to_n, c.kind) for c in changes),
    )
    now = (
        [r.version.hash for r in rebuilt.versions],
        sorted((c.change.from_n, c.change.to_n, c.change.change.kind) for c in rebuilt.changes),
    )
    return HistoryReport(
        versions_before=len(versions),
        versions_after=len(rebuilt.versions),
        changes_before=len(changes),
        changes_after=len(rebuilt.changes),
        merged=max(merged, 0),
        split=max(split, 0),
        noise=len(noise),
        found=len(found),
        quarantined_after=len(rebuilt.quarantined),
        noise_quoted=tuple(noise[:QUOTED]),
        found_quoted=tuple(found[:QUOTED]),
        changed=recorded != now,
    )


def _paragraphs(groups: Iterable[list[str]]) -> list[str]:
    """Every distinct paragraph, in first-seen order."""
    return list(dict.fromkeys(p for group in groups for p in group))
