"""Alert rules from their settings: what each configured rule routes, to which channels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from newswatch.alerts.registry import ChannelSettings, channel_names
from newswatch.judge.routing import Rule


class DigestSettings(Protocol):
    @property
    def after(self) -> int: ...
    @property
    def per(self) -> float: ...


class RuleSettings(ChannelSettings, Protocol):
    """What an alert rule's settings say about routing (the config models fit)."""

    @property
    def sources(self) -> tuple[str, ...]: ...
    @property
    def on(self) -> Sequence[str]: ...
    @property
    def min_severity(self) -> str: ...
    @property
    def digest(self) -> DigestSettings | None: ...


def rules_of(channels: Iterable[tuple[str, RuleSettings]]) -> list[Rule]:
    """The routing rules of the configured alerts (``Config.channels()``)."""
    rules = []
    for name, alert in channels:
        digest = alert.digest
        rules.append(
            Rule(
                name=name,
                channels=channel_names(name, alert),
                sources=alert.sources or ("*",),
                on=frozenset(alert.on),
                min_severity=alert.min_severity,
                digest_after=digest.after if digest is not None else None,
                digest_seconds=digest.per if digest is not None else 0.0,
            )
        )
    return rules
