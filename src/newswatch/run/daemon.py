"""The daemon (``newswatch run``): the engine until a signal stops it."""

from __future__ import annotations

import logging
import threading

from newswatch.run.engine import Engine, EngineSettings, RunTotals
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
) -> RunTotals:
    """Run until SIGTERM/SIGINT (a second one forces the stop) or until ``stop`` is set."""
    engine = daemon_engine(runtime, settings=settings, stop=stop)
    with stop_on_signals(engine.stop, engine.force):
        logger.info("newswatch running: %d source(s)", len(runtime.config.sources))
        return engine.run()
