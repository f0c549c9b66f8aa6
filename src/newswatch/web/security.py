"""What every response of the web view carries, and the optional access token.

Security headers: a strict Content-Security-Policy (no script may run at all, styles only
from the view itself; a captured page gets its own, ``sandbox`` first), no MIME sniffing,
no framing, no referrer (a click through to a watched site does not tell it where the
reader came from, nor leak a ``?token=``).

The token, when one is set, is accepted from an ``Authorization: Bearer`` or
``X-Newswatch-Token`` header, a ``?token=`` query parameter (which also sets an HttpOnly,
SameSite=Strict cookie, so the links of the page just opened keep working), or that
cookie. The cookie holds a keyed hash of the token, not the token; comparisons are
constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
COOKIE = "newswatch_token"


def cookie_value(token: str) -> str:
    """What the cookie holds for ``token``: a keyed hash (cookie-safe, not the token)."""
    return hmac.new(token.encode(), b"newswatch-view-cookie", hashlib.sha256).hexdigest()


def _presented(scope: Scope) -> tuple[str | None, str]:
    """The token (or cookie hash) a request presents, and where: header, query or cookie."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), "header"
    if "x-newswatch-token" in headers:
        return headers["x-newswatch-token"].strip(), "header"
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    if "token" in query:
        return query["token"], "query"
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is no token, not an error
        return None, "cookie"
    morsel = cookie.get(COOKIE)
    return (morsel.value if morsel is not None else None), "cookie"


class Guard:
    """ASGI middleware: security headers on every response; the token when one is set."""

    def __init__(self, app: ASGIApp, token: str | None = None) -> None:
        self.app = app
        self.token = token or None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        set_cookie = False
        if self.token is not None:
            given, where = _presented(scope)
            expected = cookie_value(self.token) if where == "cookie" else self.token
            if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
                await self._refuse(send, given is not None)
                return
            set_cookie = where == "query"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = message.get("headers", [])
                headers = [(k, v) for k, v in given if k.lower() not in dict(HEADERS)]
                headers.extend(HEADERS)
                # a captured page brings a stricter policy of its own (``sandbox``: see
                # web/capture.py); it replaces the view's, never loosens it
                sandboxed = [
                    v
                    for k, v in given
                    if k.lower() == b"content-security-policy" and v.startswith(b"sandbox")
                ]
                if sandboxed:
                    headers = [
                        (k, sandboxed[0] if k == b"content-security-policy" else v)
                        for k, v in headers
                    ]
                if set_cookie and self.token is not None:
                    value = (
                        f"{COOKIE}={cookie_value(self.token)}; Path=/; HttpOnly; SameSite=Strict"
                    )
                    headers.append((b"set-cookie", value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    async def _refuse(send: Send, wrong: bool) -> None:
        body = (
            b"newswatch: wrong access token\n"
            if wrong
            else b"newswatch: this view needs an access token (?token=..., or an "
            b"'Authorization: Bearer ...' header)\n"
        )
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"www-authenticate", b'Bearer realm="newswatch"'),
                    *HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
