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
    a bare number means seconds. Raises ``ValueError`` with a plain-words message.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{_DURATION_HINT}, got {show(value)}")
    if isinstance(value, int | float):
        if value < 0 or value != value:  # negative or NaN
            raise ValueError(f"{_DURATION_HINT}, got {show(value)}")
        return float(value)
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


def parse_size(value: str | int) -> int:
    """Bytes in ``value``: an int or ``"512KB"``, ``"10MB"``, ``"1GiB"`` (binary multiples)."""
    hint = "expected a size in bytes like 512KB or 10MB"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{hint}, got {show(value)}")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"expected a size greater than 0, got {value}")
        return value
    match = _SIZE.fullmatch(value)
    if match is None:
        raise ValueError(f"{hint}, got {show(value)}")
    size = int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "")[:1].lower()])
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
