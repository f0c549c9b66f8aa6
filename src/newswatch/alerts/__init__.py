"""Alerts: channels that deliver a change, and the dispatcher that drains the outbox."""

from __future__ import annotations

from collections.abc import Iterable

from newswatch.alerts.channels import Channel, DeliveryFailed, LogChannel, Poster, WebhookChannel
from newswatch.alerts.dispatch import Dispatcher, DispatchReport, RetryPolicy
from newswatch.config import AlertConfig, LogAlert, WebhookAlert

__all__ = [
    "Channel",
    "DeliveryFailed",
    "DispatchReport",
    "Dispatcher",
    "LogChannel",
    "RetryPolicy",
    "WebhookChannel",
    "build_channels",
]


def build_channels(channels: Iterable[tuple[str, AlertConfig]], post: Poster) -> dict[str, Channel]:
    """Channel objects for the configured alerts, keyed by their stable channel name."""
    built: dict[str, Channel] = {}
    for name, alert in channels:
        if isinstance(alert, LogAlert):
            built[name] = LogChannel(name)
        elif isinstance(alert, WebhookAlert):
            built[name] = WebhookChannel(
                name, str(alert.url), post, dict(alert.headers), float(alert.timeout)
            )
        else:  # pragma: no cover - the config union and this switch grow together
            raise TypeError(f"no channel for alert kind {alert.kind!r}")
    return built
