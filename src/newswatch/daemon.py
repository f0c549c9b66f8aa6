"""The daemon: APScheduler keeps time, the store says what is due, daemon threads do the work.

APScheduler (3.x) runs two cheap jobs: *claim* (every tick: lease the due articles of every
source not already being checked and queue them) and *dispatch* (wake the alert sender),
plus one *discover* job per feed, sitemap or index source at that source's interval (its new
articles are due at once, so the next claim picks them up). No job per article: due times
live in the store, so a restart resumes where it stopped and the same model scales to many
hosts. Checks run on daemon threads, so a stop never waits on a
slow server: in-flight work gets ``grace_seconds`` to finish, then is abandoned; since a check
is written in one transaction (and its lease expires), abandoning it loses nothing.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler

from newswatch.alerts import Dispatcher
from newswatch.check import Checker
from newswatch.clock import Clock, utc_now
from newswatch.discover import DiscoveryRunner
from newswatch.store import CheckingStore, DueArticle

logger = logging.getLogger("newswatch.daemon")


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    tick_seconds: float = 1.0
    dispatch_seconds: float = 2.0
    workers: int = 4
    claim_limit: int = 200
    grace_seconds: float = 3.0


class Daemon:
    """Runs checks and alert delivery until :meth:`stop` (or a signal) ends it."""

    def __init__(
        self,
        store: CheckingStore,
        checker: Checker,
        dispatcher: Dispatcher,
        sources: Sequence[str],
        *,
        settings: DaemonSettings = DaemonSettings(),
        clock: Clock = utc_now,
        discovery: DiscoveryRunner | None = None,
    ) -> None:
        self._discovery = discovery
        self._store = store
        self._checker = checker
        self._dispatcher = dispatcher
        self._sources = list(sources)
        self._settings = settings
        self._clock = clock
        self._stopping = threading.Event()
        self._work: queue.Queue[list[DueArticle]] = queue.Queue()
        self._in_flight: set[str] = set()
        self._idle = threading.Condition()
        self._dispatch_wanted = threading.Event()
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self.checks_done = 0

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> None:
        for i in range(max(1, self._settings.workers)):
            threading.Thread(target=self._worker, name=f"newswatch-check-{i}", daemon=True).start()
        threading.Thread(target=self._sender, name="newswatch-alerts", daemon=True).start()
        job = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        self._scheduler.add_job(
            self._claim,
            "interval",
            seconds=self._settings.tick_seconds,
            id="claim",
            next_run_time=self._clock(),
            **job,
        )
        self._scheduler.add_job(
            self._dispatch_wanted.set,
            "interval",
            seconds=self._settings.dispatch_seconds,
            id="dispatch",
            next_run_time=self._clock(),
            **job,
        )
        if self._discovery is not None:
            for source in self._discovery.sources:
                self._scheduler.add_job(
                    self._discover,
                    "interval",
                    args=[source.name],
                    seconds=source.interval_seconds,
                    id=f"discover:{source.name}",
                    next_run_time=self._clock(),
                    **job,
                )
        self._scheduler.start()
        logger.info("newswatch running: %d source(s)", len(self._sources))

    def run(self, stop: threading.Event) -> None:
        """Start, block until ``stop`` is set, then stop cleanly."""
        self.start()
        stop.wait()
        self.stop()

    def stop(self) -> None:
        """Stop scheduling, give in-flight checks a short grace, abandon the rest."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._scheduler.shutdown(wait=False)
        self._dispatch_wanted.set()
        with self._idle:
            finished = self._idle.wait_for(
                lambda: not self._in_flight, timeout=self._settings.grace_seconds
            )
        if not finished:
            logger.warning(
                "stopping with checks in flight for %s; they are abandoned and retried later",
                ", ".join(sorted(self._in_flight)),
            )
        logger.info("newswatch stopped")

    # ------------------------------------------------------------------ jobs

    def _claim(self) -> None:
        if self._stopping.is_set():
            return
        with self._idle:
            free = [s for s in self._sources if s not in self._in_flight]
        if not free:
            return
        try:
            claimed = self._store.claim_due(
                self._clock(), self._settings.claim_limit, self._checker.lease_seconds, sources=free
            )
        except Exception:  # the store is down or locked: log, try again next tick
            logger.exception("claiming due articles failed")
            return
        by_source: dict[str, list[DueArticle]] = defaultdict(list)
        for due in claimed:
            by_source[due.source].append(due)
        for source, items in by_source.items():
            with self._idle:
                self._in_flight.add(source)
            self._work.put(items)

    def _discover(self, name: str) -> None:
        if self._stopping.is_set() or self._discovery is None:
            return
        try:
            self._discovery.run(name)
        except Exception:  # a bug in one discovery must not end the job
            logger.exception("discovery of %s failed unexpectedly", name)

    def _worker(self) -> None:
        while True:
            items = self._work.get()
            source = items[0].source
            try:
                for due in items:
                    if self._stopping.is_set():
                        break
                    try:
                        report = self._checker.check(due)
                    except Exception:  # a bug in one check must not kill the worker
                        logger.exception("check of %s failed unexpectedly", due.url)
                        continue
                    self.checks_done += 1
                    logger.debug("%s", report.line())
                    if report.change_id is not None:
                        self._dispatch_wanted.set()
            finally:
                with self._idle:
                    self._in_flight.discard(source)
                    self._idle.notify_all()

    def _sender(self) -> None:
        while not self._stopping.is_set():
            self._dispatch_wanted.wait()
            self._dispatch_wanted.clear()
            if self._stopping.is_set():
                return
            try:
                self._dispatcher.run_once()
            except Exception:
                logger.exception("alert dispatch failed; will retry")
