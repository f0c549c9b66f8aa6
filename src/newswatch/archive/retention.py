"""How long captures are kept, per source, decided here (pure); the store only deletes.

``keep``: ``all`` (the default: forever), a duration (captures fetched longer ago are
dropped) or ``versions`` (only the capture that made each version is kept: confirmations
and other fetches go at the next pruning). Whatever ``keep`` says, the capture a version
points to (the one that made it) stays, unless ``prune_versions`` lets an age limit drop it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from newswatch.archive.capture import CaptureMode
from newswatch.store import CapturePrune, CaptureRole

_NOT_MADE: tuple[CaptureRole, ...] = ("confirmed", "fetch")
_ALL: tuple[CaptureRole, ...] = ("made", "confirmed", "fetch")


@dataclass(frozen=True, slots=True)
class Retention:
    """One source's capture settings, as configured."""

    mode: CaptureMode = "versions"
    keep_seconds: float | None = None  # None: no age limit
    versions_only: bool = False
    prune_versions: bool = False


def prune_rules(retentions: Mapping[str, Retention], now: datetime) -> list[CapturePrune]:
    """What a pruning at ``now`` drops, source by source."""
    rules: list[CapturePrune] = []
    for source, kept in sorted(retentions.items()):
        if kept.versions_only:
            rules.append(CapturePrune(source=source, roles=_NOT_MADE))
        if kept.keep_seconds is not None:
            before = now - timedelta(seconds=kept.keep_seconds)
            roles = _ALL if kept.prune_versions else _NOT_MADE
            rules.append(CapturePrune(source=source, before=before, roles=roles))
    return rules
