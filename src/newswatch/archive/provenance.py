"""Provenance of a version: which capture it was read from, as the views show it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from newswatch.models import iso
from newswatch.store import StoredCapture


def provenance(capture: StoredCapture | None) -> dict[str, Any] | None:
    """The capture's SHA-256, fetch time, status and final URL (None: nothing kept)."""
    if capture is None:
        return None
    return {
        "id": capture.id,
        "sha256": capture.body_sha256,
        "fetched_at": iso(capture.fetched_at),
        "status": capture.status,
        "final_url": capture.final_url,
        "bytes": capture.body_size,
    }


def provenance_line(capture: StoredCapture | None) -> str:
    if capture is None:
        return "capture: none kept"
    return (
        f"capture: sha256 {capture.body_sha256}  fetched {capture.fetched_at:%Y-%m-%d %H:%M:%S}Z"
        f"  HTTP {capture.status}  {capture.final_url}"
    )


def by_version(captures: Iterable[StoredCapture]) -> dict[int, StoredCapture]:
    """For each version number, the capture that made it (else its first confirming)."""
    chosen: dict[int, StoredCapture] = {}
    for capture in captures:
        n = capture.version_n
        if n is None:
            continue
        held = chosen.get(n)
        if held is None or (capture.role == "made" and held.role != "made"):
            chosen[n] = capture
    return chosen
