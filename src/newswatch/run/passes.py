"""One pass now (``newswatch check``, ``newswatch run --once``): the engine in burst mode.

Kept out of the CLI so the command stays a thin layer and tests can run a pass on an
injected clock.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from newswatch.alerts.dispatch import DispatchReport
from newswatch.check import CheckReport
from newswatch.discover import DiscoveryReport
from newswatch.run.engine import Engine, EngineSettings, Scope
from newswatch.run.progress import ProgressTicker
from newswatch.run.signals import stop_on_signals
from newswatch.runtime import Runtime


@dataclass(frozen=True, slots=True)
class PassReport:
    discoveries: list[DiscoveryReport] = field(default_factory=list)
    checks: list[CheckReport] = field(default_factory=list)
    sent: DispatchReport = field(default_factory=lambda: DispatchReport(0, 0, 0))

    def lines(self) -> list[str]:
        return [d.line() for d in self.discoveries] + [c.line() for c in self.checks]

    @property
    def failed(self) -> bool:
        """A check or a discovery failed, or an alert could not be delivered."""
        return (
            any(c.outcome == "error" for c in self.checks)
            or any(d.error for d in self.discoveries)
            or bool(self.sent.retried or self.sent.failed)
        )


def check_now(
    runtime: Runtime,
    *,
    sources: Sequence[str] | None = None,
    urls: Sequence[str] | None = None,
    force: bool = False,
    workers: int = 4,
    progress: TextIO | None = None,
    stop: threading.Event | None = None,
    deliver: bool = False,
    progress_every: float = 2.0,
) -> PassReport:
    """Discover the feed/sitemap/index sources (those named, default all), then check.

    ``article`` sources and ``urls`` are checked now whatever their due time (that is what
    asking for a check means); the articles a source discovered are checked when due (all
    of them with ``force``), so a feed of 200 links is not refetched in full on every call.
    Given ``urls``, only those are checked and nothing is discovered. Every article in
    scope is covered, however many there are. With ``deliver`` the alerts it raised (and
    any pending) are sent before it returns.
    """
    now = runtime.clock()
    configured = runtime.config.sources
    named = [s for s in configured if sources is None or s.name in sources]
    if urls:
        if not runtime.store.make_due(now, sources=sources, urls=urls):
            return PassReport()
        return _burst(
            runtime,
            Scope(sources, urls),
            workers,
            (progress, progress_every),
            stop,
            discover=False,
            deliver=deliver,
        )
    singles = [s.name for s in named if not s.discovers]
    forced = [s.name for s in named] if force else singles
    if forced:
        runtime.store.make_due(now, sources=forced)
    return _burst(
        runtime, Scope(sources), workers, (progress, progress_every), stop, deliver=deliver
    )


def run_due(
    runtime: Runtime,
    *,
    workers: int = 4,
    progress: TextIO | None = None,
    stop: threading.Event | None = None,
    progress_every: float = 2.0,
) -> PassReport:
    """What the daemon would do now, once: discover every source, check what is due,
    deliver what is pending."""
    return _burst(runtime, Scope(), workers, (progress, progress_every), stop, deliver=True)


def _burst(
    runtime: Runtime,
    scope: Scope,
    workers: int,
    progress: tuple[TextIO | None, float],
    stop: threading.Event | None,
    *,
    discover: bool = True,
    deliver: bool = False,
) -> PassReport:
    checks: list[CheckReport] = []
    lock = threading.Lock()

    def keep(report: CheckReport) -> None:
        with lock:
            checks.append(report)

    engine = Engine(
        runtime.store,
        runtime.checker,
        runtime.dispatcher if deliver else None,
        discovery=runtime.discovery,
        settings=EngineSettings(workers=workers, discover=discover, deliver=deliver),
        clock=runtime.clock,
        stop=stop,
        on_report=keep,
    )
    stream, every = progress
    with stop_on_signals(engine.stop, engine.force):
        if stream is None:
            totals = engine.run(burst=True, scope=scope)
        else:
            started = runtime.clock()
            due = runtime.store.count_due(started, sources=scope.sources, urls=scope.urls)
            politeness = runtime.fetcher.politeness
            ticker = ProgressTicker(
                stream,
                done=lambda: engine.totals.checks,
                due=lambda: max(due, engine.totals.checks),
                held_back=politeness.held_back if politeness is not None else dict,
                every=every,
            )
            with ticker:
                totals = engine.run(burst=True, scope=scope)
    return PassReport(totals.discoveries, checks, totals.sent)


def terminal(stream: TextIO = sys.stderr) -> TextIO | None:
    """``stream`` when it is a terminal (progress is for people watching), else None."""
    try:
        return stream if stream.isatty() else None
    except (AttributeError, ValueError):
        return None
