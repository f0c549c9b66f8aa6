"""The e-mail channel: one plain-text UTF-8 message per alert, through SMTP (smtplib).

``smtp://user:password@host:587`` upgrades the connection with STARTTLS when the server
offers it, and refuses to send a password over a connection that was not upgraded;
``smtps://host:465`` speaks TLS from the first byte. Certificates are verified against the
system's CAs, or ``ca_file``. The ``Message-ID`` is derived from the idempotency key, so
a repeat (a crash right after the server accepted the message) can be recognised.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from newswatch.alerts.channels import DeliveryFailed, Wording
from newswatch.alerts.message import Alert

_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to connect, parsed from the ``smtp:`` URL."""

    host: str
    port: int
    tls: bool  # implicit TLS (smtps://); otherwise STARTTLS when offered
    user: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        return cls(
            host=parts.hostname or "",
            port=parts.port or _DEFAULT_PORTS.get(scheme, 25),
            tls=scheme == "smtps",
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def __repr__(self) -> str:  # never show the password in logs
        scheme = "smtps" if self.tls else "smtp"
        user = f"{self.user}@" if self.user else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


@dataclass(frozen=True)
class EmailChannel:
    name: str
    server: SmtpServer
    sender: str
    recipients: tuple[str, ...]
    timeout: float = 30.0
    ca_file: str | None = None
    wording: Wording = field(default_factory=Wording)

    def message(self, alert: Alert, key: str) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = self.wording.title(alert)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = f"<{key.replace(':', '.')}@newswatch>"
        msg["X-Newswatch-Change"] = alert.id
        msg.set_content(self.wording.body(alert), charset="utf-8")
        return msg

    def send(self, alert: Alert, key: str) -> None:
        msg = self.message(alert, key)
        server = self.server
        context = ssl.create_default_context(cafile=self.ca_file)
        try:
            smtp: smtplib.SMTP
            if server.tls:
                smtp = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            with smtp:
                smtp.ehlo()
                if not server.tls and smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif not server.tls and server.user:
                    raise DeliveryFailed(
                        f"e-mail via {server!r}: the server offers no STARTTLS; "
                        "not sending the password in clear (use smtps://)"
                    )
                if server.user:
                    smtp.login(server.user, server.password or "")
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"e-mail via {server!r}: {exc}") from exc
