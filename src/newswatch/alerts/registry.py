"""Alert channel kinds: kind -> how its channels are named and built, one entry per kind.

The configuration declares each kind's settings model (:mod:`newswatch.config.alerts`); this
registry says what a kind's settings become. Adding a channel kind is a settings model there
and an entry here: nothing switches on types, and alerts never import the configuration
(the settings are read through the small protocols below, which the config models fit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from newswatch.alerts.channels import Channel, LogChannel, Poster, WebhookChannel, Wording
from newswatch.errors import NewswatchError


class ChannelSettings(Protocol):
    """What every alert rule's settings carry: its kind and how its messages read."""

    @property
    def kind(self) -> str: ...
    @property
    def template(self) -> str | None: ...
    @property
    def subject(self) -> str | None: ...


class WebhookSettings(ChannelSettings, Protocol):
    @property
    def url(self) -> Any: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def timeout(self) -> float: ...
    @property
    def secret(self) -> str | None: ...


class EmailSettings(ChannelSettings, Protocol):
    @property
    def smtp(self) -> str: ...
    @property
    def from_(self) -> str: ...
    @property
    def to(self) -> tuple[str, ...]: ...
    @property
    def ca_file(self) -> str | None: ...
    @property
    def timeout(self) -> float: ...


class AppriseSettings(ChannelSettings, Protocol):
    @property
    def urls(self) -> Sequence[str]: ...


def _single(name: str, settings: Any) -> tuple[str, ...]:
    return (name,)


def _apprise_names(name: str, settings: AppriseSettings) -> tuple[str, ...]:
    """An Apprise rule with several URLs gets one channel (one outbox row) per URL, so a
    retry resends only to the service that failed."""
    if len(settings.urls) > 1:
        return tuple(f"{name}#{i}" for i in range(1, len(settings.urls) + 1))
    return (name,)


def _log(name: str, settings: ChannelSettings, post: Poster, wording: Wording) -> list[Channel]:
    return [LogChannel(name, wording)]


def _webhook(name: str, settings: WebhookSettings, post: Poster, wording: Wording) -> list[Channel]:
    return [
        WebhookChannel(
            name,
            str(settings.url),
            post,
            dict(settings.headers),
            float(settings.timeout),
            settings.secret or None,
            wording,
        )
    ]


def _email(name: str, settings: EmailSettings, post: Poster, wording: Wording) -> list[Channel]:
    from newswatch.alerts.email_channel import EmailChannel, SmtpServer  # smtplib, ssl: on use

    server = SmtpServer.parse(settings.smtp)
    return [
        EmailChannel(
            name,
            server,
            settings.from_,
            settings.to,
            float(settings.timeout),
            settings.ca_file,
            wording,
        )
    ]


def _apprise(name: str, settings: AppriseSettings, post: Poster, wording: Wording) -> list[Channel]:
    from newswatch.alerts.apprise_channel import AppriseChannel  # apprise is slow to import

    return [
        AppriseChannel(channel, url, wording)
        for channel, url in zip(_apprise_names(name, settings), settings.urls, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class ChannelKind:
    """One channel kind: its channels (one per name ``names`` gives) built from settings."""

    build: Callable[[str, Any, Poster, Wording], list[Channel]]
    names: Callable[[str, Any], tuple[str, ...]] = _single


CHANNEL_KINDS: dict[str, ChannelKind] = {
    "log": ChannelKind(_log),
    "webhook": ChannelKind(_webhook),
    "email": ChannelKind(_email),
    "apprise": ChannelKind(_apprise, _apprise_names),
}


def kind_of(settings: ChannelSettings) -> ChannelKind:
    found = CHANNEL_KINDS.get(settings.kind)
    if found is None:
        raise NewswatchError(f"no alert channel of kind {settings.kind!r}")
    return found


def channel_names(name: str, settings: ChannelSettings) -> tuple[str, ...]:
    """The channels (outbox rows) a rule named ``name`` delivers to."""
    return kind_of(settings).names(name, settings)


def build_channels(
    channels: Iterable[tuple[str, ChannelSettings]], post: Poster
) -> dict[str, Channel]:
    """Channel objects for the configured alerts, keyed by their stable channel name."""
    built: dict[str, Channel] = {}
    for name, settings in channels:
        wording = Wording(settings.template, settings.subject)
        for channel in kind_of(settings).build(name, settings, post, wording):
            built[channel.name] = channel
    return built
