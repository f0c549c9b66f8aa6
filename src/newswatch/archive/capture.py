"""Which fetch is kept as a raw capture, and the capture a check's plan then carries.

Pure: given the plan the planner made and what was fetched, :func:`with_capture` returns
the plan with its capture (or unchanged). The capture rides in the plan so the store writes
it in the same transaction as the version it explains: a crash leaves both or neither.

Modes, per source: ``versions`` (the default) keeps every fetch whose body made or confirmed
a version (a 304 has no body: it is not kept); ``every`` keeps every fetch that got a
response (a 304 with its empty body, a quarantined page too); ``off`` keeps none.

A confirming fetch is compressed against the body that made its version (the check reads
that body, :func:`wants_base` says which): see :mod:`newswatch.archive.bodies`.
"""

from __future__ import annotations

import typing
from dataclasses import replace
from typing import Literal

from newswatch.archive.bodies import compress, decompress, digest, patch_frame
from newswatch.models import FetchResult, PagePatch
from newswatch.store import CaptureRole, CaptureWrite, StoredBody, WritePlan

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


def wants_base(write: WritePlan, fetched: FetchResult | None, mode: CaptureMode) -> int | None:
    """The version whose body the capture of this check is compressed against, if any: a
    fetch that confirms a version is stored as what differs from the page that made it."""
    if fetched is None or write.merge is not None:
        return None
    kept = capture_role(write, fetched, mode)
    return kept[1] if kept is not None and kept[0] == "confirmed" else None


def base_of(stored: StoredBody | None) -> bytes | None:
    """The bytes of a stored plain-framed body, the base a frame is compressed against, or
    None when there is none or it does not read back as its digest says."""
    if stored is None or stored.base is not None:
        return None
    try:
        body = decompress(stored.frame)
    except ValueError:
        return None
    return body if digest(body) == stored.sha256 else None


def capture_of(
    fetched: FetchResult,
    role: CaptureRole,
    version_n: int | None,
    base: StoredBody | None = None,
    patch: PagePatch | None = None,
) -> CaptureWrite:
    """The exchange behind ``fetched`` as a capture (its body compressed and addressed,
    against ``base`` when given, readable and not this very body; as ``patch`` of that
    base, when the check proved the body is the base with those pieces replaced)."""
    body = fetched.content
    sha256 = digest(body)
    against = base if base is not None and base.sha256 != sha256 else None
    framed_on: str | None = None
    if against is not None and against.base is None and patch is not None:
        frame = patch_frame(patch)  # the base is not even read
        framed_on = against.sha256
    else:
        # the very page that made the version is stored already: its base is not read
        base_body = base_of(against) if against is not None else None
        frame = compress(body, base_body)
        framed_on = against.sha256 if against is not None and base_body is not None else None
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
        body_sha256=sha256,
        body_size=len(body),
        body_zstd=frame,
        body_base=framed_on,
    )


def with_capture(
    write: WritePlan,
    fetched: FetchResult | None,
    mode: CaptureMode,
    base: StoredBody | None = None,
    patch: PagePatch | None = None,
) -> WritePlan:
    """``write`` carrying the capture of ``fetched`` when ``mode`` keeps it (compressed
    against ``base``, the stored body :func:`wants_base` asked for, when given, or as
    ``patch`` of it: see :func:`capture_of`)."""
    if fetched is None or write.merge is not None:
        return write
    kept = capture_role(write, fetched, mode)
    if kept is None:
        return write
    return replace(write, capture=capture_of(fetched, *kept, base=base, patch=patch))
