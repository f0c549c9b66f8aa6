"""Reading request parameters: every bad value is a 400 with a reason, never a 500.

Numbers are bounded (SQLite integers are 64-bit; a page number or id past
:data:`MAX_NUMBER` cannot name anything), and a NUL or other control character anywhere in
the path or the query is refused before any route runs (SQLite's full-text query syntax
and C strings do not take it, and no watched URL, source name or search holds one).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from newswatch.clock import utc_now
from newswatch.errors import NewswatchError
from newswatch.history import parse_when

MAX_NUMBER = 2**53
"""The largest id, version number, page or cursor a request may give."""

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def whole_number(raw: str | None, name: str, default: int | None = None) -> int | None:
    """``raw`` as a bounded whole number; None or empty gives ``default``."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number, not {raw!r}") from None
    if abs(value) > MAX_NUMBER:
        raise HTTPException(400, f"{name} is out of range (at most {MAX_NUMBER})")
    return value


def query_number(request: Request, name: str, default: int | None = None) -> int | None:
    return whole_number(request.query_params.get(name), name, default)


def path_number(request: Request, name: str) -> int:
    value = whole_number(str(request.path_params[name]), name)
    assert value is not None
    return value


def query_when(request: Request, name: str, *, end: bool = False) -> datetime | None:
    """``since``/``until`` as the CLI's filters read them: a date (an ``until`` day
    included), a time, or a duration back from now (``2h``, ``7d``)."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return parse_when(raw, utc_now(), end=end)
    except NewswatchError as exc:
        raise HTTPException(400, f"{name}: {exc}") from None


class RefuseControlCharacters:
    """ASGI middleware: a path or query holding a control character gets a plain 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "replace")
            query = scope.get("query_string", b"")
            decoded = unquote_to_bytes(raw) + unquote_to_bytes(query.replace(b"+", b" "))
            if _CONTROL.search(decoded):
                await _refuse(send)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    body = b"newswatch: a control character in the address is not a valid parameter\n"
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})
