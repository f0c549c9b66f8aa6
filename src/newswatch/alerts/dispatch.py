"""The outbox dispatcher: delivers pending alert rows, retries with backoff, gives up loudly.

A delivery row is written in the same transaction as its change, so a change can never exist
without its alerts; the row is marked delivered right after the channel accepted it, so a
restart resends nothing already accepted. (Between a receiver's 2xx and our commit there is a
window of a few milliseconds; a crash exactly there resends once with the same
``Idempotency-Key``, which is why every webhook carries one.)

One bad receiver or rule must not stop the others, so:

- every channel is a *lane* of its own: each round claims (lease + fencing token, see
  :mod:`newswatch.store.outbox`) a batch per idle channel and sends the batches
  concurrently, so a hanging webhook delays only its own alerts;
- every attempt has a time budget (the channel's timeout plus a grace): past it the attempt
  is abandoned and retried later, and that channel's lane stays busy until the abandoned
  exchange ends (it cannot pile up threads on a receiver that hangs). An abandoned attempt
  that succeeds late is still recorded as delivered if no other claim took the delivery;
- after a failed attempt the rest of that channel's batch waits for a later round;
- a round waits at most ``round_seconds`` for its lanes; busy lanes go on in the
  background and are skipped by the next rounds until they finish;
- a template that fails (:class:`~newswatch.alerts.channels.PermanentFailure`) fails its
  delivery for good at once; an unexpected error is retried with backoff like a refused
  delivery; neither ever blocks another rule's alerts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from newswatch.alerts.channels import Channel, DeliveryFailed, PermanentFailure
from newswatch.alerts.message import Alert
from newswatch.clock import Clock, utc_now
from newswatch.store import Delivery, OutboxStore

logger = logging.getLogger("newswatch.alerts")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: first retry after ``base``, doubling, capped; then give up."""

    base_seconds: float = 5.0
    max_seconds: float = 3600.0
    max_attempts: int = 12

    def delay(self, attempts: int) -> float:
        return float(min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds))


@dataclass(frozen=True, slots=True)
class DispatchBudget:
    """Time bounds of the sender (see the module docstring)."""

    grace_seconds: float = 1.0
    """One attempt's budget is its channel's timeout times 1.5 plus this grace."""
    untimed_seconds: float = 30.0
    """One attempt's budget on a channel with no timeout of its own (log, Apprise)."""
    round_seconds: float = 30.0
    """How long :meth:`Dispatcher.run_once` waits for the lanes it started."""
    batch: int = 20
    """Deliveries claimed per channel and round."""

    def attempt_seconds(self, channel: Channel | None) -> float:
        timeout = getattr(channel, "timeout", None)
        if isinstance(timeout, int | float) and timeout > 0:
            return 1.5 * float(timeout) + self.grace_seconds
        return self.untimed_seconds

    def lease_seconds(self, channel: Channel | None) -> float:
        """A claim outlives its attempt's budget, so only a dead sender loses it."""
        return 2 * self.attempt_seconds(channel) + self.grace_seconds


@dataclass(frozen=True, slots=True)
class DispatchReport:
    delivered: int
    retried: int
    failed: int


@dataclass
class _Tally:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: str) -> None:
        with self.lock:
            setattr(self, outcome, getattr(self, outcome) + 1)

    def report(self) -> DispatchReport:
        with self.lock:
            return DispatchReport(self.delivered, self.retried, self.failed)


class _Attempt:
    """One send on a thread of its own, so the lane can stop waiting for it."""

    def __init__(self, send: Callable[[], None], name: str) -> None:
        self.error: BaseException | None = None
        self._late: Callable[[BaseException | None], None] | None = None
        self._done = False
        self._lock = threading.Lock()
        self._send = send
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        try:
            self._send()
        except BaseException as exc:  # handed to the lane, which judges it
            self.error = exc
        with self._lock:
            self._done = True
            late = self._late
        if late is not None:
            late(self.error)

    def finished_within(self, seconds: float) -> bool:
        self.thread.start()
        self.thread.join(seconds)
        return not self.thread.is_alive()

    def when_done(self, callback: Callable[[BaseException | None], None]) -> None:
        """Call ``callback`` with the outcome when the abandoned attempt ends."""
        with self._lock:
            if not self._done:
                self._late = callback
                return
        callback(self.error)


class _Lane:
    """One channel's sender: at most one batch, or one abandoned attempt, at a time."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.abandoned: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return any(t is not None and t.is_alive() for t in (self.thread, self.abandoned))


class Dispatcher:
    """Sends every due delivery once through its channel, each channel on its own lane."""

    def __init__(
        self,
        store: OutboxStore,
        channels: Mapping[str, Channel],
        *,
        clock: Clock = utc_now,
        policy: RetryPolicy = RetryPolicy(),
        budget: DispatchBudget = DispatchBudget(),
    ) -> None:
        self._store = store
        self._channels = channels
        self._clock = clock
        self._policy = policy
        self._budget = budget
        self._lanes = {name: _Lane() for name in channels}

    def run_once(self, limit: int | None = None) -> DispatchReport:
        """Form the digests that are due, then send each idle channel's due deliveries
        (up to ``limit`` per channel), waiting at most ``round_seconds`` for them."""
        now = self._clock()
        self._store.form_digests(now)
        tally = _Tally()
        self._fail_unconfigured(tally)
        batch = limit or self._budget.batch
        started: list[threading.Thread] = []
        for name, channel in self._channels.items():
            lane = self._lanes[name]
            if lane.busy:
                continue
            claimed = self._store.claim_deliveries(
                now, batch, self._budget.lease_seconds(channel), channels=[name]
            )
            if not claimed:
                continue
            lane.thread = threading.Thread(
                target=self._drain,
                args=(lane, channel, claimed, tally),
                name=f"newswatch-alerts-{name}",
                daemon=True,
            )
            lane.thread.start()
            started.append(lane.thread)
        deadline = time.monotonic() + self._budget.round_seconds
        for thread in started:
            thread.join(max(0.0, deadline - time.monotonic()))
        return tally.report()

    def idle(self) -> bool:
        """No lane is sending or waiting on an abandoned attempt."""
        return not any(lane.busy for lane in self._lanes.values())

    def _fail_unconfigured(self, tally: _Tally) -> None:
        stale = self._store.claim_deliveries(
            self._clock(), 100, self._budget.untimed_seconds, exclude=list(self._channels)
        )
        for delivery in stale:
            error = PermanentFailure(f"channel {delivery.channel!r} is no longer configured")
            tally.add(self._settle(delivery, error))

    def _drain(
        self, lane: _Lane, channel: Channel, batch: Sequence[Delivery], tally: _Tally
    ) -> None:
        seconds = self._budget.attempt_seconds(channel)
        lease = timedelta(seconds=self._budget.lease_seconds(channel))
        for position, delivery in enumerate(batch):
            try:
                if not self._store.renew_delivery(
                    delivery.id, delivery.lease_token, self._clock() + lease
                ):
                    continue  # another sender's claim took it over: theirs to send
                subject = self._store.delivery_subject(delivery.id)
                if subject is None:
                    tally.add(self._settle(delivery, PermanentFailure("nothing left to announce")))
                    continue
                alert = Alert.of(subject)
                attempt = _Attempt(
                    partial(channel.send, alert, delivery.key), f"newswatch-send-{channel.name}"
                )
                if attempt.finished_within(seconds):
                    outcome = self._settle(delivery, attempt.error)
                    tally.add(outcome)
                    if outcome != "retried":
                        continue
                else:
                    lane.abandoned = attempt.thread
                    timeout = DeliveryFailed(f"no answer within {seconds:g}s (attempt abandoned)")
                    tally.add(self._settle(delivery, timeout))
                    attempt.when_done(partial(self._late, delivery))
                # the receiver just failed: leave the rest of its batch to a later round
                # rather than spend one more budget per delivery on it now
                rest = batch[position + 1 :]
                self._store.release_deliveries([(d.id, d.lease_token) for d in rest])
                return
            except Exception:  # the store failed: leave the claims to expire, retry later
                logger.exception("sending alerts via %s failed; will retry", channel.name)
                return

    def _late(self, delivery: Delivery, error: BaseException | None) -> None:
        """An abandoned attempt ended: record a late success if the claim is still ours."""
        if error is not None:
            return
        try:
            if self._store.mark_delivered(delivery.id, self._clock(), delivery.lease_token):
                logger.warning("alert %s via %s was accepted late", delivery.key, delivery.channel)
        except Exception:
            logger.exception("recording the late delivery of %s failed", delivery.key)

    def _settle(self, delivery: Delivery, error: BaseException | None) -> str:
        """Record an attempt's outcome under the claim's token; the tally's field name."""
        token = delivery.lease_token
        if error is None:
            self._store.mark_delivered(delivery.id, self._clock(), token)
            return "delivered"
        if isinstance(error, DeliveryFailed):
            message = str(error)
        else:  # a bug or an unforeseen error: logged in full, retried like a refusal
            message = f"{type(error).__name__}: {error}"
            logger.error("alert %s via %s raised", delivery.key, delivery.channel, exc_info=error)
        attempts = delivery.attempts + 1
        give_up = isinstance(error, PermanentFailure) or attempts >= self._policy.max_attempts
        delay = timedelta(seconds=self._policy.delay(attempts))
        self._store.mark_retry(delivery.id, message, self._clock() + delay, give_up, token)
        if give_up:
            logger.error(
                "alert %s via %s FAILED for good after %d attempt(s): %s",
                delivery.key,
                delivery.channel,
                attempts,
                message,
            )
            return "failed"
        logger.warning(
            "alert %s via %s failed (attempt %d), retrying in %.0fs: %s",
            delivery.key,
            delivery.channel,
            attempts,
            delay.total_seconds(),
            message,
        )
        return "retried"
