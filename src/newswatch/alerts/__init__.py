"""Alerts: routing rules, messages, channels, and the dispatcher that drains the outbox."""

from __future__ import annotations

from collections.abc import Iterable

from newswatch.alerts.channels import (
    SIGNATURE_HEADER,
    Channel,
    DeliveryFailed,
    LogChannel,
    PermanentFailure,
    Poster,
    WebhookChannel,
    Wording,
    sign,
)
from newswatch.alerts.dispatch import Dispatcher, DispatchReport, RetryPolicy
from newswatch.alerts.message import Alert
from newswatch.alerts.routing import Rule, channel_names, route_change, route_events, rules_of
from newswatch.config import AlertConfig, AppriseAlert, EmailAlert, LogAlert, WebhookAlert

__all__ = [
    "SIGNATURE_HEADER",
    "Alert",
    "Channel",
    "DeliveryFailed",
    "DispatchReport",
    "Dispatcher",
    "LogChannel",
    "PermanentFailure",
    "RetryPolicy",
    "Rule",
    "WebhookChannel",
    "build_channels",
    "route_change",
    "route_events",
    "rules_of",
    "sign",
]


def build_channels(channels: Iterable[tuple[str, AlertConfig]], post: Poster) -> dict[str, Channel]:
    """Channel objects for the configured alerts, keyed by their stable channel name
    (an Apprise rule with several URLs gives one channel per URL)."""
    built: dict[str, Channel] = {}
    for name, alert in channels:
        wording = Wording(alert.template, alert.subject)
        if isinstance(alert, LogAlert):
            built[name] = LogChannel(name, wording)
        elif isinstance(alert, WebhookAlert):
            built[name] = WebhookChannel(
                name,
                str(alert.url),
                post,
                dict(alert.headers),
                float(alert.timeout),
                alert.secret or None,
                wording,
            )
        elif isinstance(alert, EmailAlert):
            from newswatch.alerts.email_channel import EmailChannel, SmtpServer

            built[name] = EmailChannel(
                name,
                SmtpServer.parse(alert.smtp),
                alert.from_,
                alert.to,
                float(alert.timeout),
                alert.ca_file,
                wording,
            )
        elif isinstance(alert, AppriseAlert):
            from newswatch.alerts.apprise_channel import AppriseChannel

            for channel, url in zip(channel_names(name, alert), alert.urls, strict=True):
                built[channel] = AppriseChannel(channel, url, wording)
        else:  # pragma: no cover - the config union and this switch grow together
            raise TypeError(f"no channel for alert kind {alert.kind!r}")
    return built
