"""What the page says about itself in its head: meta tags, JSON-LD, canonical link, lang.

Read with a few CSS queries (done in C by the parser), not by walking the body. JSON-LD is
parsed leniently: CMSs emit lists, ``@graph`` wrappers and raw control characters in strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newswatch.normalize import clean_text

_ARTICLE_TYPES = ("article", "posting", "report", "story")


@dataclass(frozen=True, slots=True)
class MetaNodes:
    """The page's ``<meta content>`` tags, JSON-LD scripts, ``[itemprop]`` elements and date
    elements, found by one CSS query (each query is a walk over the whole tree) for both the
    head metadata and the stamp readers."""

    metas: list[dict[str, str | None]]
    """The attributes of every ``meta[content]``, in page order."""
    scripts: list[tuple[str, str]]
    """``(type, text)`` of every ``script[type*=ld]`` (JSON-LD), in page order."""
    itemprops: list[LexborNode] = field(default_factory=list)
    """Every ``[itemprop]`` element, in page order."""
    times: list[LexborNode] = field(default_factory=list)
    """Every ``time`` and ``abbr[title]`` element, in page order."""


# one walk for four queries: lexbor lists a node once for every selector of the list it
# matches, in page order, so each node is sorted into the queries it answers below (lexbor
# matches the value of ``type`` without regard to ASCII case, as HTML asks)
_QUERY = "meta[content],script[type*=ld],[itemprop],time,abbr[title]"


def meta_nodes(tree: LexborHTMLParser) -> MetaNodes:
    metas: list[dict[str, str | None]] = []
    scripts: list[tuple[str, str]] = []
    itemprops: list[LexborNode] = []
    times: list[LexborNode] = []
    seen: set[int] = set()
    for node in tree.css(_QUERY):
        mem_id = node.mem_id
        if mem_id in seen:
            continue
        seen.add(mem_id)
        tag, attrs = node.tag, node.attributes
        if tag == "meta" and "content" in attrs:
            metas.append(attrs)
        elif tag == "script" and "ld" in (attrs.get("type") or "").lower():
            scripts.append((attrs.get("type") or "", node.text(deep=True)))
        if "itemprop" in attrs:
            itemprops.append(node)
        if tag == "time" or (tag == "abbr" and "title" in attrs):
            times.append(node)
    return MetaNodes(metas, scripts, itemprops, times)


@dataclass(frozen=True, slots=True)
class PageMeta:
    """Head metadata the title, language and body detection use."""

    title_tag: str = ""
    og_title: str = ""
    site_name: str = ""
    jsonld_headline: str = ""
    jsonld_body: str = ""
    jsonld_language: str = ""
    html_lang: str = ""
    og_locale: str = ""
    canonical_url: str | None = None


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object, flattening lists and ``@graph``."""
    if isinstance(data, list):
        for item in data:
            yield from _objects(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _objects(graph)


def _is_article(obj: dict[str, Any]) -> bool:
    kinds = obj.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(k, str) and k.lower().endswith(_ARTICLE_TYPES) for k in names)


def _string(value: Any) -> str:
    """A JSON-LD value as text: strings as is, ``{"name": ...}`` objects by their name."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("name", "alternateName", "@value"):
            if isinstance(value.get(key), str):
                return str(value[key])
    if isinstance(value, list) and value:
        return _string(value[0])
    return ""


def _jsonld_article(scripts: list[tuple[str, str]]) -> dict[str, Any]:
    """The first Article-like JSON-LD object of the page (empty if none)."""
    for kind, raw in scripts:
        if "ld+json" not in kind.lower() or not raw or "{" not in raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        for obj in _objects(data):
            if _is_article(obj):
                return obj
    return {}


def read_meta(tree: LexborHTMLParser, nodes: MetaNodes | None = None) -> PageMeta:
    """Collect the head metadata of a parsed page (``nodes``: found already by the caller)."""
    if nodes is None:
        nodes = meta_nodes(tree)
    props: dict[str, str] = {}
    for attrs in nodes.metas:
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        content = attrs.get("content")
        if key and content:
            props.setdefault(key.strip().lower(), content)
    title_node = tree.css_first("title")
    title_tag = clean_text(title_node.text(deep=True)) if title_node is not None else ""
    root = tree.root
    html_lang = ""
    if root is not None:
        html_lang = root.attributes.get("lang") or root.attributes.get("xml:lang") or ""
    canonical: str | None = None
    link = tree.css_first('link[rel="canonical"][href]')
    if link is not None:
        canonical = (link.attributes.get("href") or "").strip() or None
    if canonical is None and props.get("og:url"):
        canonical = props["og:url"].strip() or None
    article = _jsonld_article(nodes.scripts)
    return PageMeta(
        title_tag=title_tag,
        og_title=clean_text(props.get("og:title", "") or props.get("twitter:title", "")),
        site_name=clean_text(props.get("og:site_name", "")),
        jsonld_headline=clean_text(_string(article.get("headline") or article.get("name"))),
        jsonld_body=_string(article.get("articleBody")),
        jsonld_language=_string(article.get("inLanguage")),
        html_lang=html_lang,
        og_locale=props.get("og:locale", ""),
        canonical_url=canonical,
    )
