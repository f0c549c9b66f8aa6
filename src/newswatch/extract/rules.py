"""Per-site CSS rules for the pages generic detection gets wrong."""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

_PROBE = LexborHTMLParser("<html><body><p>x</p></body></html>")


@dataclass(frozen=True, slots=True)
class ExtractRules:
    """CSS selectors overriding detection for one site.

    ``body``: the element(s) holding the article (every match, in page order); ``title``: the
    headline element (first match); ``drop``: elements removed before anything is read.
    """

    body: str | None = None
    title: str | None = None
    drop: list[str] = field(default_factory=list)


def validate_selector(selector: str) -> str | None:
    """Why ``selector`` is not a CSS selector the extractor can use, or None when it is.

    The parser itself is asked (on a one-line page), so configuration is checked against
    exactly what extraction will accept, without the config module knowing the parser.
    """
    if not selector.strip():
        return "expected a CSS selector, got an empty string"
    try:
        _PROBE.css(selector)
    except (SelectolaxError, ValueError) as exc:
        return f"invalid CSS selector {selector!r}: {exc}"
    return None
