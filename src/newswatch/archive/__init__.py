"""Evidence: the raw exchanges behind versions, and archives of them in the web
archivists' formats.

:mod:`.capture` turns a fetch into the capture a check's plan carries (pure; which fetches
are kept is the source's ``capture`` mode); :mod:`.bodies` holds the one use of zstandard
(compress, decompress, verify); :mod:`.reading` is the reader API over a store's captures
(metadata and the raw bytes, verified against their SHA-256).
"""

from __future__ import annotations

from newswatch.archive.capture import CAPTURE_MODES, CaptureMode, base_of, wants_base, with_capture
from newswatch.archive.reading import CaptureError, RawCapture, read_capture, read_version

__all__ = [
    "CAPTURE_MODES",
    "CaptureError",
    "CaptureMode",
    "RawCapture",
    "base_of",
    "read_capture",
    "read_version",
    "wants_base",
    "with_capture",
]
