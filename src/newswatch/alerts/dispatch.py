"""The outbox dispatcher: delivers pending alert rows, retries with backoff, gives up loudly.

A delivery row is written in the same transaction as its change, so a change can never exist
without its alerts; the row is marked delivered right after the channel accepted it, so a
restart resends nothing already accepted. (Between a receiver's 2xx and our commit there is a
window of a few milliseconds; a crash exactly there resends once with the same
``Idempotency-Key``, which is why every webhook carries one.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from newswatch.alerts.channels import Channel, DeliveryFailed, PermanentFailure
from newswatch.alerts.message import Alert
from newswatch.clock import Clock, utc_now
from newswatch.store import OutboxStore

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
class DispatchReport:
    delivered: int
    retried: int
    failed: int


class Dispatcher:
    """Sends every due delivery once through its channel."""

    def __init__(
        self,
        store: OutboxStore,
        channels: Mapping[str, Channel],
        *,
        clock: Clock = utc_now,
        policy: RetryPolicy = RetryPolicy(),
    ) -> None:
        self._store = store
        self._channels = channels
        self._clock = clock
        self._policy = policy

    def run_once(self, limit: int = 100) -> DispatchReport:
        """Form the digests that are due, then send every due delivery once."""
        self._store.form_digests(self._clock())
        delivered = retried = failed = 0
        for delivery in self._store.due_deliveries(self._clock(), limit):
            subject = self._store.delivery_subject(delivery.id)
            channel = self._channels.get(delivery.channel)
            if subject is None:
                continue
            try:
                if channel is None:
                    raise PermanentFailure(f"channel {delivery.channel!r} is no longer configured")
                channel.send(Alert.of(subject), delivery.key)
            except DeliveryFailed as exc:
                attempts = delivery.attempts + 1
                give_up = isinstance(exc, PermanentFailure) or attempts >= self._policy.max_attempts
                delay = timedelta(seconds=self._policy.delay(attempts))
                self._store.mark_retry(delivery.id, str(exc), self._clock() + delay, give_up)
                if give_up:
                    failed += 1
                    logger.error(
                        "alert %s via %s FAILED for good after %d attempt(s): %s",
                        delivery.key,
                        delivery.channel,
                        attempts,
                        exc,
                    )
                else:
                    retried += 1
                    logger.warning(
                        "alert %s via %s failed (attempt %d), retrying in %.0fs: %s",
                        delivery.key,
                        delivery.channel,
                        attempts,
                        delay.total_seconds(),
                        exc,
                    )
                continue
            self._store.mark_delivered(delivery.id, self._clock())
            delivered += 1
        return DispatchReport(delivered, retried, failed)
