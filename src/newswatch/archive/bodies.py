"""Capture bodies as stored: zstd frames addressed by the SHA-256 of the bytes as received.

The only module that imports zstandard. Compression level 9 is a middle ground: HTML
compresses about 6-10x, and a check compresses one page, so the CPU cost is small beside
the fetch and the extraction.
"""

from __future__ import annotations

import hashlib

import zstandard

LEVEL = 9
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
