"""The :class:`Config` root: the whole file, its cross-field checks and lookups."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from newswatch.archive.retention import Retention
from newswatch.config.alerts import AlertConfig, LogAlert
from newswatch.config.capture import CaptureConfig, capture_block
from newswatch.config.fields import FROZEN, Listen
from newswatch.config.settings import DaemonConfig, FetchConfig, ScheduleConfig, ServeConfig
from newswatch.config.sources import SourceConfig
from newswatch.schedule import SchedulePolicy
from newswatch.store import locate_database as locate
from newswatch.store import shown_database_url as shown


def duplicate_names(names: list[object]) -> Iterator[tuple[int, int]]:
    """(index, first index) of every name already used earlier in ``names``."""
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if isinstance(name, str):
            if name in first:
                yield i, first[name]
            else:
                first[name] = i


def _none_to_default(value: Any, default: Callable[[], Any]) -> Any:
    return default() if value is None else value


class Config(BaseModel):
    """The whole validated configuration, and the file it came from (``path``)."""

    model_config = FROZEN

    database: str = "newswatch.db"
    sources: tuple[SourceConfig, ...] = Field(min_length=1)
    alerts: tuple[AlertConfig, ...] = (LogAlert(),)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    serve: ServeConfig = Field(default_factory=ServeConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    # where `newswatch run` serves /metrics and /health (host:port); off when unset
    metrics: Listen | None = None

    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    capture: Annotated[CaptureConfig, BeforeValidator(capture_block)] = Field(
        default_factory=CaptureConfig
    )
    _path: Path = PrivateAttr(default=Path("config.yaml"))
    # name -> source, built on the first lookup (for the sources it was built from, so a
    # copy with other sources builds its own): start-up asks once per source (schedule,
    # capture), and a scan per lookup was quadratic (a sixth of start-up at 1,000 sources)
    _by_name: tuple[tuple[SourceConfig, ...], dict[str, SourceConfig]] | None = PrivateAttr(
        default=None
    )

    @field_validator("database")
    @classmethod
    def _database_location(cls, value: str) -> str:
        """A path, ``sqlite:///path`` or ``postgresql://...`` (see newswatch.store.location)."""
        try:
            location = locate(value)
        except ValueError as exc:
            raise PydanticCustomError("database_url", str(exc)) from None
        if location.kind == "sqlite" and (location.path or "").strip() in (":memory:", ""):
            raise PydanticCustomError(
                "database_url",
                "an in-memory database would lose the whole history when newswatch stops;"
                " name a file, like newswatch.db",
            )
        return value

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

    def capture_for(self, name: str) -> Retention:
        """One source's capture mode and retention: defaults, global block, its own."""
        return _capture_of(self.source(name), self.capture.over(Retention()))

    def captures(self) -> dict[str, Retention]:
        """:meth:`capture_for` of every source, by name (the global block read once)."""
        base = self.capture.over(Retention())
        return {s.name: _capture_of(s, base) for s in self.sources}

    def schedule_for(self, name: str) -> SchedulePolicy:
        """The re-check policy of one source: defaults, global block, the source's block;
        its floor is the source's interval."""
        source = self.source(name)
        base = self.schedule.over(SchedulePolicy())
        if source is None:
            return replace(base, max_interval=max(base.max_interval, base.min_interval))
        return _schedule_of(source, base, {})

    def schedules(self) -> dict[str, SchedulePolicy]:
        """:meth:`schedule_for` of every source, by name. The global block is put over the
        defaults once and sources without a block of their own share the policy of their
        interval: per source, that was most of start-up's wiring at 1,000 sources."""
        base = self.schedule.over(SchedulePolicy())
        shared: dict[float, SchedulePolicy] = {}
        return {s.name: _schedule_of(s, base, shared) for s in self.sources}

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        for i, first in duplicate_names([s.name for s in value]):
            raise _duplicate_error("sources", i, first, value[i].name)
        return value

    @field_validator("alerts")
    @classmethod
    def _unique_alerts(cls, value: tuple[AlertConfig, ...]) -> tuple[AlertConfig, ...]:
        for i, first in duplicate_names([a.name for a in value]):
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
    def database_url(self) -> str:
        """What the store opens: the SQLite file resolved relative to the directory of the
        config file, or the PostgreSQL URL."""
        return locate(self.database).resolved(self._path.parent)

    @property
    def database_path(self) -> Path | None:
        """The SQLite file, resolved relative to the directory of the config file (None:
        the database is a PostgreSQL server)."""
        location = locate(self.database)
        return Path(location.resolved(self._path.parent)) if location.kind == "sqlite" else None

    @property
    def database_shown(self) -> str:
        """The database as messages show it: the file, or the URL without its password."""
        return shown(self.database_url)

    def source(self, name: str) -> SourceConfig | None:
        if self._by_name is None or self._by_name[0] is not self.sources:
            # names are unique (validated)
            self._by_name = (self.sources, {s.name: s for s in self.sources})
        return self._by_name[1].get(name)

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


def _capture_of(source: SourceConfig | None, base: Retention) -> Retention:
    if source is not None and source.capture is not None:
        return source.capture.over(base)
    return base


def _schedule_of(
    source: SourceConfig, base: SchedulePolicy, shared: dict[float, SchedulePolicy]
) -> SchedulePolicy:
    """``base`` with the source's block and its interval as the floor; ``shared`` keeps
    the policy of each interval for the sources without a block."""
    floor = source.interval_seconds
    if source.schedule is None and floor in shared:
        return shared[floor]
    own = source.schedule.over(base) if source.schedule is not None else base
    policy = replace(own, min_interval=floor, max_interval=max(own.max_interval, floor))
    if source.schedule is None:
        shared[floor] = policy
    return policy


def _duplicate_error(field: str, index: int, first: int, name: str) -> PydanticCustomError:
    return PydanticCustomError(
        "duplicate_name",
        "duplicate name '{name}'",
        {"field": field, "index": index, "first": first, "name": name},
    )
