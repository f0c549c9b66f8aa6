"""The Apprise channel: the only module that speaks apprise.

Apprise turns one URL into a notification on one of ~100 services (``tgram://``,
``slack://``, ``matrix://``, ``discord://``, ``ntfy://``, ``json://`` ...), so we write no
service clients by hand. Each URL of a rule is its own channel (see
:func:`newswatch.judge.routing.channel_names`), so a failed service is retried alone and
the ones that accepted are not sent the alert twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import apprise

from newswatch.alerts.channels import DeliveryFailed, Wording
from newswatch.alerts.message import Alert


def check_apprise_url(url: str) -> None:
    """Raise ``ValueError`` (for the config loader) when Apprise does not accept ``url``."""
    if not apprise.Apprise().add(url):
        scheme = urlsplit(url).scheme or url.split(":", 1)[0]
        raise ValueError(
            f"Apprise does not accept this URL (scheme {scheme!r}); see "
            "https://github.com/caronc/apprise/wiki for the URL of each service"
        )


def _safe(url: str) -> str:
    """The URL for messages: scheme and host only (the rest is often a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '…'}"


@dataclass(frozen=True)
class AppriseChannel:
    name: str
    url: str
    wording: Wording = field(default_factory=Wording)

    def send(self, alert: Alert, key: str) -> None:
        sender = apprise.Apprise()
        if not sender.add(self.url):
            raise DeliveryFailed(f"apprise {_safe(self.url)}: URL not accepted")
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:  # type: ignore[no-untyped-call]
            ok = sender.notify(body=self.wording.body(alert), title=self.wording.title(alert))
        if not ok:
            detail = " ".join(captured.getvalue().split())[-300:] or "notification failed"
            raise DeliveryFailed(f"apprise {_safe(self.url)}: {detail}")
