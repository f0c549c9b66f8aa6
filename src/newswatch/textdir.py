"""Which way a text runs: the terminal renderer and the web view both ask this."""

from __future__ import annotations

import unicodedata
from typing import Literal

Direction = Literal["rtl", "ltr", "auto"]
Strong = Literal["rtl", "ltr", "mixed", "none"]

_RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku-arab", "ps", "sd", "ug", "ur", "yi"}
)


def strong_direction(text: str) -> Strong:
    """``rtl`` when most strong characters are right-to-left, ``mixed`` when some are,
    ``ltr`` when none are, ``none`` when the text has no strong character at all."""
    rtl = ltr = 0
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    if rtl > ltr:
        return "rtl"
    if rtl:
        return "mixed"
    return "ltr" if ltr else "none"


def direction(language: str | None, sample: str = "") -> Direction:
    """For ``dir=``: ``rtl`` for a right-to-left language (or, without one, a text mostly
    in RTL letters), ``ltr`` for a known left-to-right one, else ``auto`` (the browser
    decides from the first strong character)."""
    if language:
        code = language.strip().lower().replace("_", "-")
        if code in _RTL_LANGUAGES or code.split("-")[0] in _RTL_LANGUAGES:
            return "rtl"
        return "ltr"
    strong = strong_direction(sample[:2000])
    return "rtl" if strong == "rtl" else "auto" if strong == "none" else "ltr"
