"""Per-site CSS rules for the pages generic detection gets wrong."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ExtractRules:
    """CSS selectors overriding detection for one site.

    ``body``: the element(s) holding the article (every match, in page order); ``title``: the
    headline element (first match); ``drop``: elements removed before anything is read.
    """

    body: str | None = None
    title: str | None = None
    drop: list[str] = field(default_factory=list)
