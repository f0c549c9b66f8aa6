"""The captured page itself, served inert.

A capture is someone else's page, scripts included. It is served with its own
Content-Security-Policy, ``sandbox`` (an opaque origin: no script runs, no form posts, no
access to our cookies or pages) and ``default-src 'none'`` (nothing it names is fetched, so
reading it tells the site nothing), ``nosniff``, and as a download on ``?download=1``.
The bytes are those captured, checked against their SHA-256 before they are sent.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from newswatch.archive import CaptureError, read_version
from newswatch.store import HistoryReader
from newswatch.web.params import path_number

#: the policy of a captured page (kept by the Guard in place of the view's own)
CAPTURE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def captured_page(reader: HistoryReader, request: Request) -> Response:
    article_id = path_number(request, "article_id")
    n = path_number(request, "n")
    try:
        raw = read_version(reader, article_id, n)
    except CaptureError as exc:
        raise HTTPException(500, str(exc)) from exc
    if raw is None:
        raise HTTPException(404, f"no capture kept of version {n}")
    media = (raw.header("content-type") or "application/octet-stream").strip()
    headers = {
        "content-security-policy": CAPTURE_CSP,
        "x-capture-sha256": raw.meta.body_sha256,
        "cache-control": "no-store",
    }
    if request.query_params.get("download"):
        name = f"article-{article_id}-v{n}-{raw.meta.body_sha256[:12]}.html"
        headers["content-disposition"] = f'attachment; filename="{name}"'
    return Response(raw.body, media_type=None, headers={**headers, "content-type": media})
