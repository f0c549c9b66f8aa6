"""Stamps in the page's markup: ``<meta>`` tags (Open Graph, ``article:*``, Dublin Core,
vendor names), ``itemprop`` microdata, ``<time>`` elements (and hAtom's ``<abbr>``), and a
date written in the page's address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newswatch.extract.candidates import (
    R_ITEMPROP,
    R_META,
    R_META_WEAK,
    R_TIME_HINTED,
    R_TIME_PLAIN,
    R_URL,
    Found,
)
from newswatch.extract.dates import parse_machine
from newswatch.extract.regions import DATE_HINT, PUBLISH_HINT, UPDATE_HINT, excluded, inside
from newswatch.models import StampKind

# fmt: off
_META_PUBLISHED = frozenset(
    {
        "article:published_time", "og:published_time", "og:article:published_time",
        "article:published", "article:published_date", "datepublished", "publishdate",
        "publish-date", "publish_date", "pubdate", "pub_date", "published_time", "published-date",
        "published_date", "publication_date", "publication-date", "sailthru.date",
        "parsely-pub-date", "dc.date.issued", "dcterms.issued", "dc.date.created",
        "dcterms.created", "dc.created", "citation_publication_date", "citation_date",
        "citation_online_date", "prism.publicationdate", "rnews:datepublished",
        "article.published", "article_date_original", "original-publish-date",
        "originalpublicationdate", "date_published", "cxenseparse:recs:publishtime", "og:pubdate",
        "bt:pubdate", "datecreated", "displaydate", "dc.date.published", "article:post_date",
        "release_date", "date.available", "dc.date.available", "article.created", "og:regdate",
        "analyticsattributes.articledate",
    }
)
_META_PUBLISHED_WEAK = frozenset(
    {
        "date", "dc.date", "dcterms.date", "dc:date", "created", "creation_date", "date.created",
        "timestamp", "article:created", "article_date",
    }
)
_META_UPDATED = frozenset(
    {
        "article:modified_time", "og:updated_time", "og:modified_time", "article:modified",
        "article:modified_date", "datemodified", "dc.date.modified", "dcterms.modified",
        "dc.modified", "lastmod", "last-modified", "modified", "modified_time", "modified-time",
        "revised", "article.updated", "updated_time", "last_updated", "lastupdated",
        "date_modified", "dateupdated", "eomportal-lastupdate", "sailthru.lastmodified",
        "article:updated_time",
    }
)
# fmt: on
_ITEMPROPS: dict[str, StampKind] = {
    "datepublished": "published",
    "datecreated": "published",
    "uploaddate": "published",
    "datemodified": "updated",
}
_META_PUBLISHED_HINT = re.compile(r"publish|pubdate|upload|creat|release|issued", re.I)
_META_UPDATED_HINT = re.compile(r"modif|updat|lastmod|revis", re.I)
# dates in an address, most explicit first: /2024/03/14/, -2024-03-14-, /14/03/2024/,
# 14-03-2024, /20240314/, _20240314_ (a compact run must stand alone between separators)
_SEP = r"[/_.-]"
_URL_DATES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"{_SEP}((?:19|20)\d{{2}})[/_-]([01]?\d)[/_-]([0-3]?\d)(?:{_SEP}|$)"), "ymd"),
    (re.compile(rf"{_SEP}([0-3]?\d)[/_.-]([01]?\d)[/_.-]((?:19|20)\d{{2}})(?:{_SEP}|$)"), "dmy"),
    (re.compile(rf"{_SEP}((?:19|20)\d{{2}})([01]\d)([0-3]\d)(?:{_SEP}|$)"), "ymd"),
)
DIGIT = re.compile(r"\d")


def _meta_kind(attr: str, key: str) -> tuple[StampKind, int] | None:
    if key in _META_PUBLISHED or (attr == "itemprop" and _ITEMPROPS.get(key) == "published"):
        return "published", R_META
    if key in _META_UPDATED or (attr == "itemprop" and _ITEMPROPS.get(key) == "updated"):
        return "updated", R_META
    if key in _META_PUBLISHED_WEAK:
        return "published", R_META_WEAK
    if "date" in key or "time" in key or ":" in key or "." in key:
        # vendor names: "five_hundred_pixels:uploaded", "article.lastModified", "DC.Date.Created"
        if _META_UPDATED_HINT.search(key):
            return "updated", R_META_WEAK
        if _META_PUBLISHED_HINT.search(key):
            return "published", R_META_WEAK
    return None


def meta_stamps(metas: list[dict[str, str | None]], zone: tzinfo) -> list[Found]:
    """Stamps of ``<meta content>`` tags (their attributes, in page order)."""
    found: list[Found] = []
    for attrs in metas:
        content = attrs.get("content")
        if not content or len(content) > 80 or DIGIT.search(content) is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (attrs.get(attr) or "").strip().lower()
            choice = _meta_kind(attr, key) if key else None
            if choice is None:
                continue
            at = parse_machine(content, zone)
            if at is not None:
                found.append(Found(choice[0], content.strip(), at, "meta", choice[1], "meta"))
            break
    return found


def itemprop_stamps(nodes: Sequence[LexborNode], zone: tzinfo) -> list[Found]:
    """Dates of the ``[itemprop]`` elements ``nodes`` (``datePublished``, ...)."""
    found: list[Found] = []
    for node in nodes:
        if node.tag == "meta":
            continue  # read with the other meta tags
        kind = _ITEMPROPS.get((node.attributes.get("itemprop") or "").strip().lower())
        if kind is None or excluded(node):
            continue
        attrs = node.attributes
        value = attrs.get("datetime") or attrs.get("content") or node.text(strip=True)
        if value:
            at = parse_machine(value, zone)
            if at is not None:
                found.append(Found(kind, value.strip(), at, "meta", R_ITEMPROP, "itemprop"))
    return found


def time_stamps(nodes: Sequence[LexborNode], zone: tzinfo, scope: LexborNode | None) -> list[Found]:
    """``<time>`` elements, and hAtom's ``<abbr class="published" title="...">`` (``nodes``:
    the page's ``time, abbr[title]`` elements)."""
    found: list[Found] = []
    plain_taken = False
    for node in nodes:
        attrs = node.attributes
        value = attrs.get("datetime") or attrs.get("title") or node.text(strip=True)
        if not value or excluded(node):
            continue
        parent = node.parent
        own = f"{attrs.get('class') or ''} {attrs.get('itemprop') or ''}"
        hints = f"{own} {parent.attributes.get('class') or '' if parent is not None else ''}"
        if node.tag == "abbr" and not DATE_HINT.search(own):
            continue
        kind: StampKind
        if "pubdate" in attrs or PUBLISH_HINT.search(hints):
            kind, rank = "published", R_TIME_HINTED
        elif UPDATE_HINT.search(hints):
            kind, rank = "updated", R_TIME_HINTED
        elif not plain_taken:
            kind, rank = "published", R_TIME_PLAIN
            plain_taken = True
        else:
            continue
        if scope is not None and not inside(node, scope):
            rank = max(rank, R_TIME_PLAIN)
        at = parse_machine(value, zone)
        if at is not None:
            found.append(Found(kind, value.strip(), at, "time", rank, "time"))
    return found


def url_date(address: str) -> datetime | None:
    """The calendar day written in an address's path, or None (see ``_URL_DATES``)."""
    path = address.split("?", 1)[0].split("#", 1)[0]
    for pattern, order in _URL_DATES:
        for match in pattern.finditer(path):
            a, b, c = (int(g) for g in match.groups())
            y, m, d = (a, b, c) if order == "ymd" else (c, b, a)
            try:
                return datetime(y, m, d, tzinfo=UTC)
            except ValueError:
                continue
    return None


def url_stamps(tree: LexborHTMLParser, url: str | None) -> list[Found]:
    candidates = [url] if url else []
    for selector, attr in (("link[rel=canonical]", "href"), ("meta[property='og:url']", "content")):
        node = tree.css_first(selector)
        if node is not None and node.attributes.get(attr):
            candidates.append(node.attributes[attr] or "")
    for candidate in candidates:
        at = url_date(candidate)
        if at is not None:
            return [Found("published", candidate, at, "meta", R_URL, "url")]
    return []


_IMAGE_KEYS = frozenset({"og:image", "og:image:url", "og:image:secure_url", "twitter:image"})


def image_stamps(metas: list[dict[str, str | None]]) -> list[Found]:
    """Last resort: the day in the address of the page's own image (``og:image``): CMSs file
    uploads by date, and the picture is uploaded with the story."""
    for attrs in metas:
        key = (attrs.get("property") or attrs.get("name") or "").strip().lower()
        content = attrs.get("content")
        if key in _IMAGE_KEYS and content:
            at = url_date(content)
            if at is not None:
                return [Found("published", content, at, "meta", R_URL, "image")]
    return []
