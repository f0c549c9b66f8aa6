"""The last response of a redirect chain turned into a :class:`FetchResult` (or an error).

A 304 is a result, not an error; other non-2xx statuses, wrong content types, oversized and
binary bodies become :class:`~newswatch.errors.FetchError` subclasses with stable messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from newswatch.charset import decode_html, is_plain_utf8
from newswatch.errors import HTTPStatusError, NotHTMLError, TooLargeError
from newswatch.fetch.body import read_capped
from newswatch.fetch.content_type import (
    NOT_WANTED,
    accepts,
    is_textual,
    looks_binary,
    may_accept,
    media_type,
)
from newswatch.fetch.failures import ms_since
from newswatch.fetch.settings import Expect
from newswatch.models import FetchResult, Redirect
from newswatch.politeness import parse_retry_after
from newswatch.urls import split_credentials


def to_result(
    url: str,
    response: httpx.Response,
    *,
    etag: str | None,
    last_modified: str | None,
    expect: Expect,
    redirects: list[Redirect],
    started: float,
    deadline: float,
    max_bytes: int,
    fetched_at: datetime,
) -> FetchResult:
    """Turn the last response of the chain into a result (or an error).

    The headers are decoded once, here: each lookup in httpx's ``Headers`` scans and decodes
    them all again (seven did, and two full copies were decoded, a few µs a fetch).
    """
    status = response.status_code
    final_url = str(response.url)
    received = tuple(response.headers.multi_items())
    headers = _joined(received)
    if status == 304:
        return FetchResult(
            url=url,
            final_url=final_url,
            status=304,
            headers=headers,
            content=b"",
            text=None,
            charset=None,
            etag=headers.get("etag") or etag,
            last_modified=headers.get("last-modified") or last_modified,
            redirects=redirects,
            elapsed_ms=ms_since(started),
            fetched_at=fetched_at,
            **_exchange(response, received),
        )
    if not 200 <= status < 300:
        # the standard phrase, not the server's: messages stay stable in logs and the store
        reason = httpx.codes.get_reason_phrase(status) or response.reason_phrase
        retry_after = parse_retry_after(headers.get("retry-after"), fetched_at)
        raise HTTPStatusError(
            url,
            f"HTTP {status} {reason}".rstrip() + _at(url, final_url),
            status=status,
            retry_after=retry_after,
        )
    content_type = headers.get("content-type", "")
    media = media_type(content_type)
    if not may_accept(media, expect):
        at = _at(url, final_url)
        raise NotHTMLError(url, f"{NOT_WANTED[expect]} ({media}){at}", status=status)
    _check_length(url, headers, max_bytes)
    content = read_capped(url, response, max_bytes, deadline, headers.get("content-encoding", ""))
    if not accepts(media, content, expect):
        at = _at(url, final_url)
        raise NotHTMLError(
            url, f"{NOT_WANTED[expect]} ({media or 'no Content-Type'}){at}", status=status
        )
    if expect != "any" and looks_binary(content):
        at = _at(url, final_url)
        raise NotHTMLError(url, f"binary data labelled {media or 'as nothing'}{at}", status=status)
    text: str | None = None
    charset: str | None = None
    plain = False
    if is_textual(media, content):
        text, charset = decode_html(content, content_type)
        plain = charset == "utf-8" and is_plain_utf8(content, text)
    return FetchResult(
        url=url,
        final_url=final_url,
        status=status,
        headers=headers,
        content=content,
        text=text,
        charset=charset,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        redirects=redirects,
        elapsed_ms=ms_since(started),
        fetched_at=fetched_at,
        plain_utf8=plain,
        **_exchange(response, received),
    )


def _at(url: str, final_url: str) -> str:
    """Where the page was, for an error message, when redirects led elsewhere."""
    return "" if final_url == split_credentials(url)[0] else f" (at {final_url})"


def _joined(received: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The headers by (lower-case) name, a repeated one's values joined by ", " (RFC 9110
    5.3), as httpx's ``Headers.items()`` gives them."""
    headers: dict[str, str] = {}
    for name, value in received:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


#: request headers never kept in a capture: they may carry credentials
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _exchange(response: httpx.Response, received: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The request and response headers as sent and received, for raw capture."""
    request = response.request
    return {
        "request_headers": tuple(
            (k, v) for k, v in request.headers.multi_items() if k.lower() not in _SECRET_HEADERS
        ),
        "response_headers": received,
        "http_version": response.http_version or "HTTP/1.1",
    }


def _check_length(url: str, headers: dict[str, str], max_bytes: int) -> None:
    declared = headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise TooLargeError(url, f"Content-Length {int(declared)} exceeds {max_bytes} bytes")
