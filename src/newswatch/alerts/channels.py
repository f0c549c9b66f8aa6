"""Alert channels: where a delivery goes. Each ``send`` either succeeds or raises.

Channels hold no state about what was sent; the outbox in the store does (see
:mod:`newswatch.alerts.dispatch`), which is what makes a restart safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from newswatch.alerts.payload import log_line, webhook_body
from newswatch.errors import NewswatchError
from newswatch.store.base import StoredChange

logger = logging.getLogger("newswatch.alerts")

# (url, body, headers, timeout) -> HTTP status; provided by the fetch module
Poster = Callable[[str, bytes, Mapping[str, str], float], int]


class DeliveryFailed(NewswatchError):
    """A channel could not deliver; the dispatcher retries later."""


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, change: StoredChange, key: str) -> None:
        """Deliver one change; ``key`` is the idempotency key (change id and channel)."""


@dataclass(frozen=True)
class LogChannel:
    """Writes one readable line per change to the ``newswatch.alerts`` logger."""

    name: str

    def send(self, change: StoredChange, key: str) -> None:
        logger.warning("%s", log_line(change))


@dataclass(frozen=True)
class WebhookChannel:
    """POSTs the design's JSON body; any 2xx is delivered, anything else is retried."""

    name: str
    url: str
    post: Poster
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 10.0

    def send(self, change: StoredChange, key: str) -> None:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": key,
            "X-Newswatch-Change": change.uid,
            **self.headers,
        }
        try:
            status = self.post(self.url, webhook_body(change), headers, self.timeout)
        except NewswatchError as exc:
            raise DeliveryFailed(f"webhook {self.url}: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryFailed(f"webhook {self.url}: HTTP {status}")
