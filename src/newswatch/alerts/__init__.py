"""Alerts: routing rules, messages, channels, and the dispatcher that drains the outbox."""

from __future__ import annotations

from newswatch.alerts.channels import (
    SIGNATURE_HEADER,
    Channel,
    DeliveryFailed,
    LogChannel,
    PermanentFailure,
    WebhookChannel,
    sign,
)
from newswatch.alerts.dispatch import Dispatcher, DispatchReport, RetryPolicy
from newswatch.alerts.message import Alert
from newswatch.alerts.registry import CHANNEL_KINDS, ChannelKind, build_channels, channel_names
from newswatch.alerts.rules import rules_of
from newswatch.judge.routing import Rule, route_change, route_events

__all__ = [
    "CHANNEL_KINDS",
    "SIGNATURE_HEADER",
    "Alert",
    "Channel",
    "ChannelKind",
    "DeliveryFailed",
    "DispatchReport",
    "Dispatcher",
    "LogChannel",
    "PermanentFailure",
    "RetryPolicy",
    "Rule",
    "WebhookChannel",
    "build_channels",
    "channel_names",
    "route_change",
    "route_events",
    "rules_of",
    "sign",
]
