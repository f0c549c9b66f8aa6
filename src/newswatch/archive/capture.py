"""Which fetch is kept as a raw capture, and the capture a check's plan then carries.

Pure: given the plan the planner made and what was fetched, :func:`with_capture` returns
the plan with its capture (or unchanged). The capture rides in the plan so the store writes
it in the same transaction as the version it explains: a crash leaves both or neither.

Modes, per source: ``versions`` (the default) keeps every fetch whose body made or confirmed
a version (a 304 has no body: it is not kept); ``every`` keeps every fetch that got a
response (a 304 with its empty body, a quarantined page too); ``off`` keeps none.
"""

from __future__ import annotations

import typing
from dataclasses import replace
from typing import Literal

from newswatch.archive.bodies import compress, digest
from newswatch.models import FetchResult
from newswatch.store import CaptureRole, CaptureWrite, WritePlan

CaptureMode = Literal["versions", "every", "off"]
CAPTURE_MODES: tuple[str, ...] = typing.get_args(CaptureMode)


def capture_role(
    write: WritePlan, fetched: FetchResult, mode: CaptureMode
) -> tuple[CaptureRole, int | None] | None:
    """What the fetch behind ``write`` is to its version, if ``mode`` keeps it."""
    if mode == "off" or (mode == "versions" and fetched.not_modified):
        return None
    if write.version is not None:
        return "made", write.version.n
    if write.seen_again is not None:
        return "confirmed", write.seen_again
    return ("fetch", None) if mode == "every" else None


def capture_of(fetched: FetchResult, role: CaptureRole, version_n: int | None) -> CaptureWrite:
    """The exchange behind ``fetched`` as a capture (its body compressed and addressed)."""
    body = fetched.content
    headers = fetched.response_headers or tuple(fetched.headers.items())
    return CaptureWrite(
        role=role,
        version_n=version_n,
        url=fetched.url,
        final_url=fetched.final_url,
        method="GET",
        request_headers=fetched.request_headers,
        status=fetched.status,
        response_headers=headers,
        http_version=fetched.http_version,
        redirects=tuple(fetched.redirects),
        fetched_at=fetched.fetched_at,
        body_sha256=digest(body),
        body_size=len(body),
        body_zstd=compress(body),
    )


def with_capture(write: WritePlan, fetched: FetchResult | None, mode: CaptureMode) -> WritePlan:
    """``write`` carrying the capture of ``fetched`` when ``mode`` keeps it."""
    if fetched is None or write.merge is not None:
        return write
    kept = capture_role(write, fetched, mode)
    if kept is None:
        return write
    return replace(write, capture=capture_of(fetched, *kept))
