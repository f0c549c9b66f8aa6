"""The global setting blocks: ``schedule``, ``fetch``, ``serve`` and ``daemon``.

Each block is optional in the file and turns into the settings object its module consumes
(:class:`~newswatch.schedule.SchedulePolicy`, :class:`~newswatch.politeness.PolitenessSettings`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from newswatch.config.fields import FROZEN, Duration, positive_duration
from newswatch.config.units import parse_duration, parse_size, show
from newswatch.fetch.scope import parse_entry
from newswatch.politeness import PolitenessSettings
from newswatch.schedule import SchedulePolicy


def _retire_after(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip().lower() == "never"):
        return None
    return positive_duration(value)


def _factor(low: float, high: float | None, what: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected {what}, got {show(value)}")
        if value < low or (high is not None and value > high):
            raise ValueError(f"expected {what}, got {show(value)}")
        return float(value)

    return check


class ScheduleConfig(BaseModel):
    """The adaptive re-check schedule (see :mod:`newswatch.schedule`); the floor is each
    source's ``interval``. Every key is optional: a source's block overrides the global one
    key by key."""

    model_config = FROZEN

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


#: the longest confirmation wait accepted: a check holds its lease while it waits
MAX_CONFIRM = 60.0


def _confirm_delay(value: Any) -> Any:
    """``fetch.confirm``: a duration up to a minute, or 0 / ``off`` / ``false`` (never)."""
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "no")):
        return 0.0
    seconds = parse_duration(value)
    if seconds > MAX_CONFIRM:
        raise ValueError(f"expected at most {MAX_CONFIRM:g}s (or off), got {seconds:g}s")
    return seconds


MAX_ALLOW = 100  # entries of fetch.allow; an allow-list longer than this is a mistake


def _allow_list(value: Any) -> Any:
    """``fetch.allow``: hosts, host:port pairs or address blocks, each checked here."""
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(f"expected a list of host, host:port or address blocks, got {show(value)}")
    if len(value) > MAX_ALLOW:
        raise ValueError(f"expected at most {MAX_ALLOW} entries, got {len(value)}")
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"expected host, host:port or an address block, got {show(item)}")
        parse_entry(item)  # raises ValueError saying what is wrong
    return tuple(item.strip() for item in value)


class FetchConfig(BaseModel):
    """How pages are fetched: time and size bounds, the User-Agent sent, and ``allow``:
    the non-public places (beyond the sources' own hosts and ports) pages may point at."""

    model_config = FROZEN

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
    # wait this long, then fetch a small change once more before recording it (0/off: never)
    confirm: Annotated[float, BeforeValidator(_confirm_delay)] = 2.0
    allow: Annotated[tuple[str, ...], BeforeValidator(_allow_list)] = ()

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

    model_config = FROZEN

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    token: str | None = Field(default=None, min_length=8)


class DaemonConfig(BaseModel):
    """How the daemon holds its work: ``lease`` is how long a claimed check is reserved.

    A check abandoned by a killed daemon is redone once its lease expires, so the lease
    bounds the delay after a crash; it must outlast the slowest check (the fetch timeout).
    """

    model_config = FROZEN

    lease: Duration = 300.0

    @field_validator("lease")
    @classmethod
    def _check_lease(cls, value: float) -> float:
        if value < 1:
            raise ValueError(f"expected a duration of at least 1s, got {value:g}s")
        return value
