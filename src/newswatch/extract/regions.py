"""Which parts of a page are the article's: its container, and the regions (navigation,
sidebars, comments, lists of other stories) whose dates belong to other pages.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

UPDATE_HINT = re.compile(r"updat|modif|edited|revis|aktualis|actuali|mise-?a-?jour", re.I)
PUBLISH_HINT = re.compile(r"publi|posted|created|pubdate|entry-date|post-date|article-date", re.I)
DATE_HINT = re.compile(
    r"date|time|publi|posted|updat|modif|byline|stamp|meta|datum|fecha|submitted|info|"
    r"created|tarih|zeit|data",
    re.I,
)
# class/id tokens of containers whose dates are not the article's
_ELSEWHERE = re.compile(
    r"^(?:comments?|comment[-_].*|.*[-_]comments?|commentlist|replies|reply|respond|"
    r"related|related[-_].*|.*[-_]related|sidebar|widget-area|"
    r"more[-_].*|recommended|most[-_].*|popular|trending)$",
    re.I,
)
CLASS_DEPTH = 5  # ancestors whose class/id may mark a node as not the article's
_SCOPES = ("article", "main", "[role=main]", "[itemtype*=Article]")


def excluded(node: LexborNode) -> bool:
    """Inside navigation, a sidebar, a footer, comments or a list of links to other articles.

    Class names are only trusted close to the node: page layouts wrap the article itself in
    "with-sidebar" or "comments-open" containers further up.
    """
    parent = node.parent
    depth = 0
    while parent is not None and depth < 15:
        tag = parent.tag
        if tag in ("body", "html"):
            return False
        if tag in ("nav", "footer") or (tag == "aside" and not _aside_meta(parent)):
            return True
        if depth < CLASS_DEPTH:
            if tag == "li" and _teaser(parent):
                return True
            attrs = parent.attributes
            marks = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".split()
            if any(_ELSEWHERE.match(mark) for mark in marks) and not _own_column(parent, marks):
                return True
        parent = parent.parent
        depth += 1
    return False


def _own_column(region: LexborNode, marks: list[str]) -> bool:
    """A "sidebar" column inside the article's own ``<article>`` element (the one with the
    headline): the story's side column of author and date, not the site's sidebar."""
    if not any(mark.lower().startswith("sidebar") for mark in marks):
        return False
    parent = region.parent
    for _ in range(6):
        if parent is None or parent.tag in ("body", "html"):
            return False
        if parent.tag == "article":
            return parent.css_first("h1") is not None
        parent = parent.parent
    return False


def _aside_meta(aside: LexborNode) -> bool:
    """An ``<aside>`` holding the article's own data (author, date), not a sidebar."""
    attrs = aside.attributes
    if DATE_HINT.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
        return True
    parent = aside.parent
    for _ in range(3):  # a column of the article's own layout grid
        if parent is None:
            return False
        if parent.tag == "article":
            return True
        parent = parent.parent
    return False


def _teaser(item: LexborNode) -> bool:
    """A list item linking to another article by its headline (a "most read" entry)."""
    return any(len(link.text(strip=True)) > 25 for link in item.css("a"))


def inside(node: LexborNode, scope: LexborNode | None) -> bool:
    if scope is None:
        return False
    parent: LexborNode | None = node
    while parent is not None:
        if parent.mem_id == scope.mem_id:
            return True
        parent = parent.parent
    return False


def article_scope(tree: LexborHTMLParser) -> LexborNode | None:
    """The article's container: the element around the headline, else article/main."""
    for selector in _SCOPES:
        node = tree.css_first(selector)
        if node is not None and node.css_first("h1") is not None:
            return node
    heading = tree.css_first("h1")
    if heading is not None:
        scope = heading
        for _ in range(3):
            if scope.parent is None or scope.parent.tag in ("body", "html"):
                break
            scope = scope.parent
        return scope
    for selector in _SCOPES:
        node = tree.css_first(selector)
        if node is not None:
            return node
    return None


def date_hinted(node: LexborNode) -> bool:
    """The node or one of its two parents has a date-ish class or id ("post-date", "byline")."""
    holder: LexborNode | None = node
    for _ in range(3):
        if holder is None:
            return False
        attrs = holder.attributes
        if DATE_HINT.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
            return True
        holder = holder.parent
    return False
