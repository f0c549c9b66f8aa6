"""``extract()``: one page's HTML in, one :class:`~newswatch.models.Article` out.

Pure: no network, no database, no clock (``fetched_at`` is passed in for stamps that say
"2 hours ago" or give a time without a date). The page is parsed once; the body is walked
once (:mod:`newswatch.extract.dom`); everything else reads the numbers that walk produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from newswatch.charset import decode_html, plain_utf8
from newswatch.errors import ExtractError, PageTooComplex
from newswatch.extract.body import (
    follow_declared_body,
    pick_containers,
    score_elements,
    select_blocks,
    single_post,
)
from newswatch.extract.budget import MAX_HTML_CHARS, check_article, check_markup
from newswatch.extract.dom import Block, Elem, Page, walk_page
from newswatch.extract.fetchtime import FetchTime
from newswatch.extract.furniture import strip_shortcodes
from newswatch.extract.meta import MetaNodes, PageMeta, meta_nodes, read_meta
from newswatch.extract.rules import ExtractRules
from newswatch.extract.stamps import read_stamps
from newswatch.extract.title import choose_language, choose_title
from newswatch.models import Article
from newswatch.normalize import clean_text, comparable


def parse(html: str | bytes, raw: bytes | None = None) -> LexborHTMLParser:
    """Parse a page, decoding bytes by the page's declared or detected charset.

    Bytes in plain UTF-8 (most pages) go to the parser as they are: decoded only to be
    checked, not encoded back to UTF-8 for it as text would be; ``raw`` gives those bytes
    beside their text when the caller decoded them already (a fetch), sparing the decode
    too. Raises :class:`~newswatch.errors.PageTooComplex` for a page beyond the work budgets
    (:mod:`newswatch.extract.budget`) before parsing it.
    """
    if isinstance(html, str):
        check_markup(html)
        return LexborHTMLParser(raw if raw is not None else html)
    if len(html) > MAX_HTML_CHARS * 4:  # whatever its charset
        raise PageTooComplex(f"page of {len(html):,} bytes (limit {MAX_HTML_CHARS:,} characters)")
    text = plain_utf8(html)
    if text is not None:
        check_markup(text)
        return LexborHTMLParser(html)
    text = decode_html(html)[0]
    check_markup(text)
    return LexborHTMLParser(text)


def _select(tree: LexborHTMLParser, selector: str) -> list[LexborNode]:
    try:
        return list(tree.css(selector))
    except (SelectolaxError, ValueError) as exc:
        raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc


def _matches(tree: LexborHTMLParser, selectors: Sequence[str]) -> set[int]:
    return {node.mem_id for selector in selectors for node in _select(tree, selector)}


def _rule_containers(page: Page, body_ids: set[int]) -> list[int]:
    """Elements matched by the body rule, outermost only (a nested match adds nothing)."""
    chosen: list[int] = []
    end = -1
    for elem in page.elems:
        if elem.mem_id in body_ids and elem.index > end:
            chosen.append(elem.index)
            end = _last_descendant(page.elems, elem.index)
    return chosen


def _last_descendant(elems: Sequence[Elem], index: int) -> int:
    while elems[index].children:
        index = elems[index].children[-1]
    return index


def _headings_near(page: Page, containers: Sequence[int]) -> list[str]:
    """The page's h1 texts, those sharing the deepest ancestor with the article first."""
    h1s: list[tuple[int, int, str]] = []
    elems = page.elems
    anchor = containers[0] if containers else 0
    chain: dict[int, int] = {}
    index = anchor
    while index >= 0:
        chain[index] = elems[index].depth
        index = elems[index].parent
    for position, block in enumerate(page.blocks):
        if block.tag != "h1":
            continue
        index = block.owner
        while index >= 0 and index not in chain:
            index = elems[index].parent
        shared = chain.get(index, 0)
        h1s.append((-shared, position, clean_text(block.text)))
    return [text for _, _, text in sorted(h1s)]


_LEAD_BLOCKS = 8  # blocks between the headline and the body read for a stamp line
_LEAD_LINE = 160


def _lead_lines(page: Page, blocks: Sequence[Block]) -> list[str]:
    """Short lines between the headline and the first body paragraph (a byline, an "Updated
    18:17 GMT" line): the body leaves them out, the stamps read them."""
    if not blocks:
        return []
    first = next((i for i, b in enumerate(page.blocks) if b is blocks[0]), None)
    if first is None:
        return []
    start = first
    while start > 0 and first - start < _LEAD_BLOCKS and page.blocks[start - 1].tag != "h1":
        start -= 1
    if start == 0 or page.blocks[start - 1].tag != "h1":
        return []
    return [b.text for b in page.blocks[start:first] if b.length <= _LEAD_LINE]


@dataclass(frozen=True, slots=True)
class Read:
    """An extraction and the short lines between its headline and its body (``lead``): what
    reading the same page again needs besides the article (see :mod:`.reread`)."""

    article: Article
    lead: tuple[str, ...]
    clock: FetchTime | None = None
    """The fetch time as the stamp readers consulted it (see :mod:`.fetchtime`)."""


def extract(
    html: str | bytes,
    url: str,
    timezone: str = "UTC",
    *,
    fetched_at: datetime | None = None,
    rules: ExtractRules | None = None,
    raw: bytes | None = None,
) -> Article:
    """Read the article of one page: title, body paragraphs, stamps, language (see
    :func:`read_page`)."""
    return read_page(html, url, timezone, fetched_at=fetched_at, rules=rules, raw=raw).article


def read_page(
    html: str | bytes,
    url: str,
    timezone: str = "UTC",
    *,
    fetched_at: datetime | None = None,
    rules: ExtractRules | None = None,
    raw: bytes | None = None,
) -> Read:
    """Read the article of one page: title, body paragraphs, stamps, language.

    A page with no body text (a script-rendered shell, a redirect page) still gives its
    title and dates; :class:`~newswatch.errors.ExtractError` is raised when the page holds
    no title, no body text and no date at all, or when a CSS rule is not a valid selector,
    and its :class:`~newswatch.errors.PageTooComplex` when the page is beyond the work
    budgets of :mod:`newswatch.extract.budget` (too large, too deep, too long).
    ``url`` is the page's address (a date written in it is a last resort for ``published``).
    ``raw`` is the page's bytes when ``html`` is their text and they are plain UTF-8
    (:func:`~newswatch.charset.is_plain_utf8`): the parser takes them as they are.
    """
    tree = parse(html, raw)
    nodes = meta_nodes(tree)  # read once: for the title and language, and for the stamps
    meta = read_meta(tree, nodes)
    drop_ids = _matches(tree, rules.drop) if rules and rules.drop else set()
    page = walk_page(tree, drop_ids)
    containers: list[int] = []
    best: int | None = None
    if rules and rules.body:
        containers = _rule_containers(page, _matches(tree, [rules.body]))
    strict = not containers
    if not containers:
        ranked = score_elements(page)
        if meta.jsonld_body:
            ranked = follow_declared_body(page, ranked, meta.jsonld_body)
        best = ranked[0] if ranked else None
        containers = single_post(page, pick_containers(page, ranked))
    blocks: list[Block] = select_blocks(
        page,
        containers,
        best=best,
        strict=strict,
        titles=(meta.og_title, meta.jsonld_headline, meta.title_tag),
    )
    check_article([block.text for block in blocks])
    paragraphs = [
        text for text in (clean_text(strip_shortcodes(block.text)) for block in blocks) if text
    ]

    title = ""
    if rules and rules.title:
        headings = _select(tree, rules.title)
        if headings:
            title = clean_text(headings[0].text(deep=True))
    if not title:
        title = choose_title(_headings_near(page, containers), meta)
    if strict and paragraphs and title and comparable(paragraphs[0]) == comparable(title):
        paragraphs = paragraphs[1:]  # the headline repeated as the first line of the body
    lead = tuple(_lead_lines(page, blocks))
    article, clock = finish(tree, nodes, meta, url, timezone, fetched_at, title, paragraphs, lead)
    return Read(article, lead, clock)


def finish(
    tree: LexborHTMLParser,
    nodes: MetaNodes,
    meta: PageMeta,
    url: str,
    timezone: str,
    fetched_at: datetime | None,
    title: str,
    paragraphs: list[str],
    lead: Sequence[str],
) -> tuple[Article, FetchTime | None]:
    """The article of a page whose title and body are read: its stamps (they depend on the
    time of the fetch and the time zone), language and canonical link added; and the fetch
    time as the stamp readers consulted it."""
    found = read_stamps(
        tree,
        paragraphs,
        timezone=timezone,
        fetched_at=fetched_at,
        url=url,
        nodes=nodes,
        lead=lead,
    )
    if not title and not paragraphs and found.published is None:
        raise ExtractError(f"{url}: no article found (no title, no body text, no date)")
    article = Article(
        url=url,
        title=title,
        paragraphs=paragraphs,
        published=found.published,
        updated=found.updated,
        stamps=list(found.stamps),
        language=choose_language(meta),
        canonical_url=meta.canonical_url,
        published_local=found.published_local,
    )
    return article, found.clock
