"""Worker processes (``--processes N``): N-1 more engines beside the command's own, so fetching
overlaps and extraction uses every core.

A worker is forked from the command's process when that is still single-threaded (the
modules and the validated configuration come with it: re-importing and re-validating them
was a sixth of a 1,000-article pass), otherwise it is a fresh interpreter (``spawn``: no lock
held by another thread is inherited mid-use) that loads the configuration itself. A forked
worker never touches what it inherited (the parent's store connection, HTTP client): it opens
its own. Each runs an :class:`~newswatch.run.engine.Engine` which only checks: it claims due
articles from the store (leases and fencing tokens keep two processes from checking one
article at once), while discovery and alert delivery stay with the parent. Politeness
budgets are shared through the store (:class:`~newswatch.politeness.SharedBudgets`), so
per-host limits and delays hold across processes.

Workers start at once and wait for their order (daemon, or one pass taking what was due by
a given time), so a pass does not pay their start-up after the parent's. A worker ignores
SIGINT (a Ctrl-C reaches the whole process group; the parent decides) and stops on SIGTERM,
which the parent forwards: the first stops cleanly, a second forces. A worker whose parent
died (``kill -9``) stops at once and gives its leases back.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from newswatch.check import CheckReport
from newswatch.config import Config
from newswatch.run.engine import Engine, EngineSettings, Scope
from newswatch.runtime import Runtime
from newswatch.store import open_budgets

logger = logging.getLogger("newswatch.run")

HOLD_MARGIN = 30.0  # seconds past the fetch timeout a shared place may be held at most


@dataclass(frozen=True, slots=True)
class Order:
    """What a worker is to do: the daemon (``burst`` false) or one pass over ``scope``."""

    burst: bool
    scope: Scope = field(default_factory=Scope)
    due_by: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Logging:
    level: int
    fmt: str

    @classmethod
    def of_this_process(cls) -> _Logging:
        from newswatch.logs import JsonFormatter

        root = logging.getLogger()
        json = any(isinstance(h.formatter, JsonFormatter) for h in root.handlers)
        return cls(root.level, "json" if json else "text")


def share_budgets(runtime: Runtime) -> None:
    """Keep this process's politeness budgets in the store, shared with its workers (set
    before the first fetch of the pass or the daemon)."""
    politeness = runtime.fetcher.politeness
    if politeness is not None and politeness.shared is None:
        hold = runtime.fetcher.settings.timeout + HOLD_MARGIN
        politeness.shared = open_budgets(runtime.config.database_url, hold_seconds=hold)


def start_method() -> str:
    """``fork`` from a single-threaded process (nothing another thread holds is inherited),
    else ``spawn``."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


class WorkerPool:
    """``count`` worker processes for ``config`` (see :func:`start_method`)."""

    def __init__(
        self,
        count: int,
        config: Config,
        settings: EngineSettings,
        *,
        on_report: Callable[[CheckReport], None] | None = None,
    ) -> None:
        method = start_method()
        context: Any = multiprocessing.get_context(method)
        # a forked worker has the validated configuration; a spawned one reads the file
        given: Config | str = config if method == "fork" else str(config.path)
        self._orders: Any = context.Queue()
        self._results: Any = context.Queue()
        self._on_report = on_report
        self.done = 0  # checks the workers reported
        self._procs: list[BaseProcess] = [
            context.Process(
                target=worker_main,
                args=(
                    given,
                    replace(settings, discover=False, deliver=False),
                    self._orders,
                    self._results,
                    _Logging.of_this_process(),
                ),
                name=f"newswatch-worker-{i + 1}",
            )
            for i in range(count)
        ]
        self._stops = 0
        self._reader = threading.Thread(target=self._read, name="newswatch-workers", daemon=True)
        self._waited = False

    def __len__(self) -> int:
        return len(self._procs)

    def start(self) -> WorkerPool:
        for proc in self._procs:
            proc.start()
        self._reader.start()
        return self

    def order(self, order: Order) -> None:
        """Tell every worker what to do (they wait for this after starting up)."""
        for _ in self._procs:
            self._orders.put(order)

    @property
    def stopped(self) -> bool:
        return self._stops > 0

    def stop(self) -> None:
        """Forward a stop: the first is a clean stop, a later one forces."""
        self._stops += 1
        for proc in self._procs:
            if proc.is_alive() and proc.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)

    def wait(self, timeout: float | None = None) -> None:
        """Until every worker has exited (killed after ``timeout``), their reports read."""
        if self._waited:
            return
        self._waited = True
        for proc in self._procs:
            proc.join(timeout)
            if proc.is_alive():
                logger.warning("worker %s did not stop in time; killing it", proc.name)
                proc.kill()
                proc.join(5)
        self._results.put(None)
        self._reader.join(timeout=10)

    def _read(self) -> None:
        while True:
            item = self._results.get()
            if item is None:
                return
            kind, value = item
            if kind == "reports":
                for report in value:
                    self.done += 1
                    if self._on_report is not None:
                        self._on_report(report)
            elif kind == "failed":
                logger.error("a worker process failed: %s", value)


def worker_main(
    given: Config | str, settings: EngineSettings, orders: Any, results: Any, log: _Logging
) -> None:
    """A worker process: start up, wait for the order, run the engine, report each check.

    ``given`` is the configuration (forked: logging is set up as the parent's) or the path
    to read it from (spawned)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it sends SIGTERM
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # until the engine's handler is in
    from newswatch.config import load_config
    from newswatch.heap import long_lived
    from newswatch.logs import setup_logging
    from newswatch.run.signals import stop_on_signals
    from newswatch.runtime import build_runtime

    if isinstance(given, str):
        setup_logging(0, False, "json" if log.fmt == "json" else "text")
        logging.getLogger().setLevel(log.level)
    stop = threading.Event()
    parent = multiprocessing.parent_process()
    reports = _Reports(results)
    try:
        with long_lived():  # this process's start-up, frozen as the command's is
            config = load_config(Path(given)) if isinstance(given, str) else given
        order = _next_order(orders, parent)
        if order is None:
            return
        with long_lived():
            runtime = build_runtime(
                config, should_stop=stop.is_set, sync=False, shared_budgets=True
            )
        with runtime:
            engine = Engine(
                runtime.store,
                runtime.checker,
                None,
                settings=settings,
                clock=runtime.clock,
                stop=stop,
                on_report=reports.add,
            )
            if parent is not None:
                threading.Thread(
                    target=_stop_with_parent, args=(parent.sentinel, engine), daemon=True
                ).start()
            with stop_on_signals(engine.stop, engine.force):
                totals = engine.run(burst=order.burst, scope=order.scope, due_by=order.due_by)
            logging.getLogger("newswatch.run").info(
                "%s (pid %d) stopped after %d check(s)",
                multiprocessing.current_process().name,
                os.getpid(),
                totals.checks,
            )
    except Exception as exc:  # the parent says so; this process's own log has the trace
        logging.getLogger("newswatch.run").exception("worker process failed")
        results.put(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        reports.close()


class _Reports:
    """A worker's check reports, sent to the parent in batches: at most ``every`` seconds
    after the first of a batch, at once when ``most`` are waiting, the rest on
    :meth:`close`. One message per check (a pickle, a pipe write, a wake-up of the
    parent's reader, each taking the interpreter lock from the checks) was 2-3% of a
    1,000-page pass's CPU."""

    def __init__(self, results: Any, *, every: float = 0.25, most: int = 64) -> None:
        self._results = results
        self._every = every
        self._most = most
        self._waiting: list[CheckReport] = []
        self._lock = threading.Lock()
        self._due = threading.Event()  # a batch is waiting (or closing)
        self._closed = False
        self._sender = threading.Thread(target=self._send, name="newswatch-reports", daemon=True)
        self._sender.start()

    def add(self, report: CheckReport) -> None:
        with self._lock:
            self._waiting.append(report)
            if self._closed or len(self._waiting) >= self._most:
                self._flush()
            elif len(self._waiting) == 1:
                self._due.set()

    def close(self) -> None:
        """Send what is waiting; later reports are sent at once."""
        with self._lock:
            self._closed = True
            self._flush()
        self._due.set()

    def _flush(self) -> None:
        """Put the waiting batch on the queue (the caller holds the lock)."""
        if self._waiting:
            self._results.put(("reports", self._waiting))
            self._waiting = []

    def _send(self) -> None:
        while True:
            self._due.wait()
            with self._lock:
                if self._closed:
                    return
                self._due.clear()
            time.sleep(self._every)  # the rest of the batch gathers meanwhile
            with self._lock:
                self._flush()


def _next_order(orders: Any, parent: BaseProcess | None) -> Order | None:
    """The parent's order; None when the parent is gone first."""
    import queue

    while True:
        try:
            order: Order | None = orders.get(timeout=0.5)
            return order
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return None


def _stop_with_parent(sentinel: int, engine: Engine) -> None:
    multiprocessing.connection.wait([sentinel])
    engine.force()
