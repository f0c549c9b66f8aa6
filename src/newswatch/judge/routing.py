"""Which alert rules a change or an event goes to: pure functions of the record and the rule.

Routing is decided when a change is recorded, in the same transaction (the checker passes
the routes to the store), so what a change was routed to never depends on a later edit of
the configuration, and a restart cannot route it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Protocol

from newswatch.models import Change
from newswatch.store import AlertRoute

_SEVERITY_RANK = {"minor": 0, "major": 1}

#: what a rule can ask for in ``on``: the kinds a change shows, plus source/article events
#: (the configuration validates ``on:`` against the same list)
ALL_KINDS: tuple[str, ...] = (
    "title_changed",
    "paragraphs_added",
    "paragraphs_removed",
    "paragraphs_modified",
    "silent_edit",
    "updated_stamp",
    "correction",
    "revert",
    "headline_test",
    "removed",
    "fetch_failing",
)

#: the ``on`` kind that admits each source/article event
EVENT_KINDS: dict[str, str] = {
    "source_failing": "fetch_failing",
    "extraction_broken": "fetch_failing",
    "recovered": "fetch_failing",
    "removed": "removed",
    "restored": "removed",  # an unpublished article came back: wanted with "removed"
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One configured alert rule, reduced to what routing needs."""

    name: str
    channels: tuple[str, ...]  # one per destination (an Apprise rule may have several)
    sources: tuple[str, ...] = ("*",)
    on: frozenset[str] = frozenset(ALL_KINDS)
    min_severity: str = "minor"
    digest_after: int | None = 5
    digest_seconds: float = 600.0

    def wants_source(self, source: str) -> bool:
        return any(fnmatchcase(source, pattern) for pattern in self.sources)

    def routes(self) -> list[AlertRoute]:
        return [AlertRoute(c, self.digest_after, self.digest_seconds) for c in self.channels]


class _Classified(Protocol):
    """What kinds are read from: ``models.Change`` and ``StoredChange`` both fit."""

    @property
    def title_changed(self) -> bool: ...
    @property
    def paragraphs_added(self) -> int: ...
    @property
    def paragraphs_removed(self) -> int: ...
    @property
    def paragraphs_modified(self) -> int: ...
    @property
    def silent(self) -> bool: ...
    @property
    def new_updated_stamp(self) -> datetime | None: ...
    @property
    def kind(self) -> str: ...


def change_kinds(change: _Classified) -> list[str]:
    """The ``on`` kinds a change shows (several at once for a typical live update)."""
    shown = {
        "title_changed": change.title_changed,
        "paragraphs_added": change.paragraphs_added > 0,
        "paragraphs_removed": change.paragraphs_removed > 0,
        "paragraphs_modified": change.paragraphs_modified > 0,
        "silent_edit": change.silent,
        "updated_stamp": change.new_updated_stamp is not None,
        # the change kinds judged against the whole history (judge/revisions, corrections)
        "correction": change.kind == "correction",
        "revert": change.kind == "revert",
        "headline_test": change.kind == "headline_test",
    }
    return [kind for kind, yes in shown.items() if yes]


def matches(rule: Rule, source: str, kinds: Iterable[str], severity: str) -> bool:
    """A rule fires when the source matches, one kind is wanted, and severity is enough."""
    return (
        rule.wants_source(source)
        and not rule.on.isdisjoint(kinds)
        and _SEVERITY_RANK.get(severity, 0) >= _SEVERITY_RANK[rule.min_severity]
    )


def route_change(rules: Sequence[Rule], source: str, change: Change) -> list[AlertRoute]:
    """The channels (with their digest limits) that get a delivery for this change."""
    kinds = change_kinds(change)
    return [
        r for rule in rules if matches(rule, source, kinds, change.severity) for r in rule.routes()
    ]


def route_events(rules: Sequence[Rule], source: str) -> dict[str, list[str]]:
    """For each event kind, the channels that want it for ``source`` (events are major)."""
    return {
        event: [
            channel
            for rule in rules
            if matches(rule, source, [kind], "major")
            for channel in rule.channels
        ]
        for event, kind in EVENT_KINDS.items()
    }
