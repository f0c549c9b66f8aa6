"""Real alert receivers on 127.0.0.1: an HTTP sink (webhooks, Apprise json://) and SMTP.

The SMTP server is aiosmtpd; with ``tls=True`` it offers STARTTLS with a certificate from a
throw-away CA made by trustme (the client is pointed at that CA with ``ca_file``), and with
``implicit_tls=True`` it speaks TLS from the first byte (``smtps://``).
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpSink:
    """Records every POST to any path; ``status`` (per path) says what it answers."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.requests: list[Received] = []
        self.status: dict[str, int] = {}
        self._lock = threading.Lock()
        server.expect_request(re.compile(r"/.*"), method="POST").respond_with_handler(self._handle)

    def url(self, path: str) -> str:
        return self.server.url_for(path)

    def _handle(self, request: Request) -> Response:
        status = self.status.get(request.path, 200)
        if status == 200:
            with self._lock:
                self.requests.append(
                    Received(request.path, dict(request.headers), request.get_data())
                )
        return Response("", status=status)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class _Handler:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos)))
        return "250 OK"


@dataclass
class SmtpSink:
    port: int
    handler: _Handler
    ca_file: Path | None
    logins: list[tuple[str, str]]

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages


class _Auth:
    def __init__(self, user: str, password: str, logins: list[tuple[str, str]]) -> None:
        self.user, self.password, self.logins = user, password, logins

    def __call__(
        self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            if (login, password) == (self.user, self.password):
                self.logins.append((login, password))
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def smtp_sink(
    tmp_path: Path,
    *,
    tls: bool = False,
    implicit_tls: bool = False,
    port: int | None = None,
    user: str = "desk",
    password: str = "s3cret",
) -> Iterator[SmtpSink]:
    """Run an aiosmtpd server until the generator is closed (use with ``yield from``)."""
    handler = _Handler()
    logins: list[tuple[str, str]] = []
    ca_file: Path | None = None
    kwargs: dict[str, Any] = {
        "authenticator": _Auth(user, password, logins),
        # aiosmtpd only knows about STARTTLS; under implicit TLS it would hide AUTH although
        # the connection is encrypted, so the check is left to the STARTTLS case
        "auth_require_tls": tls,
    }
    context: ssl.SSLContext | None = None
    if tls or implicit_tls:
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        ca_file = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
    if tls and context is not None:
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = True
    port = port or free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ssl_context=context if implicit_tls else None,
        server_hostname="127.0.0.1",
        **kwargs,
    )
    controller.start()
    try:
        yield SmtpSink(port, handler, ca_file, logins)
    finally:
        controller.stop()


class StallingReceiver:
    """A webhook receiver that never answers in time, on a raw socket of 127.0.0.1.

    ``mode`` says how: ``hang`` reads the request and says nothing, ``late`` answers 200
    only after ``delay`` seconds, ``drip`` sends an endless status line one byte at a time
    (every byte resets a per-read timeout, so only a deadline over the whole exchange ends
    it). ``requests`` counts the requests read. Closing it ends every open exchange.
    """

    def __init__(self, mode: str, delay: float = 30.0) -> None:
        self.mode = mode
        self.delay = delay
        self.requests = 0
        self._closed = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/hook"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(1.0)
            try:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
            except OSError:
                return
            with self._lock:
                self.requests += 1
            try:
                if self.mode == "late":
                    if not self._closed.wait(self.delay):
                        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                elif self.mode == "drip":
                    conn.sendall(b"HTTP/1.1 200 ")
                    while not self._closed.wait(0.2):
                        conn.sendall(b"O")
                else:
                    self._closed.wait()
            except OSError:
                return

    def close(self) -> None:
        self._closed.set()
        self._sock.close()
