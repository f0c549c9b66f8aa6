"""``capture:``: which fetches are kept raw and for how long, globally and per source.

A block (``mode``, ``keep``, ``prune_versions``) or just the mode (``capture: off``). A
source's block overrides the global one key by key.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, field_validator

from newswatch.archive.retention import Retention
from newswatch.config.fields import FROZEN
from newswatch.config.units import parse_duration, show


def capture_block(value: Any) -> Any:
    """``capture: off`` (or ``every``, ``versions``) is the block ``{mode: off}``."""
    if value is False:
        return {"mode": "off"}
    if isinstance(value, str):
        return {"mode": value.strip()}
    return value


class CaptureConfig(BaseModel):
    """``mode``: versions (every fetch that made or confirmed a version; the default),
    every (every fetch that got a response), off; ``keep``: all (the default), a duration
    such as 90d, or versions (only the capture that made each version);
    ``prune_versions``: let ``keep: <duration>`` drop the capture a version points to."""

    model_config = FROZEN

    mode: Literal["versions", "every", "off"] | None = None
    keep: str | None = None
    prune_versions: bool | None = None

    @field_validator("keep", mode="before")
    @classmethod
    def _check_keep(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lower() in ("all", "versions"):
            return value.strip().lower()
        try:
            seconds = parse_duration(value)
        except ValueError:
            seconds = 0
        if seconds <= 0:
            raise ValueError(f"expected all, versions or a duration such as 90d, got {show(value)}")
        return value.strip() if isinstance(value, str) else f"{seconds:g}s"

    def over(self, base: Retention) -> Retention:
        """``base`` with what this block sets."""
        keep_seconds, versions_only = base.keep_seconds, base.versions_only
        if self.keep == "all":
            keep_seconds, versions_only = None, False
        elif self.keep == "versions":
            keep_seconds, versions_only = None, True
        elif self.keep is not None:
            keep_seconds, versions_only = parse_duration(self.keep), False
        return Retention(
            mode=self.mode if self.mode is not None else base.mode,
            keep_seconds=keep_seconds,
            versions_only=versions_only,
            prune_versions=(
                self.prune_versions if self.prune_versions is not None else base.prune_versions
            ),
        )
