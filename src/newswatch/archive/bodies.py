"""Capture bodies as stored: zstd frames addressed by the SHA-256 of the bytes as received.

The only module that imports zstandard. Level 3 (zstd's own default): every check that makes
or confirms a version compresses its page, so the level is paid on every round, not once.
Measured on a 75 kB news page: level 9 took 1.25 ms and kept 19.5 kB, level 3 0.22 ms and
20.6 kB (6% more); at 9 compressing was a sixth of an unchanged 1,000-page round's CPU, more
than a third of the extraction's. Frames of any level read back the same.
"""

from __future__ import annotations

import hashlib

import zstandard

LEVEL = 3
#: the largest body accepted back from a frame (bodies are bounded by fetch.max_bytes;
#: this only guards against a corrupt frame claiming a huge size)
MAX_BODY = 1 << 31


def digest(body: bytes) -> str:
    """The body's address: its SHA-256, lower-case hex."""
    return hashlib.sha256(body).hexdigest()


def compress(body: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=LEVEL, write_content_size=True).compress(body)


def decompress(frame: bytes) -> bytes:
    """The body of a stored frame; raises ValueError for a frame that is not zstd."""
    try:
        return zstandard.ZstdDecompressor().decompress(frame, max_output_size=MAX_BODY)
    except zstandard.ZstdError as exc:
        raise ValueError(f"not a readable zstd frame ({exc})") from exc
