"""The daemon (``newswatch run``): the engine until a signal stops it."""

from __future__ import annotations

import logging
import os
import threading
from contextlib import AbstractContextManager, nullcontext
from typing import TextIO

from newswatch.run.engine import Engine, EngineSettings, RunTotals
from newswatch.run.processes import Order, WorkerPool, share_budgets
from newswatch.run.progress import BacklogTicker
from newswatch.run.signals import stop_on_signals
from newswatch.runtime import Runtime

logger = logging.getLogger("newswatch.run")


def daemon_engine(
    runtime: Runtime,
    *,
    settings: EngineSettings | None = None,
    stop: threading.Event | None = None,
) -> Engine:
    """The engine of ``newswatch run``, wired from ``runtime``."""
    return Engine(
        runtime.store,
        runtime.checker,
        runtime.dispatcher,
        discovery=runtime.discovery,
        settings=settings or EngineSettings(),
        clock=runtime.clock,
        stop=stop,
    )


def run_daemon(
    runtime: Runtime,
    *,
    settings: EngineSettings | None = None,
    stop: threading.Event | None = None,
    processes: int | None = 1,
    progress: TextIO | None = None,
    progress_every: float = 5.0,
) -> RunTotals:
    """Run until SIGTERM/SIGINT (a second one forces the stop) or until ``stop`` is set.

    With ``processes`` > 1 (None: one per core), that many processes check side by side
    (see :mod:`newswatch.run.processes`); this one also discovers and delivers alerts.
    With ``progress``, a line every ``progress_every`` seconds while articles are due
    (see :class:`~newswatch.run.progress.BacklogTicker`).
    """
    if processes is None:
        processes = os.cpu_count() or 1
    settings = settings or EngineSettings()
    engine = daemon_engine(runtime, settings=settings, stop=stop)
    pool = None
    if processes > 1:
        share_budgets(runtime)
        pool = WorkerPool(processes - 1, runtime.config, settings).start()

    def stop_all() -> None:
        engine.stop()
        if pool is not None:
            pool.stop()

    def force_all() -> None:
        engine.force()
        if pool is not None:
            pool.stop()

    ticker: AbstractContextManager[object] = nullcontext()
    if progress is not None:
        politeness = runtime.fetcher.politeness
        ticker = BacklogTicker(
            progress,
            done=lambda: engine.totals.checks + (pool.done if pool is not None else 0),
            remaining=lambda: runtime.store.count_due(runtime.clock()),
            held_back=politeness.held_back if politeness is not None else dict,
            every=progress_every,
        )
    with stop_on_signals(stop_all, force_all), ticker:
        logger.info(
            "newswatch running: %d source(s), %d process(es)",
            len(runtime.config.sources),
            max(1, processes),
        )
        try:
            if pool is not None:
                pool.order(Order(burst=False))
            return engine.run()
        finally:
            if pool is not None:
                if not pool.stopped:
                    pool.stop()
                pool.wait(timeout=settings.grace_seconds + 30)
