"""Load and validate ``config.yaml``, pointing every problem at its file, line and field.

A daemon that refuses to start should say exactly why, once, for every mistake in the file:
PyYAML parses the text into a node tree (which keeps line numbers), pydantic validates the
plain data, and each pydantic error's ``loc`` is walked back down the node tree to the line
it came from. Messages are rewritten into plain words (``expected a duration like 30s, 10m
or 2h, got '10 minutes'``) and all problems are collected before raising one
:class:`~newswatch.errors.ConfigError`.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from newswatch.errors import ConfigError
from newswatch.extract.rules import ExtractRules, validate_selector
from newswatch.politeness import PolitenessSettings
from newswatch.schedule import SchedulePolicy
from newswatch.store.base import SourceSpec

__all__ = [
    "ALL_KINDS",
    "AlertConfig",
    "AppriseAlert",
    "ChangeKind",
    "Config",
    "DaemonConfig",
    "DigestConfig",
    "EmailAlert",
    "ExtractConfig",
    "FetchConfig",
    "LogAlert",
    "ScheduleConfig",
    "SourceConfig",
    "WebhookAlert",
    "default_config_path",
    "load_config",
    "parse_config",
    "parse_duration",
    "parse_listen",
    "parse_size",
]

ENV_CONFIG = "NEWSWATCH_CONFIG"
SourceKind = Literal["article", "feed", "sitemap", "index"]
DEFAULT_MAX_ARTICLES = 200
DEFAULT_FOLLOW_FOR = "2d"
Loc = tuple[int | str, ...]

# --------------------------------------------------------------------------- scalar parsers

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*", re.I)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_DURATION_HINT = "expected a duration like 30s, 10m or 2h"


def _show(value: object) -> str:
    """A value as the user wrote it in YAML, for 'got ...' in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "an empty list" if not value else "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


def parse_duration(value: str | int | float) -> float:
    """Seconds in ``value``: ``"30s"``, ``"10m"``, ``"1h30m"``, ``"90"`` or a bare number.

    Units are ms, s, m, h, d, w (lower case, so that ``M`` is never mistaken for months);
    a bare number means seconds. Raises ``ValueError`` with a plain-words message.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{_DURATION_HINT}, got {_show(value)}")
    if isinstance(value, int | float):
        if value < 0 or value != value:  # negative or NaN
            raise ValueError(f"{_DURATION_HINT}, got {_show(value)}")
        return float(value)
    text = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total, pos = 0.0, 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if match is None:
            raise ValueError(f"{_DURATION_HINT}, got {_show(value)}")
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if not text:
        raise ValueError(f"{_DURATION_HINT}, got {_show(value)}")
    return total


def parse_size(value: str | int) -> int:
    """Bytes in ``value``: an int or ``"512KB"``, ``"10MB"``, ``"1GiB"`` (binary multiples)."""
    hint = "expected a size in bytes like 512KB or 10MB"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{hint}, got {_show(value)}")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"expected a size greater than 0, got {value}")
        return value
    match = _SIZE.fullmatch(value)
    if match is None:
        raise ValueError(f"{hint}, got {_show(value)}")
    size = int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "")[:1].lower()])
    if size <= 0:
        raise ValueError(f"expected a size greater than 0, got {_show(value)}")
    return size


def _positive_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"expected a duration greater than 0s, got {_show(value)}")
    return seconds


def _http_url(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # pydantic's str check reports the wrong type
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in value.strip():
        raise ValueError(f"expected an absolute http(s) URL, got {_show(value)}")
    return value.strip()


def _plain_name(value: Any) -> Any:
    if isinstance(value, str) and (not value or re.search(r"[\s/]", value)):
        raise ValueError(f"expected a name without spaces or slashes, got {_show(value)}")
    return value


def _css_selector(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # pydantic's str check reports the wrong type
    problem = validate_selector(value)
    if problem is not None:
        raise ValueError(problem)
    return value.strip()


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(_positive_duration)]
Selector = Annotated[str, BeforeValidator(_css_selector)]


def parse_listen(value: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:9108`` for IPv6) as a (host, port) pair; ValueError if not."""
    hint = "expected host:port like 127.0.0.1:9108"
    host, sep, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{hint}, got {_show(value)}")
    return host, int(port)


def _listen(value: Any) -> Any:
    if isinstance(value, str):
        parse_listen(value)
        return value.strip()
    return value  # pydantic's str check reports the wrong type


Listen = Annotated[str, BeforeValidator(_listen)]
HttpURL = Annotated[str, BeforeValidator(_http_url)]
Name = Annotated[str, BeforeValidator(_plain_name)]


def _duplicates(names: list[object]) -> Iterator[tuple[int, int]]:
    """(index, first index) of every name already used earlier in ``names``."""
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if isinstance(name, str):
            if name in first:
                yield i, first[name]
            else:
                first[name] = i


# --------------------------------------------------------------------------- models

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ExtractConfig(BaseModel):
    """CSS rules for a site generic detection gets wrong: ``body`` (the element(s) holding
    the article), ``title`` (the headline element), ``drop`` (one selector or a list of
    elements removed before anything is read). Each selector is checked when loading."""

    model_config = _FROZEN

    body: Selector | None = None
    title: Selector | None = None
    drop: Annotated[tuple[Selector, ...], BeforeValidator(_one_or_many)] = ()

    def rules(self) -> ExtractRules:
        return ExtractRules(body=self.body, title=self.title, drop=list(self.drop))


def _retire_after(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip().lower() == "never"):
        return None
    return _positive_duration(value)


def _factor(low: float, high: float | None, what: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected {what}, got {_show(value)}")
        if value < low or (high is not None and value > high):
            raise ValueError(f"expected {what}, got {_show(value)}")
        return float(value)

    return check


class ScheduleConfig(BaseModel):
    """The adaptive re-check schedule (see :mod:`newswatch.schedule`); the floor is each
    source's ``interval``. Every key is optional: a source's block overrides the global one
    key by key."""

    model_config = _FROZEN

    adaptive: bool | None = None
    max_interval: Duration | None = None
    hot_period: Annotated[float, BeforeValidator(parse_duration)] | None = None
    quiet_fraction: (
        Annotated[float, BeforeValidator(_factor(0, 1, "a number from 0 to 1"))] | None
    ) = None
    backoff: Annotated[float, BeforeValidator(_factor(1, 10, "a number from 1 to 10"))] | None = (
        None
    )
    retire_after: Annotated[float | None, BeforeValidator(_retire_after)] = Field(
        default=None, validate_default=False
    )

    def over(self, base: SchedulePolicy) -> SchedulePolicy:
        """``base`` with the keys this block sets."""
        changes: dict[str, Any] = {
            key: value
            for key, value in self.model_dump(exclude_unset=True).items()
            if key != "retire_after" and value is not None
        }
        if "retire_after" in self.model_fields_set:
            changes["retire_after"] = self.retire_after
        return replace(base, **changes)


class SourceConfig(BaseModel):
    """One watched source: an article, or a feed/sitemap/index page whose links are followed."""

    model_config = _FROZEN

    name: Name
    url: HttpURL
    kind: SourceKind = "article"
    interval: str = "10m"
    timezone: str = "UTC"
    #: consecutive failed checks (any article) before one "source failing" alert
    failing_after: int = Field(default=3, ge=1)
    extract: ExtractConfig | None = None
    # discovery (feed, sitemap, index): which links, how many, how recent
    select: str | None = None  # index: CSS selector of the article links (or their boxes)
    pattern: str | None = None  # index (and feed/sitemap): regex the article URL must match
    max_articles: Annotated[int, Field(gt=0)] | None = None  # newest first; default 200
    follow_for: str | None = None  # ignore items the publisher dated longer ago; default 2d
    robots: bool = True  # false: the user has permission to watch this site regardless
    schedule: ScheduleConfig | None = None

    @field_validator("interval", mode="before")
    @classmethod
    def _check_interval(cls, value: Any) -> str:
        seconds = parse_duration(value)
        if seconds < 1:
            raise ValueError(f"expected a duration of at least 1s, got {_show(value)}")
        return value.strip() if isinstance(value, str) else f"{value:g}s"

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(value, zoneinfo.available_timezones(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"expected an IANA time zone like UTC or Asia/Riyadh, got {_show(value)}{hint}"
            ) from None
        return value

    @field_validator("select")
    @classmethod
    def _check_select(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("kind") not in ("index", None):
            raise ValueError("'select' applies to index sources (kind: index) only")
        from newswatch.extract.links import check_selector

        problem = check_selector(value)
        if problem is not None or not value.strip():
            raise ValueError(f"expected a CSS selector like 'article h2 a', got {_show(value)}")
        return value

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("kind") == "article":
            raise ValueError("'pattern' applies to feed, sitemap and index sources only")
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"expected a regular expression, got {_show(value)} ({exc})") from None
        return value

    @field_validator("max_articles", "follow_for", mode="before")
    @classmethod
    def _discovery_only(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("kind") == "article":
            raise ValueError(f"'{info.field_name}' applies to feed, sitemap and index sources only")
        if info.field_name == "follow_for" and value is not None:
            _positive_duration(value)
            return value.strip() if isinstance(value, str) else f"{value:g}s"
        return value

    @property
    def interval_seconds(self) -> float:
        return parse_duration(self.interval)

    def extract_rules(self) -> ExtractRules | None:
        """The CSS rules for this source's articles, or None to rely on detection."""
        return self.extract.rules() if self.extract is not None else None

    @property
    def discovers(self) -> bool:
        """Whether this source finds articles (feed, sitemap, index) rather than being one."""
        return self.kind != "article"

    @property
    def max_articles_or_default(self) -> int:
        return self.max_articles if self.max_articles is not None else DEFAULT_MAX_ARTICLES

    @property
    def follow_for_seconds(self) -> float:
        return parse_duration(self.follow_for or DEFAULT_FOLLOW_FOR)

    def spec(self) -> SourceSpec:
        """What the store needs to know of this source."""
        return SourceSpec(
            name=self.name,
            url=self.url,
            kind=self.kind,
            interval_seconds=self.interval_seconds,
            timezone=self.timezone,
        )


#: what an alert rule can ask for in ``on``: the change kinds, plus source/article events
ChangeKind = Literal[
    "title_changed",
    "paragraphs_added",
    "paragraphs_removed",
    "paragraphs_modified",
    "silent_edit",
    "updated_stamp",
    "removed",
    "fetch_failing",
]
ALL_KINDS: tuple[ChangeKind, ...] = typing.get_args(ChangeKind)


class DigestConfig(BaseModel):
    """After ``after`` alerts for one source within ``per``, the rest are grouped in digests."""

    model_config = _FROZEN

    after: int = Field(default=5, ge=0)
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

    model_config = _FROZEN

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
        return [value] if isinstance(value, str) else value


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


def _smtp_url(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(
            "expected smtp://[user:password@]host[:port] (STARTTLS) or smtps://... (TLS), "
            f"got {_show(value)}"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValueError(f"expected a port number in the SMTP URL, got {_show(value)}") from None
    return value.strip()


def _address(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", value.strip()):
        raise ValueError(f"expected an e-mail address like desk@example.org, got {_show(value)}")
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
        return [value] if isinstance(value, str) else value


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
        return [value] if isinstance(value, str) else value


# Add a new channel by writing its model and listing it here.
AlertConfig = Annotated[
    LogAlert | WebhookAlert | EmailAlert | AppriseAlert, Field(discriminator="kind")
]


class FetchConfig(BaseModel):
    """How pages are fetched: time and size bounds, the User-Agent sent."""

    model_config = _FROZEN

    timeout: Duration = 20.0
    max_bytes: Annotated[int, BeforeValidator(parse_size)] = 10 * 1024 * 1024
    user_agent: str | None = None
    # politeness (see newswatch.politeness); one budget per host, shared by all sources
    concurrency: Annotated[int, Field(ge=1, le=1000)] = 16
    per_host: Annotated[int, Field(ge=1, le=100)] = 2
    host_delay: Annotated[float, BeforeValidator(parse_duration)] = 1.0
    retries: Annotated[int, Field(ge=0, le=10)] = 2
    max_retry_wait: Annotated[float, BeforeValidator(parse_duration)] = 30.0
    robots: bool = True
    robots_ttl: Duration = 3600.0

    def politeness(self) -> PolitenessSettings:
        return PolitenessSettings(
            concurrency=self.concurrency,
            per_host=self.per_host,
            host_delay=self.host_delay,
            retries=self.retries,
            max_wait=self.max_retry_wait,
            robots=self.robots,
            robots_ttl=self.robots_ttl,
        )

    @property
    def timeout_seconds(self) -> float:
        """``timeout`` (already in seconds), named like ``SourceConfig.interval_seconds``."""
        return self.timeout


class ServeConfig(BaseModel):
    """The web view (``newswatch serve``): where it listens, and its optional access token."""

    model_config = _FROZEN

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    token: str | None = Field(default=None, min_length=8)


class DaemonConfig(BaseModel):
    """How the daemon holds its work: ``lease`` is how long a claimed check is reserved.

    A check abandoned by a killed daemon is redone once its lease expires, so the lease
    bounds the delay after a crash; it must outlast the slowest check (the fetch timeout).
    """

    model_config = _FROZEN

    lease: Duration = 300.0

    @field_validator("lease")
    @classmethod
    def _check_lease(cls, value: float) -> float:
        if value < 1:
            raise ValueError(f"expected a duration of at least 1s, got {value:g}s")
        return value


def _none_to_default(value: Any, default: Callable[[], Any]) -> Any:
    return default() if value is None else value


class Config(BaseModel):
    """The whole validated configuration, and the file it came from (``path``)."""

    model_config = _FROZEN

    database: str = "newswatch.db"
    sources: tuple[SourceConfig, ...] = Field(min_length=1)
    alerts: tuple[AlertConfig, ...] = (LogAlert(),)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    serve: ServeConfig = Field(default_factory=ServeConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    # where `newswatch run` serves /metrics and /health (host:port); off when unset
    metrics: Listen | None = None

    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    _path: Path = PrivateAttr(default=Path("config.yaml"))

    @field_validator("alerts", mode="before")
    @classmethod
    def _default_alerts(cls, value: Any) -> Any:
        return _none_to_default(value, lambda: (LogAlert(),))

    @field_validator("fetch", mode="before")
    @classmethod
    def _default_fetch(cls, value: Any) -> Any:
        return _none_to_default(value, FetchConfig)

    @field_validator("serve", mode="before")
    @classmethod
    def _default_serve(cls, value: Any) -> Any:
        return _none_to_default(value, ServeConfig)

    @field_validator("daemon", mode="before")
    @classmethod
    def _default_daemon(cls, value: Any) -> Any:
        return _none_to_default(value, DaemonConfig)

    @field_validator("schedule", mode="before")
    @classmethod
    def _default_schedule(cls, value: Any) -> Any:
        return _none_to_default(value, ScheduleConfig)

    @model_validator(mode="after")
    def _schedule_fits(self) -> Config:
        """A max_interval the user set must not be below a source's interval."""
        for i, source in enumerate(self.sources):
            own = source.schedule.max_interval if source.schedule else None
            chosen = own if own is not None else self.schedule.max_interval
            if chosen is not None and chosen < source.interval_seconds:
                raise PydanticCustomError(
                    "schedule_conflict",
                    "max_interval ({max}s) is below this source's interval ({interval}s)",
                    {
                        "index": i,
                        "where": "source" if own is not None else "global",
                        "max": f"{chosen:g}",
                        "interval": f"{source.interval_seconds:g}",
                    },
                )
        return self

    def schedule_for(self, name: str) -> SchedulePolicy:
        """The re-check policy of one source: defaults, global block, the source's block;
        its floor is the source's interval."""
        source = self.source(name)
        base = self.schedule.over(SchedulePolicy())
        if source is not None and source.schedule is not None:
            base = source.schedule.over(base)
        floor = source.interval_seconds if source is not None else base.min_interval
        return replace(base, min_interval=floor, max_interval=max(base.max_interval, floor))

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        for i, first in _duplicates([s.name for s in value]):
            raise _duplicate_error("sources", i, first, value[i].name)
        return value

    @field_validator("alerts")
    @classmethod
    def _unique_alerts(cls, value: tuple[AlertConfig, ...]) -> tuple[AlertConfig, ...]:
        for i, first in _duplicates([a.name for a in value]):
            raise _duplicate_error("alerts", i, first, value[i].name or "")
        return value

    @model_validator(mode="after")
    def _remember_path(self, info: ValidationInfo) -> Config:
        context = info.context if isinstance(info.context, dict) else {}
        if isinstance(context.get("path"), Path):
            self._path = context["path"]
        return self

    @property
    def path(self) -> Path:
        return self._path

    @property
    def database_path(self) -> Path:
        """``database`` resolved relative to the directory of the config file."""
        if self.database == ":memory:":
            return Path(self.database)
        return self._path.parent / Path(self.database).expanduser()

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def channels(self) -> list[tuple[str, AlertConfig]]:
        """Each alert with a stable channel name: its name, else kind, kind-2, kind-3 ..."""
        taken = {a.name for a in self.alerts if a.name}
        out: list[tuple[str, AlertConfig]] = []
        for alert in self.alerts:
            name = alert.name
            if name is None:
                name, n = alert.kind, 1
                while name in taken:
                    n += 1
                    name = f"{alert.kind}-{n}"
            taken.add(name)
            out.append((name, alert))
        return out


def _duplicate_error(field: str, index: int, first: int, name: str) -> PydanticCustomError:
    return PydanticCustomError(
        "duplicate_name",
        "duplicate name '{name}'",
        {"field": field, "index": index, "first": first, "name": name},
    )


# --------------------------------------------------------------------------- YAML node tree


@dataclass(frozen=True, slots=True)
class _Problem:
    """One problem before rendering: where (a loc path, or a line) and what."""

    loc: Loc
    message: str
    at_key: bool = False  # point at the key's line (unknown/duplicate keys), not the value's
    line: int | None = None
    first: Loc | None = None  # for duplicates: where the name was first used


def _field_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _child(node: yaml.Node, part: int | str) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node or item node, value node) for one step of a loc path, if the YAML has it."""
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return node.value[part], node.value[part]
    elif isinstance(node, yaml.MappingNode):
        for key, value in reversed(node.value):  # the last one wins, as in construction
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
    return None


def _tag_of(node: yaml.Node) -> str | None:
    found = _child(node, "kind")
    return found[1].value if found and isinstance(found[1], yaml.ScalarNode) else None


def _locate(root: yaml.Node, loc: Loc, at_key: bool) -> tuple[Loc, int]:
    """Walk ``loc`` down the node tree: the user-facing loc and the 1-based line.

    Where the YAML stops (a missing field), the line is that of the enclosing mapping.
    """
    node, key_node, shown, stopped = root, root, [], False
    for part in loc:
        if stopped:
            shown.append(part)
            continue
        found = _child(node, part)
        if found is None and isinstance(part, str) and _tag_of(node) == part:
            continue  # pydantic's discriminated-union tag: not a key in the YAML
        shown.append(part)
        if found is None:
            stopped = True
        else:
            key_node, node = found
    line = (key_node if at_key and not stopped else node).start_mark.line + 1
    return tuple(shown), line


def _duplicate_keys(node: yaml.Node, loc: Loc = (), seen: set[int] | None = None) -> list[_Problem]:
    """PyYAML keeps the last of two equal keys silently; report the later ones."""
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias to an anchor already walked
        return []
    seen.add(id(node))
    problems: list[_Problem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                continue
            line = key.start_mark.line + 1
            if key.value in first:
                problems.append(
                    _Problem(
                        (*loc, key.value),
                        f"duplicate key (first on line {first[key.value]})",
                        line=line,
                    )
                )
            else:
                first[key.value] = line
            problems += _duplicate_keys(value, (*loc, key.value), seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += _duplicate_keys(item, (*loc, i), seen)
    return problems


_BOOL_TAG = "tag:yaml.org,2002:bool"


def _keys_as_text(node: yaml.Node, seen: set[int] | None = None) -> None:
    """Keep every mapping key as written: YAML 1.1 reads the key ``on`` (of an alert rule's
    ``on: [title_changed]``) as the boolean true, and no key of this file is a boolean."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag == _BOOL_TAG:
                key.tag = "tag:yaml.org,2002:str"
            _keys_as_text(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _keys_as_text(item, seen)


# --------------------------------------------------------------------------- environment

_ENV = re.compile(r"\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _expand(data: Any, environ: Mapping[str, str], loc: Loc, problems: list[_Problem]) -> Any:
    """Replace ``${VAR}``/``${VAR:-default}`` in every string value; ``$${`` is a literal."""
    if isinstance(data, dict):
        return {k: _expand(v, environ, (*loc, k), problems) for k, v in data.items()}
    if isinstance(data, list):
        return [_expand(v, environ, (*loc, i), problems) for i, v in enumerate(data)]
    if not isinstance(data, str) or "${" not in data:
        return data

    def substitute(match: re.Match[str]) -> str:
        escaped, var, default = match.groups()
        if escaped:
            return match.group(0)[1:]
        value = environ.get(var)
        if value:
            return value
        if default is not None:
            return default
        if value is None:
            problems.append(
                _Problem(
                    loc, f"environment variable {var} is not set (or write ${{{var}:-default}})"
                )
            )
        return ""

    return _ENV.sub(substitute, data)


# --------------------------------------------------------------------------- pydantic errors


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return members[0] if len(members) == 1 else tuple(members)
    return tp


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (for unknown-key hints)."""
    tp: Any = Config
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, tuple):  # a discriminated union: ``part`` is the tag
            tp = next((m for m in tp if m.model_fields["kind"].default == part), None)
            continue
        if isinstance(part, int) and typing.get_origin(tp) in (list, tuple):
            tp = typing.get_args(tp)[0]
        elif isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
            tp = tp.model_fields[str(part)].annotation
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unknown_key(loc: Loc) -> str:
    model = _model_at(loc[:-1])
    allowed = list(model.model_fields) if model else []
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return f"unknown key; expected one of {', '.join(allowed)}" if allowed else "unknown key"


_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _from_pydantic(err: Mapping[str, Any]) -> _Problem | None:
    """Rewrite one pydantic error in plain words, with the loc the user would recognise."""
    kind, loc, ctx = err["type"], tuple(err["loc"]), err.get("ctx") or {}
    got = _show(err.get("input"))
    if kind == "missing":
        return _Problem(loc, "required field missing")
    if kind == "extra_forbidden":
        return _Problem(loc, _unknown_key(loc), at_key=True)
    if kind in _TYPE_WORDS:
        return _Problem(loc, f"expected {_TYPE_WORDS[kind]}, got {got}")
    if kind == "literal_error":
        options = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return _Problem(loc, f"expected one of {options}, got {got}")
    if kind == "union_tag_invalid":
        options = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected_tags", ""))))
        return _Problem((*loc, "kind"), f"expected one of {options}, got {_show(ctx['tag'])}")
    if kind == "union_tag_not_found":
        options = ", ".join(str(m.model_fields["kind"].default) for m in _ALERTS)
        return _Problem((*loc, "kind"), f"required field missing (one of {options})")
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        relation = "greater than" if kind == "greater_than" else "at least"
        return _Problem(loc, f"expected a number {relation} {bound}, got {got}")
    if kind == "too_short" and err.get("input"):
        return None  # some items were invalid: each is reported on its own
    if kind == "too_short" and loc == ("sources",):
        return _Problem(loc, f"expected at least one source, got {got}")
    if kind == "too_short":
        return _Problem(loc, f"expected at least {ctx.get('min_length', 1)} entry, got {got}")
    if kind == "schedule_conflict":
        loc = ("sources", ctx["index"], "interval")
        if ctx.get("where") == "source":
            loc = ("sources", ctx["index"], "schedule", "max_interval")
        return _Problem(loc, str(err["msg"]))
    if kind == "duplicate_name":
        field = ctx["field"]
        return _Problem(
            (field, ctx["index"], "name"),
            f"duplicate name {ctx['name']!r}",
            first=(field, ctx["first"], "name"),
        )
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return _Problem(loc, str(ctx["error"]))
    return _Problem(loc, str(err["msg"]))


_ALERTS: tuple[type[BaseModel], ...] = typing.get_args(typing.get_args(AlertConfig)[0])


def _cross_checks(data: dict[str, Any]) -> list[_Problem]:
    """Duplicate names, found on the raw data so they are reported with every other problem.

    The models check the same on their own (for configs built in code), but only once the
    rest of the list is valid.
    """
    problems: list[_Problem] = []
    for field in ("sources", "alerts"):
        items = data.get(field)
        if isinstance(items, list):
            names = [item.get("name") if isinstance(item, dict) else None for item in items]
            for i, first in _duplicates(names):
                problems.append(
                    _Problem(
                        (field, i, "name"),
                        f"duplicate name {names[i]!r}",
                        first=(field, first, "name"),
                    )
                )
    return problems


# --------------------------------------------------------------------------- public API


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$NEWSWATCH_CONFIG`` if set, else ``./config.yaml``."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_CONFIG)
    return Path(value).expanduser() if value else Path("config.yaml")


def load_config(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> Config:
    """Read and validate a config file; raises :class:`ConfigError` listing every problem."""
    shown = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(shown, [f"{shown}: file not found"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(shown, [f"{shown}: not UTF-8 text ({exc.reason})"]) from None
    except OSError as exc:
        raise ConfigError(shown, [f"{shown}: cannot read: {exc.strerror or exc}"]) from None
    return parse_config(text, shown, environ=environ)


def _yaml_problem(shown: str, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context and problem.startswith("but "):
        problem = f"{context}, {problem}"
    where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark is not None else shown
    return f"{where}: invalid YAML: {problem}"


def parse_config(
    text: str, path: str = "config.yaml", *, environ: Mapping[str, str] | None = None
) -> Config:
    """Validate config text; ``path`` names the file in messages and anchors ``database``."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError(path, [f"{path}: the file is empty; expected a 'sources' list"])
        problems = _duplicate_keys(root)
        _keys_as_text(root)
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise ConfigError(path, [_yaml_problem(path, exc)]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        message = f"expected a mapping (database, sources, alerts, fetch), got {_show(data)}"
        raise ConfigError(path, [f"{path}:{root.start_mark.line + 1}: {message}"])

    # top-level ``x-...`` keys hold YAML anchors for reuse (as in Compose files): not settings
    data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    data = _expand(data, os.environ if environ is None else environ, (), problems)
    problems += _cross_checks(data)
    config: Config | None = None
    try:
        config = Config.model_validate(data, context={"path": Path(path)})
    except ValidationError as exc:
        problems += [p for p in map(_from_pydantic, exc.errors()) if p is not None]
    if problems or config is None:
        raise ConfigError(path, _render(path, root, problems))
    return config


def _render(shown: str, root: yaml.Node, problems: list[_Problem]) -> list[str]:
    """One line per problem, ordered by line, without repeats."""
    rendered: list[tuple[int, str]] = []
    for problem in problems:
        loc, line = problem.loc, problem.line
        if line is None:
            loc, line = _locate(root, problem.loc, problem.at_key)
        message = problem.message
        if problem.first is not None:
            message += f" (first used on line {_locate(root, problem.first, False)[1]})"
        where = f"{shown}:{line}"
        field = _field_path(loc)
        rendered.append((line, f"{where}: {field}: {message}" if field else f"{where}: {message}"))
    out: list[str] = []
    for _line, message in sorted(rendered, key=lambda item: item[0]):
        if message not in out:
            out.append(message)
    return out
