"""The extractor: one page's HTML to an :class:`~newswatch.models.Article`.

Only this package speaks to the HTML parser (selectolax/lexbor); the rest of newswatch sees
frozen records.

Its names are loaded on first use (PEP 562): the extractor's modules compile some 300
regular expressions, about a quarter of the command line's import time, and a check pass
whose pages all read as their versions' did, like most commands, never extracts anything.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from newswatch.extract.rules import ExtractRules, validate_selector

if TYPE_CHECKING:
    from newswatch.extract.extractor import Read, extract, parse, read_page
    from newswatch.extract.pagedates import extract_dates
    from newswatch.extract.stamps import StampReading

_LAZY = {
    "Read": "extractor",
    "extract": "extractor",
    "parse": "extractor",
    "read_page": "extractor",
    "extract_dates": "pagedates",
    "StampReading": "stamps",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ExtractRules",
    "Read",
    "StampReading",
    "extract",
    "extract_dates",
    "parse",
    "read_page",
    "validate_selector",
]
