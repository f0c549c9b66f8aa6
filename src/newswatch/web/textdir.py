"""Which way a text runs, for ``dir=`` attributes: Arabic, Hebrew, Persian... right to left."""

from __future__ import annotations

import unicodedata
from typing import Literal

Direction = Literal["rtl", "ltr", "auto"]

_RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku-arab", "ps", "sd", "ug", "ur", "yi"}
)


def direction(language: str | None, sample: str = "") -> Direction:
    """``rtl`` for a right-to-left language (or, without one, a text mostly in RTL
    letters), ``ltr`` for a known left-to-right one, else ``auto`` (the browser decides
    from the first strong character)."""
    if language:
        code = language.strip().lower().replace("_", "-")
        if code in _RTL_LANGUAGES or code.split("-")[0] in _RTL_LANGUAGES:
            return "rtl"
        return "ltr"
    rtl = ltr = 0
    for ch in sample[:2000]:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    if rtl > ltr:
        return "rtl"
    return "ltr" if ltr else "auto"
