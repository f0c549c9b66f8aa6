"""Scalar values as the user writes them: durations, sizes, host:port, and echoing them back.

Kept apart from pydantic so that the CLI and history filters parse ``--since 2h`` with the
same rules (and the same plain-words messages) as the config file.
"""

from __future__ import annotations

import re

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*", re.I)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_DURATION_HINT = "expected a duration like 30s, 10m or 2h"

MAX_DURATION = 10 * 365 * 86400.0
"""The longest duration anything takes (ten years): past it date arithmetic overflows."""
MAX_SIZE = 1024**4
"""The largest size anything takes (1 TiB)."""


def show(value: object) -> str:
    """A value as the user wrote it in YAML, for 'got ...' in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "an empty list" if not value else "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


def parse_duration(value: str | int | float) -> float:
    """Seconds in ``value``: ``"30s"``, ``"10m"``, ``"1h30m"``, ``"90"`` or a bare number.

    Units are ms, s, m, h, d, w (lower case, so that ``M`` is never mistaken for months);
    a bare number means seconds. Every duration is at most :data:`MAX_DURATION`. Raises
    ``ValueError`` with a plain-words message.
    """
    return _bounded(_duration(value), value)


def _bounded(seconds: float, value: object) -> float:
    if not seconds <= MAX_DURATION:  # also catches inf and NaN
        raise ValueError(f"expected a duration of at most 10 years (3650d), got {show(value)}")
    return seconds


def _duration(value: str | int | float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{_DURATION_HINT}, got {show(value)}")
    if isinstance(value, int | float):
        if value < 0 or value != value:  # negative or NaN
            raise ValueError(f"{_DURATION_HINT}, got {show(value)}")
        return float(value) if value <= MAX_DURATION else float("inf")
    text = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total, pos = 0.0, 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if match is None:
            raise ValueError(f"{_DURATION_HINT}, got {show(value)}")
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if not text:
        raise ValueError(f"{_DURATION_HINT}, got {show(value)}")
    return total


def seconds_text(value: int | float) -> str:
    """A bare number of seconds as a duration text that :func:`parse_duration` reads back
    (``1e+08`` would not be)."""
    text = f"{float(value):.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


def parse_size(value: str | int) -> int:
    """Bytes in ``value``: an int or ``"512KB"``, ``"10MB"``, ``"1GiB"`` (binary multiples),
    at most :data:`MAX_SIZE`."""
    hint = "expected a size in bytes like 512KB or 10MB"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{hint}, got {show(value)}")
    if isinstance(value, int):
        amount = float(min(value, MAX_SIZE + 1))
    else:
        match = _SIZE.fullmatch(value)
        if match is None:
            raise ValueError(f"{hint}, got {show(value)}")
        amount = float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "")[:1].lower()]
    if not amount <= MAX_SIZE:  # also catches inf
        raise ValueError(f"expected a size of at most 1TB, got {show(value)}")
    size = int(amount)
    if size <= 0:
        raise ValueError(f"expected a size greater than 0, got {show(value)}")
    return size


def parse_listen(value: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:9108`` for IPv6) as a (host, port) pair; ValueError if not."""
    hint = "expected host:port like 127.0.0.1:9108"
    host, sep, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{hint}, got {show(value)}")
    return host, int(port)
