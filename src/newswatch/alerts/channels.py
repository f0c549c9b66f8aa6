"""Alert channels: where a delivery goes. Each ``send`` either succeeds or raises.

Channels hold no state about what was sent; the outbox in the store does (see
:mod:`newswatch.alerts.dispatch`), which is what makes a restart safe. E-mail and Apprise
live in their own modules (:mod:`~newswatch.alerts.email_channel`,
:mod:`~newswatch.alerts.apprise_channel`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from newswatch.alerts.message import (
    Alert,
    default_subject,
    default_text,
    log_text,
    payload,
    template_context,
)
from newswatch.errors import NewswatchError
from newswatch.logs import ALERT
from newswatch.templating import TemplateFailed, render

logger = logging.getLogger("newswatch.alerts")

# (url, body, headers, timeout) -> HTTP status; provided by the fetch module
Poster = Callable[[str, bytes, Mapping[str, str], float], int]

SIGNATURE_HEADER = "X-Newswatch-Signature"


class DeliveryFailed(NewswatchError):
    """A channel could not deliver; the dispatcher retries later."""


class PermanentFailure(DeliveryFailed):
    """Retrying cannot help (a template that does not render): the delivery fails now."""


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, alert: Alert, key: str) -> None:
        """Deliver one alert; ``key`` is the idempotency key (alert id and channel)."""


@dataclass(frozen=True, slots=True)
class Wording:
    """How a channel words an alert: the readable defaults, or the user's templates."""

    template: str | None = None
    subject: str | None = None

    def body(self, alert: Alert, default: Callable[[Alert], str] = default_text) -> str:
        return self._render(self.template, alert) if self.template else default(alert)

    def title(self, alert: Alert) -> str:
        """The one-line subject; a subject template rendering a line break fails for good
        (a header cannot carry it, and folding it would let page text add headers)."""
        if not self.subject:
            return default_subject(alert)
        title = self._render(self.subject, alert).strip()
        if any(c in title for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
            raise PermanentFailure("subject template failed: it renders more than one line")
        return title

    @staticmethod
    def _render(source: str, alert: Alert) -> str:
        try:
            return render(source, template_context(alert))
        except TemplateFailed as exc:
            raise PermanentFailure(str(exc)) from exc


def sign(secret: str, body: bytes) -> str:
    """The ``X-Newswatch-Signature`` value: hex HMAC-SHA256 of the exact body bytes."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LogChannel:
    """Writes one readable line per alert to the ``newswatch.alerts`` logger."""

    name: str
    wording: Wording = field(default_factory=Wording)

    def send(self, alert: Alert, key: str) -> None:
        logger.log(ALERT, "%s", self.wording.body(alert, log_text))


@dataclass(frozen=True)
class WebhookChannel:
    """POSTs the design's JSON body (or the user's template); any 2xx is delivered.

    ``Idempotency-Key`` is stable per alert and channel; with a ``secret`` the body is signed
    (``X-Newswatch-Signature``: hex HMAC-SHA256 of the body) so a receiver can verify it.
    """

    name: str
    url: str
    post: Poster
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    secret: str | None = None
    wording: Wording = field(default_factory=Wording)

    def body(self, alert: Alert) -> tuple[bytes, str]:
        if self.wording.template:
            text = self.wording.body(alert)
            try:
                json.loads(text)
            except ValueError:
                return text.encode(), "text/plain; charset=utf-8"
            return text.encode(), "application/json; charset=utf-8"
        data = json.dumps(payload(alert), ensure_ascii=False, sort_keys=True).encode()
        return data, "application/json; charset=utf-8"

    def send(self, alert: Alert, key: str) -> None:
        body, content_type = self.body(alert)
        headers = {
            "Content-Type": content_type,
            "Idempotency-Key": key,
            "X-Newswatch-Change": alert.id,
            **self.headers,
        }
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, body)
        try:
            status = self.post(self.url, body, headers, self.timeout)
        except NewswatchError as exc:
            raise DeliveryFailed(f"webhook {self.url}: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryFailed(f"webhook {self.url}: HTTP {status}")
