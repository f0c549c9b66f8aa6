"""Article links of a section or home page (the ``index`` source kind). Pure.

The user chooses the links with a CSS ``select`` (elements that are, or contain, the
article links: ``"article h2 a"``, ``".teaser"``) and/or a URL ``pattern`` (a regular
expression searched in the canonical URL: ``"/\\d{4}/\\d{2}/"``). With neither, a cautious
default keeps links on the page's own site whose last path segment looks like a document
(digits, several dashes, or ``.html``), which is what article URLs look like on most news
sites and what navigation links do not.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from newswatch.errors import ExtractError
from newswatch.extract.extractor import parse
from newswatch.urls import canonicalize

__all__ = ["check_selector", "extract_links"]


def check_selector(selector: str) -> str | None:
    """Why ``selector`` is not a CSS selector lexbor understands, or None if it is."""
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except (SelectolaxError, ValueError) as exc:
        return str(exc) or "not a CSS selector"
    return None


def _site(host: str | None) -> str:
    host = (host or "").lower()
    return host[4:] if host.startswith("www.") else host


def _looks_like_article(url: str, page_url: str) -> bool:
    parts, page = urlsplit(url), urlsplit(page_url)
    if _site(parts.hostname) != _site(page.hostname) or parts.path == page.path:
        return False
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return False
    last = segments[-1].lower()
    return (
        bool(re.search(r"\d", last))
        or last.count("-") >= 2
        or last.endswith((".html", ".htm", ".shtml"))
    )


def extract_links(
    html: str | bytes,
    page_url: str,
    *,
    select: str | None = None,
    pattern: str | re.Pattern[str] | None = None,
) -> list[str]:
    """Canonical absolute URLs of the article links, in page order, each once.

    Relative links resolve against ``<base href>`` when the page has one, else
    ``page_url``. Raises :class:`ExtractError` for an invalid selector.
    """
    tree = parse(html)
    base_node = tree.css_first("base[href]")
    base = page_url
    if base_node is not None:
        base = canonicalize(base_node.attributes.get("href") or "", page_url) or page_url
    if select:
        try:
            chosen = tree.css(select)
        except (SelectolaxError, ValueError) as exc:
            raise ExtractError(f"invalid CSS selector {select!r}: {exc}") from exc
        anchors = []
        for node in chosen:
            if node.tag == "a":
                anchors.append(node)
            else:
                anchors.extend(node.css("a[href]"))
    else:
        anchors = list(tree.css("a[href]"))
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    found: dict[str, None] = {}
    for anchor in anchors:
        href = anchor.attributes.get("href")
        url = canonicalize(href, base) if href else None
        if url is None or url in found:
            continue
        if regex is not None:
            if not regex.search(url):
                continue
        elif not select and not _looks_like_article(url, page_url):
            continue
        found[url] = None
    return list(found)
