"""The clock, injected wherever time matters so tests and simulations can drive it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: now, timezone-aware, in UTC."""
    return datetime.now(UTC)


#: how far past now a recorded time may lie before the clock that wrote it is taken to have
#: been wrong (several hosts' clocks differ by a little; a jump is much more)
CLOCK_SKEW_SECONDS = 300.0
