"""Article links of a section or home page (the ``index`` source kind). Pure.

The user chooses the links with a CSS ``select`` (elements that are, or contain, the
article links: ``"article h2 a"``, ``".teaser"``) and/or a URL ``pattern`` (a regular
expression searched in the canonical URL: ``"/\\d{4}/\\d{2}/"``). With neither, a cautious
default keeps links on the page's own site (same scheme, host and port: another port is
another server) whose last path segment looks like a document (digits, several dashes, or
``.html``), which is what article URLs look like on most news sites and what navigation
links do not; promotion, subscription and account pages (``/promo/offer-2026.html``) are
left out, since they would be followed as articles that never have one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from newswatch.errors import ExtractError
from newswatch.urls import canonicalize

__all__ = ["check_selector", "extract_links"]


def check_selector(selector: str) -> str | None:
    """Why ``selector`` is not a CSS selector lexbor understands, or None if it is."""
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except (SelectolaxError, ValueError) as exc:
        return str(exc) or "not a CSS selector"
    return None


_DEFAULT_PORTS = {"http": 80, "https": 443}
# words naming what a site sells or asks of its readers, not what it reports
_NOT_NEWS = frozenset(
    [
        "promo",
        "promos",
        "promotion",
        "promotions",
        "offer",
        "offers",
        "deal",
        "deals",
        "subscribe",
        "subscription",
        "subscriptions",
        "newsletter",
        "newsletters",
        "advertise",
        "advertising",
        "ads",
        "sponsored",
        "shop",
        "store",
        "login",
        "signin",
        "signup",
        "register",
        "account",
        "checkout",
        "donate",
        "donation",
        "jobs",
        "careers",
    ]
)
_TOKENS = re.compile(r"[a-z]+")
_EXTENSIONS = frozenset({"html", "htm", "shtml", "php", "aspx", "asp", "jsp"})


def _site(url: str) -> tuple[str, str, int | None]:
    """Scheme, host (``www.`` folded) and port: what makes two URLs the same site."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        port = None
    return parts.scheme, host, port


def _is_promotion(segments: list[str]) -> bool:
    """A folder named for promotions or accounts, or a last segment of only such words."""
    if any(segment.lower() in _NOT_NEWS for segment in segments[:-1]):
        return True
    words = [w for w in _TOKENS.findall(segments[-1].lower()) if w not in _EXTENSIONS]
    return bool(words) and all(word in _NOT_NEWS for word in words)


def _looks_like_article(url: str, page_url: str) -> bool:
    if _site(url) != _site(page_url) or urlsplit(url).path == urlsplit(page_url).path:
        return False
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments or _is_promotion(segments):
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
    from newswatch.extract.extractor import parse  # its stamp readers: not for a link list

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
