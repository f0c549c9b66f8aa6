"""Which way a text runs: the terminal renderer and the web view both ask this."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
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


TerminalOrder = Literal["logical", "visual"]

# Terminals known to lay out right-to-left text themselves (the Unicode bidi algorithm),
# recognised by the variables they set. VTE (GNOME Terminal, Tilix, ...) does so since 0.58.
_BIDI_TERM_PROGRAMS = frozenset({"mlterm", "mintty", "apple_terminal"})
_VTE_BIDI_SINCE = 5800


def terminal_order(environ: Mapping[str, str], is_tty: bool) -> tuple[TerminalOrder, str]:
    """The order to print right-to-left text in, and why (for ``--bidi auto``).

    ``NEWSWATCH_BIDI`` decides when set. Output that is not a terminal (a pipe, a file) is
    logical: programs and editors reorder it themselves. A terminal known to implement bidi
    gets logical order; any other terminal gets visual order, since printing logical order
    there shows Arabic or Hebrew backwards, which is worse than a pre-ordered line.
    """
    chosen = environ.get("NEWSWATCH_BIDI", "").strip().lower()
    if chosen == "logical":
        return "logical", "NEWSWATCH_BIDI=logical"
    if chosen == "visual":
        return "visual", "NEWSWATCH_BIDI=visual"
    if not is_tty:
        return "logical", "not a terminal"
    vte = environ.get("VTE_VERSION", "")
    if vte.isdigit() and int(vte) >= _VTE_BIDI_SINCE:
        return "logical", f"VTE {vte} terminal"
    if environ.get("MLTERM"):
        return "logical", "mlterm"
    if environ.get("KONSOLE_VERSION"):
        return "logical", "Konsole"
    program = environ.get("TERM_PROGRAM", "")
    if program.lower() in _BIDI_TERM_PROGRAMS:
        return "logical", program
    return "visual", "a terminal not known to support bidi"
