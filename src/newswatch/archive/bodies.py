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

When the check has proven where the page differs from the body that made the version (spans
of its pieces, cut at every ``<``: see :mod:`newswatch.extract.reread`), the frame is a
*patch* instead: those spans' bytes and places, zstd-compressed, behind a magic of its own.
Making it costs a few microseconds where compressing against the base took 0.27 ms and
decompressing the base 0.13 ms (bench pages); reading it back puts the spans in the base's
place. Either way the body read back is checked against its SHA-256 (see
:mod:`newswatch.archive.reading`).
"""

from __future__ import annotations

import hashlib
import struct

import zstandard

from newswatch.models import PagePatch

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


PATCH_MAGIC = b"NWP1"
_SPAN = struct.Struct("<IIII")  # piece index, start, end, length of the new bytes


def patch_frame(patch: PagePatch) -> bytes:
    """The frame of a body given as ``patch`` against its base."""
    count, spans = patch
    payload = [struct.pack("<I", count)]
    for index, start, end, data in spans:
        payload += (_SPAN.pack(index, start, end, len(data)), data)
    return PATCH_MAGIC + zstandard.ZstdCompressor(level=LEVEL).compress(b"".join(payload))


def _patched(frame: bytes, base: bytes) -> bytes:
    payload = zstandard.ZstdDecompressor().decompress(frame[len(PATCH_MAGIC) :], MAX_BODY)
    pieces = base.split(b"<")
    if len(payload) < 4 or struct.unpack_from("<I", payload)[0] != len(pieces):
        raise ValueError("not a patch of this base")
    spans: dict[int, list[tuple[int, int, bytes]]] = {}
    at = 4
    while at < len(payload):
        if at + _SPAN.size > len(payload):
            raise ValueError("a truncated patch")
        index, start, end, size = _SPAN.unpack_from(payload, at)
        at += _SPAN.size
        if index >= len(pieces) or not start <= end <= len(pieces[index]):
            raise ValueError("a patch that does not fit its base")
        if at + size > len(payload):
            raise ValueError("a truncated patch")
        spans.setdefault(index, []).append((start, end, payload[at : at + size]))
        at += size
    for index, changes in spans.items():
        piece = pieces[index]
        parts: list[bytes] = []
        done = 0
        for start, end, data in sorted(changes):
            if start < done:
                raise ValueError("a patch whose spans overlap")
            parts += (piece[done:start], data)
            done = end
        parts.append(piece[done:])
        pieces[index] = b"".join(parts)
    return b"<".join(pieces)


def decompress(frame: bytes, base: bytes | None = None) -> bytes:
    """The body of a stored frame (``base``: the body it was compressed against, or the
    body a patch frame patches); raises ValueError for a frame that is not zstd, or that
    does not read with that base."""
    try:
        if frame.startswith(PATCH_MAGIC):
            if base is None:
                raise ValueError("a patch frame needs its base")
            return _patched(frame, base)
        if base is None:
            return zstandard.ZstdDecompressor().decompress(frame, max_output_size=MAX_BODY)
        return zstandard.ZstdDecompressor(dict_data=_dictionary(base)).decompress(
            frame, max_output_size=MAX_BODY
        )
    except zstandard.ZstdError as exc:
        raise ValueError(f"not a readable zstd frame ({exc})") from exc


def _dictionary(base: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
