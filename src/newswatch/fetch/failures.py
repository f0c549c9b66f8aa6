"""Deadlines and failure translation: no httpx (or zlib) exception escapes the package.

Every failure becomes a :class:`~newswatch.errors.FetchError` subclass carrying the URL, and
``timeout`` bounds a whole fetch (all hops and the body), not only each socket read.
"""

from __future__ import annotations

import time
import zlib

import httpx

from newswatch.errors import FetchError, FetchTimeout, NetworkError

# everything httpx (and our inflater) may raise; mapped to FetchError subclasses by translate
TRANSLATED = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, zlib.error, UnicodeError)


def remaining(url: str, deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchTimeout(url, "timed out (deadline for the whole fetch)")
    return left


def ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def translate(url: str, exc: Exception) -> FetchError:
    """The FetchError for one of the ``TRANSLATED`` httpx (or zlib) failures."""
    if isinstance(exc, httpx.TimeoutException):
        return FetchTimeout(url, f"timed out ({_describe(exc)})")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FetchError(url, f"unsupported URL ({_describe(exc)})")
    if isinstance(exc, httpx.TransportError | httpx.StreamError):
        return NetworkError(url, _describe(exc))
    if isinstance(exc, zlib.error):
        return FetchError(url, f"corrupt compressed body ({exc})")
    return FetchError(url, _describe(exc))


def _describe(exc: Exception) -> str:
    """A short reason: the exception's message, or its class name when it has none."""
    return str(exc) or type(exc).__name__
