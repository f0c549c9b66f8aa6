"""The run loop: claim what is due, check it on worker threads, deliver alerts; one engine
for the daemon and for one pass (``burst``), as rq has one ``work(burst=...)``.

The store says what is due (``next_check_at``, leases with a fencing token); the engine keeps
at most ``2 x workers`` claims in hand, so every process sharing the file gets its share and no
lease expires while a claim waits in the queue. It claims in batches: once half the workers'
worth of room is free (the queue still holds work for the others), the worker that made it so
wakes the loop, which fills the queue up in one claim. Claiming one article per finished
check was one write transaction and one wake-up each, contending with the checks' own writes
(in every process on the file). In the daemon APScheduler keeps time for the periodic jobs (one
discovery job per feed/sitemap/index source at its interval, the alert sender's tick); in
burst mode discovery runs once first and the outbox is drained last.

Stopping: :meth:`Engine.stop` (or a first signal, see :mod:`newswatch.run.signals`) stops
claiming and gives in-flight checks ``grace_seconds``; :meth:`Engine.force` (a second signal)
ends the grace at once. Claims still in hand are then given back to the store
(:meth:`~newswatch.store.CheckingStore.release_leases`), so a restart checks them at once instead
of waiting out their lease. Checks run on daemon threads, so a hung fetch never holds up the
exit; its late result is refused by the store, whose lease it no longer holds.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from newswatch.alerts import Dispatcher
from newswatch.alerts.dispatch import DispatchReport
from newswatch.check import Checker, CheckReport
from newswatch.clock import Clock, utc_now
from newswatch.discover import DiscoveryReport, DiscoveryRunner
from newswatch.store import CheckingStore, DueArticle

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

logger = logging.getLogger("newswatch.run")

ReportSink = Callable[[CheckReport], None]


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """``workers``: checks in flight at once in this process (each waits on the fetch's
    politeness budgets, which bound how hard any one site is hit)."""

    workers: int = 4
    tick_seconds: float = 1.0
    dispatch_seconds: float = 2.0
    grace_seconds: float = 3.0
    discover: bool = True  # this process runs discovery (one process of several does)
    deliver: bool = True  # this process sends alerts (likewise)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one pass covers: sources by name and/or URLs (``None``: everything)."""

    sources: Sequence[str] | None = None
    urls: Sequence[str] | None = None


@dataclass
class RunTotals:
    """Counts of what the engine did, kept for progress lines and the exit status."""

    checks: int = 0
    errors: int = 0
    changes: int = 0
    started: float = field(default_factory=time.monotonic)
    discoveries: list[DiscoveryReport] = field(default_factory=list)
    sent: DispatchReport = field(default_factory=lambda: DispatchReport(0, 0, 0))

    @property
    def failed(self) -> bool:
        """A check or a discovery failed, or an alert could not be delivered."""
        return bool(
            self.errors
            or any(d.error for d in self.discoveries)
            or self.sent.retried
            or self.sent.failed
        )


class Engine:
    """Checks what is due until stopped (the daemon) or until nothing is due (``burst``)."""

    def __init__(
        self,
        store: CheckingStore,
        checker: Checker,
        dispatcher: Dispatcher | None,
        *,
        discovery: DiscoveryRunner | None = None,
        settings: EngineSettings = EngineSettings(),
        clock: Clock = utc_now,
        stop: threading.Event | None = None,
        on_report: ReportSink | None = None,
    ) -> None:
        self._store = store
        self._checker = checker
        self._dispatcher = dispatcher
        self._discovery = discovery
        self._settings = settings
        self._clock = clock
        self._stop = stop or threading.Event()
        self._forced = threading.Event()
        self._on_report = on_report
        self._work: queue.Queue[DueArticle | None] = queue.Queue()
        self._held: dict[int, DueArticle] = {}  # claimed, not yet recorded
        self._in_flight: dict[int, DueArticle] = {}
        self._lock = threading.Condition()
        self._dispatch_wanted = threading.Event()
        self.totals = RunTotals()

    # ------------------------------------------------------------------ control

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop claiming; in-flight checks get the grace period."""
        self._stop.set()
        with self._lock:
            self._lock.notify_all()

    def force(self) -> None:
        """Stop now: no grace for in-flight checks (their leases are given back)."""
        self._forced.set()
        self.stop()

    def in_hand(self) -> int:
        """Claims queued or being checked in this process."""
        with self._lock:
            return len(self._held)

    # ------------------------------------------------------------------ the loop

    def run(
        self, *, burst: bool = False, scope: Scope = Scope(), due_by: datetime | None = None
    ) -> RunTotals:
        """The daemon (until :meth:`stop`) or, with ``burst``, one pass: discover, claim until
        nothing in ``scope`` that was due by ``due_by`` (default: when claiming began) is
        left, drain the outbox, return."""
        workers = [
            threading.Thread(target=self._worker, name=f"newswatch-check-{i}", daemon=True)
            for i in range(max(1, self._settings.workers))
        ]
        for thread in workers:
            thread.start()
        scheduler = None if burst else self._start_clock()
        sender = None
        if not burst and self._dispatcher is not None and self._settings.deliver:
            sender = threading.Thread(target=self._sender, name="newswatch-alerts", daemon=True)
            sender.start()
        try:
            if burst and self._discovery is not None and self._settings.discover:
                names = None if scope.sources is None else self._finders(scope.sources)
                if names is None or names:
                    self.totals.discoveries = self._discovery.run_all(names)
            self._claim_loop(burst, scope, due_by)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            self._finish(len(workers))
            if sender is not None:
                self._dispatch_wanted.set()
        if burst and self._dispatcher is not None and self._settings.deliver:
            self.totals.sent = self.drain()
        return self.totals

    def _finders(self, names: Sequence[str]) -> list[str]:
        assert self._discovery is not None
        return [s.name for s in self._discovery.sources if s.name in names]

    def _capacity(self) -> tuple[int, int]:
        """(claims held at most, free room worth a claim): see the module docstring."""
        workers = max(1, self._settings.workers)
        return 2 * workers, max(1, workers // 2)

    def _claim_loop(self, burst: bool, scope: Scope, due_by: datetime | None) -> None:
        capacity, batch = self._capacity()
        # a pass takes what was due when it began: a short interval coming round meanwhile
        # waits for the next pass instead of keeping this one going
        if burst and due_by is None:
            due_by = self._clock()
        while not self._stop.is_set():
            with self._lock:
                free = capacity - len(self._held)
            claimed: list[DueArticle] = []
            if free >= batch:
                try:
                    claimed = self._store.claim_due(
                        self._clock(),
                        free,
                        self._checker.lease_seconds,
                        sources=scope.sources,
                        urls=scope.urls,
                        due_by=due_by,
                    )
                except Exception:  # the store is down or locked: log, try again next tick
                    if burst:
                        raise
                    logger.exception("claiming due articles failed")
            with self._lock:
                for due in claimed:
                    self._held[due.article_id] = due
                    self._work.put(due)
                if burst and not claimed and not self._held:
                    return
                if not self._stop.is_set():
                    # until a worker finishes (it notifies), new work is found, or a tick
                    self._lock.wait(self._settings.tick_seconds)

    def _finish(self, workers: int) -> None:
        """Give in-flight checks their grace, then give back every claim still in hand."""
        for _ in range(workers):
            self._work.put(None)
        deadline = time.monotonic() + self._settings.grace_seconds
        with self._lock:
            while self._in_flight and not self._forced.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(min(left, 0.2))
            abandoned = list(self._held.values())
            hung = sorted(d.url for d in self._in_flight.values())
            self._held.clear()
        if hung:
            logger.warning(
                "stopping with checks in flight for %s; their leases are given back",
                ", ".join(hung),
            )
        if abandoned:
            try:
                self._store.release_leases(abandoned)
            except Exception:  # the lease then simply expires
                logger.exception("giving back %d lease(s) failed", len(abandoned))
        logger.info("newswatch stopped")

    # ------------------------------------------------------------------ workers

    def _worker(self) -> None:
        capacity, batch = self._capacity()
        while True:
            due = self._work.get()
            if due is None:
                return
            with self._lock:
                if self._stop.is_set() or due.article_id not in self._held:
                    continue  # stopping: the claim is given back, not checked
                self._in_flight[due.article_id] = due
            try:
                report = self._checker.check(due)
            except Exception:  # a bug in one check must not kill the worker
                logger.exception("check of %s failed unexpectedly", due.url)
                report = CheckReport(due.source, due.url, "error", error="unexpected failure")
            with self._lock:
                self._in_flight.pop(due.article_id, None)
                still_held = self._held.pop(due.article_id, None) is not None
                if still_held:
                    self._count(report)
                # the claim loop acts on a batch's room (an empty hand is one), _finish on
                # the last check in flight once stopping
                if capacity - len(self._held) >= batch or self._stop.is_set():
                    self._lock.notify_all()
            if not still_held:
                continue  # given back meanwhile: the store refused this late result
            if report.change_id is not None:
                self._dispatch_wanted.set()
            if self._on_report is not None:
                self._on_report(report)

    def _count(self, report: CheckReport) -> None:
        self.totals.checks += 1
        if report.outcome == "error":
            self.totals.errors += 1
        if report.change_id is not None:
            self.totals.changes += 1

    # ------------------------------------------------------------------ the daemon's clock

    def _start_clock(self) -> BackgroundScheduler:
        # imported here: a pass and a worker process never need it (a third of a start-up)
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone="UTC")
        job = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        if self._dispatcher is not None and self._settings.deliver:
            scheduler.add_job(
                self._dispatch_wanted.set,
                "interval",
                seconds=self._settings.dispatch_seconds,
                id="dispatch",
                next_run_time=self._clock(),
                **job,
            )
        if self._discovery is not None and self._settings.discover:
            for source in self._discovery.sources:
                scheduler.add_job(
                    self._discover,
                    "interval",
                    args=[source.name],
                    seconds=source.interval_seconds,
                    id=f"discover:{source.name}",
                    next_run_time=self._clock(),
                    **job,
                )
        scheduler.start()
        return scheduler

    def _discover(self, name: str) -> None:
        if self._stop.is_set() or self._discovery is None:
            return
        try:
            self._discovery.run(name, scheduled=True)  # not again if another host just did
        except Exception:  # a bug in one discovery must not end the job
            logger.exception("discovery of %s failed unexpectedly", name)
        with self._lock:
            self._lock.notify_all()  # its new articles are due now

    def _sender(self) -> None:
        assert self._dispatcher is not None
        while True:
            self._dispatch_wanted.wait()
            self._dispatch_wanted.clear()
            if self._stop.is_set():
                return
            try:
                self._dispatcher.run_once()
            except Exception:
                logger.exception("alert dispatch failed; will retry")

    def drain(self, batch: int = 100) -> DispatchReport:
        """Send every delivery that is due now (burst mode's last step)."""
        assert self._dispatcher is not None
        delivered = retried = failed = 0
        while True:
            sent = self._dispatcher.run_once(limit=batch)
            delivered, retried, failed = (
                delivered + sent.delivered,
                retried + sent.retried,
                failed + sent.failed,
            )
            if sent.delivered + sent.retried + sent.failed < batch:
                return DispatchReport(delivered, retried, failed)
