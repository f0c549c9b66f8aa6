"""The reader API over a store's captures: metadata, and the raw bytes verified.

What archives and re-extraction build on: ``read_capture(reader, id)`` and
``read_version(reader, article_id, n)`` give a :class:`RawCapture` (the stored metadata and
the body exactly as received), and refuse with :class:`CaptureError` a body that is missing
or whose SHA-256 no longer matches, rather than hand over altered evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from newswatch.archive.bodies import decompress, digest
from newswatch.archive.capture import base_of
from newswatch.errors import NewswatchError
from newswatch.store import CaptureReader, StoredCapture


class CaptureError(NewswatchError):
    """A capture that cannot be read back as it was stored."""


@dataclass(frozen=True, slots=True)
class RawCapture:
    meta: StoredCapture
    body: bytes

    def header(self, name: str) -> str | None:
        """The first response header of that name (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.meta.response_headers if k.lower() == wanted), None)


def read_body(reader: CaptureReader, meta: StoredCapture) -> bytes:
    stored = reader.capture_body(meta.body_sha256)
    if stored is None:
        raise CaptureError(f"capture {meta.id}: body {meta.body_sha256} is missing")
    base: bytes | None = None
    if stored.base is not None:
        base = base_of(reader.capture_body(stored.base))
        if base is None:
            raise CaptureError(f"capture {meta.id}: the body its frame needs is missing")
    try:
        body = decompress(stored.frame, base)
    except ValueError as exc:
        raise CaptureError(f"capture {meta.id}: {exc}") from exc
    if digest(body) != meta.body_sha256 or len(body) != meta.body_size:
        raise CaptureError(f"capture {meta.id}: body does not match its SHA-256")
    return body


def read_capture(reader: CaptureReader, capture_id: int) -> RawCapture | None:
    meta = reader.capture(capture_id)
    return RawCapture(meta, read_body(reader, meta)) if meta is not None else None


def read_version(
    reader: CaptureReader, article_id: int, n: int, generation: int | None = None
) -> RawCapture | None:
    """The capture that made (else first confirmed) version ``n`` of the current generation
    (or of ``generation``), or None if none kept."""
    meta = reader.version_capture(article_id, n, generation)
    return RawCapture(meta, read_body(reader, meta)) if meta is not None else None
