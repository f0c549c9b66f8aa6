"""Field types shared by the config models: each checks one kind of value in plain words.

A ``BeforeValidator`` sees the raw YAML value, so its message can quote what the user wrote.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator, ConfigDict

from newswatch.config.units import parse_duration, parse_listen, show
from newswatch.extract.rules import validate_selector

#: every config model is immutable and refuses unknown keys (reported with a hint)
FROZEN = ConfigDict(frozen=True, extra="forbid")


def positive_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"expected a duration greater than 0s, got {show(value)}")
    return seconds


def _http_url(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # pydantic's str check reports the wrong type
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in value.strip():
        raise ValueError(f"expected an absolute http(s) URL, got {show(value)}")
    return value.strip()


def _plain_name(value: Any) -> Any:
    if isinstance(value, str) and (not value or re.search(r"[\s/]", value)):
        raise ValueError(f"expected a name without spaces or slashes, got {show(value)}")
    return value


def _css_selector(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # pydantic's str check reports the wrong type
    problem = validate_selector(value)
    if problem is not None:
        raise ValueError(problem)
    return value.strip()


def one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(positive_duration)]
Selector = Annotated[str, BeforeValidator(_css_selector)]


def _listen(value: Any) -> Any:
    if isinstance(value, str):
        parse_listen(value)
        return value.strip()
    return value  # pydantic's str check reports the wrong type


Listen = Annotated[str, BeforeValidator(_listen)]
HttpURL = Annotated[str, BeforeValidator(_http_url)]
Name = Annotated[str, BeforeValidator(_plain_name)]
