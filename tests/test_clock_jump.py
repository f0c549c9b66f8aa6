"""A wrong clock (issue 16): a clock that jumped 30 days ahead once must not push the due
times out. Back on the real clock, ``run --once`` checks those articles again, and
``health`` says something is wrong until it has (not only when due rows lag).

The clock is injected (the runtime's, the health verdict's); everything else is real: a
local article site, a SQLite file, the one-pass engine ``run --once`` uses.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from newswatch.config import parse_config
from newswatch.health import judge
from newswatch.run.passes import run_due
from newswatch.runtime import build_runtime
from tests.conftest import PageServer
from tests.test_alert_pipeline import FakeClock


def test_a_clock_30_days_ahead_does_not_stop_the_watch(tmp_path: Path, site: PageServer) -> None:
    clock = FakeClock()
    text = f"""
fetch: {{host_delay: 0s, retries: 0}}
database: watch.db
sources:
  - {{name: alhurra, url: "{site.url}", interval: 10m, timezone: Asia/Riyadh}}
"""
    config = parse_config(text, str(tmp_path / "config.yaml"), environ={})
    longest = max(config.schedule_for(s.name).max_interval for s in config.sources)
    with build_runtime(config, clock=clock) as rt:
        first = run_due(rt, workers=1)
        assert [c.outcome for c in first.checks] == ["first_version"]
        start = clock.now

        clock.now = start + timedelta(days=30)  # the clock jumps ahead...
        jumped = run_due(rt, workers=1)
        assert len(jumped.checks) == 1  # ... the article was due; its next check is now
        # recorded 30 days out

        clock.now = start + timedelta(minutes=1)  # ... and comes back
        stats = rt.store.stats(clock.now)
        verdict = judge(stats, 300, now=clock.now, max_quiet_seconds=longest + 300)
        assert not verdict.healthy and "in the future" in verdict.reason, verdict.reason

        site.serve("v2.html")
        back = run_due(rt, workers=1)  # run --once: checks them, does not say "nothing due"
        assert [c.outcome for c in back.checks] == ["new_version"]
        assert run_due(rt, workers=1).checks == []  # and now the due time is sane again
        stats = rt.store.stats(clock.now)
        assert judge(stats, 300, now=clock.now, max_quiet_seconds=longest + 300).healthy


def test_health_notices_that_nothing_was_checked_for_too_long(
    tmp_path: Path, site: PageServer
) -> None:
    """Due rows may not lag (their due time lies ahead) while nothing has been checked for
    longer than the longest re-check interval: that is unhealthy too."""
    clock = FakeClock()
    text = f"""
fetch: {{host_delay: 0s, retries: 0}}
database: watch.db
schedule: {{max_interval: 1h}}
sources:
  - {{name: alhurra, url: "{site.url}", interval: 10m}}
"""
    config = parse_config(text, str(tmp_path / "config.yaml"), environ={})
    with build_runtime(config, clock=clock) as rt:
        run_due(rt, workers=1)
        with sqlite3.connect(tmp_path / "watch.db") as db:
            # what an article pushed out by a bad clock or a bug looks like: not lagging
            db.execute("UPDATE articles SET next_check_at = '2100-01-01T00:00:00+00:00'")
        clock.advance(2 * 3600)
        stats = rt.store.stats(clock.now)
        assert stats.check_lag_seconds == 0
        verdict = judge(stats, 300, now=clock.now, max_quiet_seconds=3600 + 300)
        assert not verdict.healthy and "nothing checked for 7200s" in verdict.reason
