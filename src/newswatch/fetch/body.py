"""Reading a body within bounds: streamed, inflated here (gzip/deflate via ``zlib``).

Inflating ourselves, with an output limit per step, means a gzip bomb, even a doubly-encoded
one, never inflates more than ``max_bytes`` plus one small piece; the raw stream is bounded
in size and by the fetch's deadline too.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx

from newswatch.errors import FetchError, TooLargeError
from newswatch.fetch.failures import remaining

PIECE = 64 * 1024  # most bytes one inflate step may produce
_GZIP_MAGIC = b"\x1f\x8b"


def read_capped(
    url: str, response: httpx.Response, limit: int, deadline: float, content_encoding: str
) -> bytes:
    """Stream, inflate and collect the body; stop as soon as it passes ``limit`` bytes.

    ``content_encoding`` is the response's header (the caller has them decoded already)."""
    if response.is_stream_consumed:
        # an in-memory transport (httpx.MockTransport) hands over a body httpx already read
        if len(response.content) > limit:
            raise TooLargeError(url, f"body exceeds {limit} bytes")
        return response.content
    raw = raw_chunks(url, response, limit, deadline)
    parts: list[bytes] = []
    total = 0
    for piece in _decode_body(url, raw, content_encoding):
        total += len(piece)
        if total > limit:
            raise TooLargeError(url, f"body exceeds {limit} bytes")
        parts.append(piece)
    return b"".join(parts)


def raw_chunks(url: str, response: httpx.Response, limit: int, deadline: float) -> Iterator[bytes]:
    """The bytes as they arrive, bounded in size (compressed) and in total time."""
    total = 0
    for chunk in response.iter_raw():
        total += len(chunk)
        if total > limit:
            raise TooLargeError(url, f"body exceeds {limit} bytes")
        remaining(url, deadline)
        yield chunk


def _decode_body(url: str, raw: Iterator[bytes], content_encoding: str) -> Iterator[bytes]:
    """Undo Content-Encoding layers lazily, each yielding pieces of at most ``PIECE`` bytes."""
    stream = raw
    # "gzip, deflate" means gzip was applied first: undo in reverse order
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",")]):
        if coding in ("", "identity"):
            continue
        if coding in ("gzip", "x-gzip"):
            stream = _inflate(stream, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            stream = _inflate(stream, None)
        else:
            raise FetchError(url, f"unsupported Content-Encoding {coding!r}")
    return stream


def _inflate(chunks: Iterator[bytes], wbits: int | None) -> Iterator[bytes]:
    """Inflate a zlib/gzip stream (``wbits`` None: zlib or raw deflate, whichever it is)."""
    decoder: zlib._Decompress | None = None
    done = False  # the stream ended; whatever follows is padding, ignored like httpx does
    for chunk in chunks:
        data = b"" if done else chunk
        while data:
            if decoder is None:
                decoder = zlib.decompressobj(_deflate_wbits(data) if wbits is None else wbits)
            out = decoder.decompress(data, PIECE)
            if out:
                yield out
            data = decoder.unconsumed_tail
            # drain output zlib still holds once the input is used up
            while not data and len(out) == PIECE:
                out = decoder.decompress(b"", PIECE)
                if out:
                    yield out
            if decoder.eof:
                # a gzip body may hold several members, each starting with the magic bytes
                data = decoder.unused_data
                decoder = None
                if wbits is None or not data.startswith(_GZIP_MAGIC):
                    data, done = b"", True
    if decoder is not None:
        tail = decoder.flush()
        if tail:
            yield tail


def _deflate_wbits(head: bytes) -> int:
    """ "deflate" is zlib-wrapped per the RFC, yet some servers send raw deflate."""
    if len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0:
        return zlib.MAX_WBITS
    return -zlib.MAX_WBITS
