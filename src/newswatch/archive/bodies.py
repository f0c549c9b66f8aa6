"""Capture bodies as stored: zstd frames addressed by the SHA-256 of the bytes as received.

The only module that imports zstandard. Level 2: every check that makes or confirms a
version compresses its page, so the level is paid on every round, not once. Measured on a
75 kB news page: level 9 took 1.25 ms and kept 19.5 kB, level 3 0.22 ms and 20.6 kB (6% more);
at 9 compressing was a sixth of an unchanged 1,000-page round's CPU, more than a third of the
extraction's. On the bench site's 92 kB pages level 3 took 0.39 ms and kept 25.0 kB, level 2
0.30 ms and 25.6 kB (2% more), level 1 0.30 ms and 26.1 kB. Frames of any level read back
the same.

A fetch that confirms a version (the page as it was, bar its per-request noise: nonces, ad
correlators, render times) is compressed against the body that made the version, given to
zstd as a raw-content dictionary: what it stores is what differs. On the bench site's 75 kB
pages such a frame holds about 50 bytes instead of 20 kB, in 0.16 ms instead of 0.2 ms.
Reading it back needs that body (its *base*), which is always a plain frame itself.
"""

from __future__ import annotations

import hashlib

import zstandard

LEVEL = 2
#: the largest body accepted back from a frame (bodies are bounded by fetch.max_bytes;
#: this only guards against a corrupt frame claiming a huge size)
MAX_BODY = 1 << 31


def digest(body: bytes) -> str:
    """The body's address: its SHA-256, lower-case hex."""
    return hashlib.sha256(body).hexdigest()


def compress(body: bytes, base: bytes | None = None) -> bytes:
    """A zstd frame of ``body``; against ``base`` (a raw-content dictionary) when given."""
    if base is None:
        return zstandard.ZstdCompressor(level=LEVEL, write_content_size=True).compress(body)
    return zstandard.ZstdCompressor(
        level=LEVEL, write_content_size=True, dict_data=_dictionary(base)
    ).compress(body)


def decompress(frame: bytes, base: bytes | None = None) -> bytes:
    """The body of a stored frame (``base``: the body it was compressed against); raises
    ValueError for a frame that is not zstd, or that does not read with that base."""
    try:
        if base is None:
            return zstandard.ZstdDecompressor().decompress(frame, max_output_size=MAX_BODY)
        return zstandard.ZstdDecompressor(dict_data=_dictionary(base)).decompress(
            frame, max_output_size=MAX_BODY
        )
    except zstandard.ZstdError as exc:
        raise ValueError(f"not a readable zstd frame ({exc})") from exc


def _dictionary(base: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
