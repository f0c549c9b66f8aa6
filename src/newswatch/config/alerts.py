"""Alert rules (``alerts:`` entries): what each routes, and one model per delivery channel.

Templates, SMTP URLs, addresses and Apprise URLs are checked when the file is loaded, so a
typo is reported at start-up rather than when the first alert goes out.
"""

from __future__ import annotations

import re
import typing
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from newswatch.config.fields import FROZEN, Duration, HttpURL, Name, one_or_many
from newswatch.config.units import show

_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_BREAK = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

#: what an alert rule can ask for in ``on``: the change kinds, plus source/article events
#: (the same list as routing's, :data:`newswatch.judge.routing.ALL_KINDS`; a test holds them
#: together)
ChangeKind = Literal[
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
]
ALL_KINDS: tuple[ChangeKind, ...] = typing.get_args(ChangeKind)


class DigestConfig(BaseModel):
    """After ``after`` alerts for one source within ``per``, the rest are grouped in digests."""

    model_config = FROZEN

    after: int = Field(default=5, ge=0, le=1_000_000)
    per: Duration = 600.0


def _template(value: Any) -> Any:
    """Jinja2 syntax is checked when the file is loaded, not when the first alert goes out."""
    if isinstance(value, str):
        from newswatch.templating import check_template

        check_template(value)
    return value


Template = Annotated[str, BeforeValidator(_template)]


class _AlertBase(BaseModel):
    """Fields every alert rule has: its name, what it routes, how its messages read."""

    model_config = FROZEN

    name: Name | None = None
    sources: tuple[str, ...] = ("*",)
    on: tuple[ChangeKind, ...] = ALL_KINDS
    min_severity: Literal["minor", "major"] = "minor"
    template: Template | None = None
    subject: Template | None = None
    digest: DigestConfig | None = Field(default_factory=DigestConfig)

    @field_validator("sources", "on", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return one_or_many(value)


class LogAlert(_AlertBase):
    """Write each change to the log (the default channel)."""

    kind: Literal["log"] = "log"


class WebhookAlert(_AlertBase):
    """POST each change as JSON to ``url``, signed with ``secret`` when one is given."""

    kind: Literal["webhook"] = "webhook"
    url: HttpURL
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: Duration = 10.0
    secret: str | None = None

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        """Header names are HTTP tokens and values one line: a CR/LF would let the value
        write headers (or a body) of its own."""
        for name, text in value.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"expected a header name like X-Token, got {show(name)}")
            if _HEADER_BREAK.search(text):
                raise ValueError(f"the value of header {name} has a line break or control byte")
        return value


def _smtp_url(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(
            "expected smtp://[user:password@]host[:port] (STARTTLS) or smtps://... (TLS), "
            f"got {show(value)}"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValueError(f"expected a port number in the SMTP URL, got {show(value)}") from None
    return value.strip()


def _address(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", value.strip()):
        raise ValueError(f"expected an e-mail address like desk@example.org, got {show(value)}")
    return value.strip() if isinstance(value, str) else value


Address = Annotated[str, BeforeValidator(_address)]


class EmailAlert(_AlertBase):
    """Send each change as a plain-text e-mail through an SMTP server."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    kind: Literal["email"] = "email"
    smtp: Annotated[str, BeforeValidator(_smtp_url)]
    from_: Address = Field(alias="from")
    to: tuple[Address, ...] = Field(min_length=1)
    ca_file: str | None = None
    timeout: Duration = 30.0

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many_to(cls, value: Any) -> Any:
        return one_or_many(value)


def _apprise_url(value: Any) -> Any:
    if isinstance(value, str):
        from newswatch.alerts.apprise_channel import check_apprise_url

        check_apprise_url(value)
    return value


class AppriseAlert(_AlertBase):
    """Hand each change to Apprise: Slack, Telegram, Matrix, Discord, ntfy, e-mail, ..."""

    kind: Literal["apprise"] = "apprise"
    urls: tuple[Annotated[str, BeforeValidator(_apprise_url)], ...] = Field(min_length=1)

    @field_validator("urls", mode="before")
    @classmethod
    def _one_or_many_urls(cls, value: Any) -> Any:
        return one_or_many(value)


# Add a new channel kind by writing its model, listing it here and registering what its
# settings build in newswatch.alerts.registry.
AlertConfig = Annotated[
    LogAlert | WebhookAlert | EmailAlert | AppriseAlert, Field(discriminator="kind")
]

#: the channel models, for messages that list the valid kinds
ALERT_MODELS: tuple[type[BaseModel], ...] = typing.get_args(typing.get_args(AlertConfig)[0])
#: kind -> its settings model
ALERT_KINDS: dict[str, type[BaseModel]] = {
    model.model_fields["kind"].default: model for model in ALERT_MODELS
}
