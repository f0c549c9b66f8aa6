"""Is newswatch healthy? One pure verdict shared by ``newswatch health`` and ``/health``.

Healthy means the database answers, no due check has waited longer than ``max_lag``, and
something was checked recently: a daemon that died, hangs or cannot keep up shows up as a
growing lag, whatever the cause. The lag alone can be fooled: a clock that once ran ahead
pushed due times into the future, and then nothing looks overdue while nothing is checked.
So the last check must also be no older than ``max_quiet`` (the longest re-check interval
plus the lag allowed), and not in the future (a check recorded by a wrong clock).
Failing sources do not make the service unhealthy (a dead news site is not our outage);
they are reported so an operator sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newswatch.clock import CLOCK_SKEW_SECONDS
from newswatch.models import iso
from newswatch.store import StoreStats

DEFAULT_MAX_LAG_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Health:
    healthy: bool
    reason: str
    check_lag_seconds: float
    last_check_at: datetime | None
    articles: int
    failing: int
    pending_alerts: int
    failed_alerts: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "reason": self.reason,
            "check_lag_seconds": round(self.check_lag_seconds, 1),
            "last_check_at": iso(self.last_check_at),
            "articles": self.articles,
            "failing": self.failing,
            "pending_alerts": self.pending_alerts,
            "failed_alerts": self.failed_alerts,
        }

    def line(self) -> str:
        return (
            f"{'ok' if self.healthy else 'UNHEALTHY'}: {self.reason}; {self.articles} article(s),"
            f" {self.failing} failing; alerts pending {self.pending_alerts},"
            f" failed {self.failed_alerts}"
        )


def judge(
    stats: StoreStats,
    max_lag_seconds: float = DEFAULT_MAX_LAG_SECONDS,
    *,
    now: datetime | None = None,
    max_quiet_seconds: float | None = None,
) -> Health:
    """The verdict on ``stats`` read at ``now``; ``max_quiet_seconds`` (None: not judged)
    is how long the whole watch may go without one check."""
    lag = stats.check_lag_seconds
    healthy, reason = True, f"check lag {lag:.0f}s"
    last = stats.last_check_at
    quiet = (now - last).total_seconds() if now is not None and last is not None else None
    if lag > max_lag_seconds:
        healthy, reason = False, f"checks overdue by {lag:.0f}s (limit {max_lag_seconds:.0f}s)"
    elif quiet is not None and quiet < -CLOCK_SKEW_SECONDS:
        healthy = False
        reason = (
            f"the last check is recorded {-quiet:.0f}s in the future: a clock ran ahead"
            " (those articles are checked again on the next pass)"
        )
    elif (
        quiet is not None
        and max_quiet_seconds is not None
        and stats.articles > 0
        and quiet > max_quiet_seconds
    ):
        healthy = False
        reason = f"nothing checked for {quiet:.0f}s (limit {max_quiet_seconds:.0f}s)"
    by_state: dict[str, int] = {}
    for (_, state), n in stats.deliveries.items():
        by_state[state] = by_state.get(state, 0) + n
    return Health(
        healthy=healthy,
        reason=reason,
        check_lag_seconds=lag,
        last_check_at=stats.last_check_at,
        articles=stats.articles,
        failing=stats.failing,
        pending_alerts=by_state.get("pending", 0),
        failed_alerts=by_state.get("failed", 0),
    )
