"""Work budgets of the extractor: a page too large, too deep or too long to be an article.

A hostile or broken page must end quickly with a clear :class:`~newswatch.errors.PageTooComplex`
("too complex: ..."), never a RecursionError, a hang, or a 20 MB "version". Parsing costs grow
faster than the depth of the nesting (a 40k-deep ``<div>`` nest takes seconds to parse), so
depth is estimated from the markup *before* the parse, where it is cheap: pages with fewer
tags than a nest could hurt are not scanned at all. The walk over the parsed tree stops at
:data:`MAX_DEPTH`; what the extractor would keep is bounded in paragraphs and characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import accumulate

from newswatch.errors import PageTooComplex

MAX_HTML_CHARS = 10_000_000
"""Characters of markup read at all (real news pages stay under a few MB)."""
MAX_ELEMENTS = 150_000
"""Opening tags in the page (the busiest real pages have about 10,000)."""
MAX_DEPTH = 500
"""Elements nested in elements: the walk stops here (real pages stay under 100)."""
MAX_PARAGRAPHS = 10_000
MAX_TEXT_CHARS = 1_000_000
"""Characters of article text (a long read is 50,000)."""
SCAN_TAGS = 20_000
"""Pages with fewer ``<`` than this cannot nest deep enough to slow the parser down much
(a 10,000-deep nest parses in well under a second), so only bigger ones are scanned."""
_SCAN_DEPTH = 2 * MAX_DEPTH  # the scan over-counts (unclosed tags): a looser bound

_TAG = re.compile(r"<(/?)[a-zA-Z]")
# text that holds "<" that are no tags, and elements that need no end tag
_OPAQUE = re.compile(
    r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<svg\b.*?</svg\s*>|<!--.*?-->",
    re.I | re.S,
)
_UNCLOSED = re.compile(
    r"<(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr|p|li|dt|dd|"
    r"tr|td|th|option|optgroup|tbody|thead|tfoot|colgroup|rb|rt|rp)(?=[\s/>])[^>]*>"
    r"|</(?:p|li|dt|dd|tr|td|th|option|optgroup|tbody|thead|tfoot|colgroup|rb|rt|rp)\s*>",
    re.I,
)
_STEP = {"": 1, "/": -1}


def check_markup(html: str) -> None:
    """Refuse, before parsing, a page too large or nested too deep to be read quickly."""
    if len(html) > MAX_HTML_CHARS:
        raise PageTooComplex(f"page of {len(html):,} characters (limit {MAX_HTML_CHARS:,})")
    if html.count("<") < SCAN_TAGS:
        return
    markup = _OPAQUE.sub("", html)
    tags = _TAG.findall(markup)
    opens = len(tags) - tags.count("/")
    if opens > MAX_ELEMENTS:
        raise PageTooComplex(f"about {opens:,} elements (limit {MAX_ELEMENTS:,})")
    tags = _TAG.findall(_UNCLOSED.sub("", markup))
    depth = max(accumulate(map(_STEP.__getitem__, tags)), default=0)
    if depth > _SCAN_DEPTH:
        raise PageTooComplex(f"elements nested about {depth:,} deep (limit {MAX_DEPTH})")


def too_deep() -> PageTooComplex:
    return PageTooComplex(f"elements nested more than {MAX_DEPTH} deep")


def check_article(paragraphs: Sequence[str]) -> None:
    """Refuse an article whose text no reader would call one (500k paragraphs, 20 MB)."""
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise PageTooComplex(f"{len(paragraphs):,} paragraphs (limit {MAX_PARAGRAPHS:,})")
    chars = sum(map(len, paragraphs))
    if chars > MAX_TEXT_CHARS:
        raise PageTooComplex(f"{chars:,} characters of text (limit {MAX_TEXT_CHARS:,})")
