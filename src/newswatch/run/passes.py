"""One pass now (``newswatch check``, ``newswatch run --once``): the engine in burst mode.

Kept out of the CLI so the command stays a thin layer and tests can run a pass on an
injected clock.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TextIO

from newswatch.alerts.dispatch import DispatchReport
from newswatch.check import CheckReport
from newswatch.discover import DiscoveryReport
from newswatch.run.engine import Engine, EngineSettings, Scope
from newswatch.run.processes import Order, WorkerPool, share_budgets
from newswatch.run.progress import ProgressTicker
from newswatch.run.signals import stop_on_signals
from newswatch.runtime import Runtime

#: a pass over fewer due articles than this runs in one process when ``processes`` is None:
#: starting another interpreter costs more than it saves
AUTO_MIN_ARTICLES = 100


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
    processes: int | None = 1,
) -> PassReport:
    """Discover the feed/sitemap/index sources (those named, default all), then check.

    ``article`` sources and ``urls`` are checked now whatever their due time (that is what
    asking for a check means); the articles a source discovered are checked when due (all
    of them with ``force``), so a feed of 200 links is not refetched in full on every call.
    Given ``urls``, only those are checked and nothing is discovered. Every article in
    scope is covered, however many there are. ``processes`` > 1 checks in that many
    processes (see :mod:`newswatch.run.processes`); None: one per core when at least
    :data:`AUTO_MIN_ARTICLES` are due, else one. With ``deliver`` the alerts it raised (and
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
            processes=processes,
        )
    singles = [s.name for s in named if not s.discovers]
    forced = [s.name for s in named] if force else singles
    if forced:
        runtime.store.make_due(now, sources=forced)
    return _burst(
        runtime,
        Scope(sources),
        workers,
        (progress, progress_every),
        stop,
        deliver=deliver,
        processes=processes,
    )


def run_due(
    runtime: Runtime,
    *,
    workers: int = 4,
    progress: TextIO | None = None,
    stop: threading.Event | None = None,
    progress_every: float = 2.0,
    processes: int | None = 1,
) -> PassReport:
    """What the daemon would do now, once: discover every source, check what is due,
    deliver what is pending."""
    return _burst(
        runtime,
        Scope(),
        workers,
        (progress, progress_every),
        stop,
        deliver=True,
        processes=processes,
    )


def _burst(
    runtime: Runtime,
    scope: Scope,
    workers: int,
    progress: tuple[TextIO | None, float],
    stop: threading.Event | None,
    *,
    discover: bool = True,
    deliver: bool = False,
    processes: int | None = 1,
) -> PassReport:
    checks: list[CheckReport] = []
    lock = threading.Lock()

    def keep(report: CheckReport) -> None:
        with lock:
            checks.append(report)

    settings = EngineSettings(workers=workers, discover=False, deliver=False)
    pool = _pool(runtime, processes, settings, keep, scope)
    engine = Engine(
        runtime.store,
        runtime.checker,
        runtime.dispatcher,
        discovery=runtime.discovery,
        settings=settings,
        clock=runtime.clock,
        stop=stop,
        on_report=keep,
    )

    def stop_all() -> None:
        engine.stop()
        if pool is not None:
            pool.stop()

    def force_all() -> None:
        engine.force()
        if pool is not None:
            pool.stop()  # a second one: the workers force their stop too

    discoveries: list[DiscoveryReport] = []
    sent = DispatchReport(0, 0, 0)
    with stop_on_signals(stop_all, force_all):
        try:
            if discover and runtime.discovery is not None:
                names = scope.sources
                finders = [s.name for s in runtime.discovery.sources]
                named = finders if names is None else [n for n in finders if n in names]
                if named:
                    discoveries = runtime.discovery.run_all(named if names is not None else None)
            due_by = runtime.clock()
            if pool is not None:
                pool.order(Order(burst=True, scope=scope, due_by=due_by))
            stream, every = progress

            def done() -> int:
                return engine.totals.checks + (pool.done if pool is not None else 0)

            ticker: AbstractContextManager[object] = nullcontext()
            if stream is not None:
                due = runtime.store.count_due(due_by, sources=scope.sources, urls=scope.urls)
                politeness = runtime.fetcher.politeness
                ticker = ProgressTicker(
                    stream,
                    done=done,
                    due=lambda: max(due, done()),
                    held_back=politeness.held_back if politeness is not None else dict,
                    every=every,
                )
            with ticker:
                try:
                    engine.run(burst=True, scope=scope, due_by=due_by)
                finally:
                    if pool is not None:
                        pool.wait()
        finally:
            if pool is not None:
                pool.wait()
        if deliver and not engine.stopping:
            sent = engine.drain()
    return PassReport(discoveries, checks, sent)


def _pool(
    runtime: Runtime,
    processes: int | None,
    settings: EngineSettings,
    keep: Callable[[CheckReport], None],
    scope: Scope,
) -> WorkerPool | None:
    """The pass's worker processes besides this one, started (None for one process)."""
    if processes is None:
        due = runtime.store.count_due(runtime.clock(), sources=scope.sources, urls=scope.urls)
        processes = (os.cpu_count() or 1) if due >= AUTO_MIN_ARTICLES else 1
    if processes <= 1:
        return None
    share_budgets(runtime)
    return WorkerPool(processes - 1, runtime.config, settings, on_report=keep).start()


def terminal(stream: TextIO = sys.stderr) -> TextIO | None:
    """``stream`` when it is a terminal (progress is for people watching), else None."""
    try:
        return stream if stream.isatty() else None
    except (AttributeError, ValueError):
        return None
