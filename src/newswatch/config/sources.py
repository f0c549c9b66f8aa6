"""One watched source (``sources:`` entries) and its per-site extraction rules."""

from __future__ import annotations

import difflib
import re
import typing
import zoneinfo
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator

from newswatch.config.capture import CaptureConfig, capture_block
from newswatch.config.fields import (
    FROZEN,
    HttpURL,
    Name,
    Selector,
    one_or_many,
    positive_duration,
)
from newswatch.config.settings import ScheduleConfig
from newswatch.config.units import parse_duration, seconds_text, show
from newswatch.extract.rules import ExtractRules
from newswatch.store import SourceSpec
from newswatch.urls import redact_credentials

SourceKind = Literal["article", "feed", "sitemap", "index"]
#: every kind a source may be (all but ``article`` are read by a discovery kind,
#: :data:`newswatch.discover.kinds.DISCOVERY_KINDS`)
SOURCE_KINDS: tuple[str, ...] = typing.get_args(SourceKind)
DEFAULT_MAX_ARTICLES = 200
DEFAULT_FOLLOW_FOR = "2d"


class ExtractConfig(BaseModel):
    """CSS rules for a site generic detection gets wrong: ``body`` (the element(s) holding
    the article), ``title`` (the headline element), ``drop`` (one selector or a list of
    elements removed before anything is read). Each selector is checked when loading."""

    model_config = FROZEN

    body: Selector | None = None
    title: Selector | None = None
    drop: Annotated[tuple[Selector, ...], BeforeValidator(one_or_many)] = ()

    def rules(self) -> ExtractRules:
        return ExtractRules(body=self.body, title=self.title, drop=list(self.drop))


class SourceConfig(BaseModel):
    """One watched source: an article, or a feed/sitemap/index page whose links are followed."""

    model_config = FROZEN

    name: Name
    url: HttpURL
    kind: SourceKind = "article"
    interval: str = "10m"
    timezone: str = "UTC"
    #: consecutive failed checks (any article) before one "source failing" alert
    failing_after: int = Field(default=3, ge=1, le=10_000)
    extract: ExtractConfig | None = None
    # discovery (feed, sitemap, index): which links, how many, how recent
    select: str | None = None  # index: CSS selector of the article links (or their boxes)
    pattern: str | None = None  # index (and feed/sitemap): regex the article URL must match
    max_articles: Annotated[int, Field(gt=0, le=1_000_000)] | None = (
        None  # newest first; default 200
    )
    follow_for: str | None = None  # ignore items the publisher dated longer ago; default 2d
    robots: bool = True  # false: the user has permission to watch this site regardless
    schedule: ScheduleConfig | None = None
    capture: Annotated[CaptureConfig | None, BeforeValidator(capture_block)] = None

    @field_validator("interval", mode="before")
    @classmethod
    def _check_interval(cls, value: Any) -> str:
        seconds = parse_duration(value)
        if seconds < 1:
            raise ValueError(f"expected a duration of at least 1s, got {show(value)}")
        return value.strip() if isinstance(value, str) else seconds_text(value)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(value, zoneinfo.available_timezones(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"expected an IANA time zone like UTC or Asia/Riyadh, got {show(value)}{hint}"
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
            raise ValueError(f"expected a CSS selector like 'article h2 a', got {show(value)}")
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
            raise ValueError(f"expected a regular expression, got {show(value)} ({exc})") from None
        return value

    @field_validator("max_articles", "follow_for", mode="before")
    @classmethod
    def _discovery_only(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("kind") == "article":
            raise ValueError(f"'{info.field_name}' applies to feed, sitemap and index sources only")
        if info.field_name == "follow_for" and value is not None:
            positive_duration(value)
            return value.strip() if isinstance(value, str) else seconds_text(value)
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
        """What the store needs to know of this source (a password in the URL as ``***``:
        the fetcher alone holds it, see :func:`newswatch.fetch.scope.configured_credentials`)."""
        return SourceSpec(
            name=self.name,
            url=redact_credentials(self.url),
            kind=self.kind,
            interval_seconds=self.interval_seconds,
            timezone=self.timezone,
        )
