"""Publish/update stamps of one parsed page: every stamp it carries, and the two that count.

A page states its dates in up to five places that often disagree: JSON-LD, ``<meta>`` tags
(Open Graph, Dublin Core, vendor names), ``itemprop`` microdata, ``<time>`` elements and the
visible text (a date line under the headline, an "Updated 18:17 GMT" line in the body). All
are recorded as :class:`~newswatch.models.Stamp` s. ``published`` is the calendar day most
sources agree on (a weighted vote: one stale JSON-LD block must not win), ``updated``
prefers what readers see over metadata (metadata lags a live story) and falls back to
``published`` when the page shows no update. Pages with no metadata at all (blogs, forums,
press releases) get a last-resort scan for a short date line near the headline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newswatch.extract.dates import parse_machine, zone_named
from newswatch.extract.textstamps import (
    MAX_OTHER_LETTERS,
    TextStamp,
    parse_stamp_line,
    read_stamp_line,
    stamps_in_lines,
)
from newswatch.models import Stamp, StampKind, StampSource


@dataclass(frozen=True, slots=True)
class StampReading:
    """The stamps of one page and the publication/update instants chosen from them (UTC).

    ``published_local`` is ``published`` in the zone the page wrote it: its calendar day is
    the one readers see (an article of 24 Feb 22:00 EST is not a 25 Feb article).
    """

    published: datetime | None
    updated: datetime | None
    stamps: list[Stamp]
    published_local: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Found:
    """A stamp read from one place: ``local`` is its instant as written, ``rank`` says how
    much that place is trusted (lower = more), ``origin`` groups places that vote as one."""

    kind: StampKind
    text: str
    local: datetime
    source: StampSource
    rank: int
    origin: str

    def stamp(self) -> Stamp:
        return Stamp(self.kind, self.text, self.local.astimezone(UTC), self.source)


# ranks: lower wins ties; each origin's best candidate casts one vote of its weight.
R_JSONLD_ARTICLE = 10
R_META = 20
R_ITEMPROP = 25
R_TIME_HINTED = 30
R_TEXT_KEYWORD = 35
R_JSONLD_OTHER = 40
R_META_WEAK = 45
R_TIME_PLAIN = 50
R_TEXT_NEAR_TITLE = 55
R_URL = 60
R_TEXT_SCAN = 70
_WEIGHTS = {
    R_JSONLD_ARTICLE: 5,
    R_META: 4,
    R_ITEMPROP: 3,
    R_TIME_HINTED: 3,
    R_TEXT_KEYWORD: 3,
    R_JSONLD_OTHER: 2,
    R_META_WEAK: 2,
    R_TIME_PLAIN: 1,
    R_TEXT_NEAR_TITLE: 2,
    R_URL: 1,
    R_TEXT_SCAN: 1,
}

_ARTICLE_TYPES = re.compile(
    r"article|posting|report|blog|story|news|liveblog|video|podcast|episode|recipe|howto|"
    r"creativework|medicalwebpage|scholarly",
    re.I,
)
_SKIP_TYPES = re.compile(
    r"^(?:comment|review|rating|offer|event|person|organization|organisation|place|product|"
    r"imageobject|answer|question|breadcrumblist|listitem|searchaction|website)$",
    re.I,
)
_JSONLD_KEYS: dict[str, StampKind] = {
    "datepublished": "published",
    "datecreated": "published",
    "uploaddate": "published",
    "datemodified": "updated",
}

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
_UPDATE_HINT = re.compile(r"updat|modif|edited|revis|aktualis|actuali|mise-?a-?jour", re.I)
_PUBLISH_HINT = re.compile(r"publi|posted|created|pubdate|entry-date|post-date|article-date", re.I)
_NEAR_TITLE = (
    "[class*=date],[class*=time],[class*=publish],[class*=posted],[class*=updat],"
    "[class*=modif],[class*=byline],[class*=dateline],[class*=stamp],[class*=meta],"
    "[class*=Date],[class*=Time],[class*=Publish],[class*=Byline],[class*=Meta],"
    "[class*=datum],[class*=fecha],[class*=submitted],[class*=info],"
    "[id*=date],[id*=time],[id*=publish],[id*=byline],[id*=Date]"
)
_DATE_HINT = re.compile(
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
_META_PUBLISHED_HINT = re.compile(r"publish|pubdate|upload|creat|release|issued", re.I)
_META_UPDATED_HINT = re.compile(r"modif|updat|lastmod|revis", re.I)
_PIECES = re.compile(r"\s*(?:[|•·]|//)\s*|\n|\s[(]")
_HINTED_OTHER_LETTERS = 16  # a byline ("By Jane Doe, 8 January 2020") in a date element
_SCAN_MAX_NODES = 4000  # text nodes read by the last-resort scan
_CLASS_DEPTH = 5  # ancestors whose class/id may mark a node as not the article's
_NEAR_TITLE_MAX = 40  # candidate elements examined around the headline
_SCOPES = ("article", "main", "[role=main]", "[itemtype*=Article]")
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/_-]([01]?\d)[/_-]([0-3]?\d)(?:[/_.-]|$)"
    r"|/((?:19|20)\d{2})([01]\d)([0-3]\d)(?:[/_.-]|$)"
)
_DIGIT = re.compile(r"\d")
_JSON_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_JSON_CONTROL = re.compile(r"[\x00-\x1f]")
_JSON_DATE_PAIR = re.compile(
    r'"(datePublished|dateCreated|uploadDate|dateModified)"\s*:\s*"([^"]{6,40})"', re.I
)


# --------------------------------------------------------------------------- JSON-LD


def _load_json(raw: str) -> list[object]:
    """JSON-LD as published: comments, CDATA, trailing commas, raw newlines, several objects."""
    text = raw.strip()
    for junk in ("<!--", "-->", "//<![CDATA[", "//]]>", "<![CDATA[", "]]>"):
        text = text.replace(junk, "")
    text = text.strip().rstrip(";")
    for attempt in (text, _JSON_CONTROL.sub(" ", _JSON_TRAILING_COMMA.sub(r"\1", text))):
        try:
            return [json.loads(attempt)]
        except ValueError:
            pass
    decoder = json.JSONDecoder()
    values: list[object] = []
    text = _JSON_CONTROL.sub(" ", _JSON_TRAILING_COMMA.sub(r"\1", text))
    index = 0
    while index < len(text):
        while index < len(text) and text[index] not in "{[":
            index += 1
        if index >= len(text):
            break
        try:
            value, index = decoder.raw_decode(text, index)
        except ValueError:
            break
        values.append(value)
    return values


def _types(node: dict[str, object]) -> list[str]:
    kind = node.get("@type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return []


def _walk_jsonld(value: object, depth: int = 0) -> Iterator[tuple[str, str, int]]:
    """(key, value, rank) of every date in a JSON-LD tree, skipping comments, reviews..."""
    if depth > 12:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk_jsonld(item, depth + 1)
        return
    if not isinstance(value, dict):
        return
    types = _types(value)
    if any(_SKIP_TYPES.match(t.split(":")[-1]) for t in types):
        return
    rank = R_JSONLD_ARTICLE if any(_ARTICLE_TYPES.search(t) for t in types) else R_JSONLD_OTHER
    for key, item in value.items():
        lowered = key.lower() if isinstance(key, str) else ""
        if lowered in _JSONLD_KEYS:
            first = item[0] if isinstance(item, list) and item else item
            if isinstance(first, str):
                yield key, first, rank + (1 if lowered in ("datecreated", "uploaddate") else 0)
        elif isinstance(item, dict | list):
            yield from _walk_jsonld(item, depth + 1)


def _jsonld(tree: LexborHTMLParser, zone: tzinfo) -> list[_Found]:
    found: list[_Found] = []
    for script in tree.css("script[type*=ld]"):
        raw = script.text(deep=True)
        if not raw or "date" not in raw.lower():
            continue
        values = _load_json(raw)
        pairs = list(_walk_jsonld(values)) if values else []
        if not pairs:  # unreadable JSON: still take its date fields
            pairs = [(m[1], m[2], R_JSONLD_OTHER) for m in _JSON_DATE_PAIR.finditer(raw)]
        for key, text, rank in pairs:
            at = parse_machine(text, zone)
            if at is not None:
                kind = _JSONLD_KEYS[key.lower()]
                found.append(_Found(kind, text, at, "jsonld", rank, "jsonld"))
    return found


# --------------------------------------------------------------------------- meta, microdata


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


def _meta(tree: LexborHTMLParser, zone: tzinfo) -> list[_Found]:
    found: list[_Found] = []
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        content = attrs.get("content")
        if not content or len(content) > 80 or _DIGIT.search(content) is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (attrs.get(attr) or "").strip().lower()
            choice = _meta_kind(attr, key) if key else None
            if choice is None:
                continue
            at = parse_machine(content, zone)
            if at is not None:
                found.append(_Found(choice[0], content.strip(), at, "meta", choice[1], "meta"))
            break
    return found


def _excluded(node: LexborNode) -> bool:
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
        if depth < _CLASS_DEPTH:
            if tag == "li" and _teaser(parent):
                return True
            attrs = parent.attributes
            marks = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".split()
            if any(_ELSEWHERE.match(mark) for mark in marks):
                return True
        parent = parent.parent
        depth += 1
    return False


def _aside_meta(aside: LexborNode) -> bool:
    """An ``<aside>`` holding the article's own data (author, date), not a sidebar."""
    attrs = aside.attributes
    return bool(_DATE_HINT.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}")) or (
        aside.parent is not None and aside.parent.tag == "article"
    )


def _teaser(item: LexborNode) -> bool:
    """A list item linking to another article by its headline (a "most read" entry)."""
    return any(len(link.text(strip=True)) > 25 for link in item.css("a"))


def _inside(node: LexborNode, scope: LexborNode | None) -> bool:
    if scope is None:
        return False
    parent: LexborNode | None = node
    while parent is not None:
        if parent.mem_id == scope.mem_id:
            return True
        parent = parent.parent
    return False


def _itemprops(tree: LexborHTMLParser, zone: tzinfo) -> list[_Found]:
    found: list[_Found] = []
    for node in tree.css("[itemprop]"):
        if node.tag == "meta":
            continue  # read with the other meta tags
        kind = _ITEMPROPS.get((node.attributes.get("itemprop") or "").strip().lower())
        if kind is None or _excluded(node):
            continue
        attrs = node.attributes
        value = attrs.get("datetime") or attrs.get("content") or node.text(strip=True)
        if value:
            at = parse_machine(value, zone)
            if at is not None:
                found.append(_Found(kind, value.strip(), at, "meta", R_ITEMPROP, "itemprop"))
    return found


def _times(tree: LexborHTMLParser, zone: tzinfo, scope: LexborNode | None) -> list[_Found]:
    """``<time>`` elements, and hAtom's ``<abbr class="published" title="...">``."""
    found: list[_Found] = []
    plain_taken = False
    for node in tree.css("time, abbr[title]"):
        attrs = node.attributes
        value = attrs.get("datetime") or attrs.get("title") or node.text(strip=True)
        if not value or _excluded(node):
            continue
        parent = node.parent
        own = f"{attrs.get('class') or ''} {attrs.get('itemprop') or ''}"
        hints = f"{own} {parent.attributes.get('class') or '' if parent is not None else ''}"
        if node.tag == "abbr" and not _DATE_HINT.search(own):
            continue
        kind: StampKind
        if "pubdate" in attrs or _PUBLISH_HINT.search(hints):
            kind, rank = "published", R_TIME_HINTED
        elif _UPDATE_HINT.search(hints):
            kind, rank = "updated", R_TIME_HINTED
        elif not plain_taken:
            kind, rank = "published", R_TIME_PLAIN
            plain_taken = True
        else:
            continue
        if scope is not None and not _inside(node, scope):
            rank = max(rank, R_TIME_PLAIN)
        at = parse_machine(value, zone)
        if at is not None:
            found.append(_Found(kind, value.strip(), at, "time", rank, "time"))
    return found


# --------------------------------------------------------------------------- visible text


def _scope(tree: LexborHTMLParser) -> LexborNode | None:
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


def _text_found(stamp: TextStamp, rank: int, origin: str) -> _Found | None:
    if stamp.at is None:
        return None
    return _Found(stamp.kind, stamp.text, stamp.at, "text", rank, origin)


def _near_title(
    scope: LexborNode | None, zone: tzinfo, fetched_at: datetime | None
) -> list[tuple[TextStamp, int]]:
    """Date lines in the article header (byline, dateline, date elements) as text stamps."""
    if scope is None:
        return []
    found: list[tuple[int, TextStamp, int]] = []
    seen: set[str] = set()
    around = _heading_ancestors(scope)
    for node in scope.css(_NEAR_TITLE)[:_NEAR_TITLE_MAX]:
        if node.tag in ("script", "style", "meta", "link", "body", "html", "time"):
            continue
        text = node.text(separator=" ", strip=True)
        if not text or len(text) > 200 or text in seen or _excluded(node):
            continue
        seen.add(text)
        attrs = node.attributes
        hints = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        default: StampKind = "updated" if _UPDATE_HINT.search(hints) else "published"
        for piece in _PIECES.split(text):
            read = read_stamp_line(
                piece,
                timezone=zone,
                fetched_at=fetched_at,
                default_kind=default,
                max_other_letters=_HINTED_OTHER_LETTERS,
            )
            if read is not None:
                stamp, strict = read
                rank = R_TEXT_KEYWORD if strict else R_TEXT_NEAR_TITLE
                found.append((_distance(node, around), stamp, rank))
    found.sort(key=lambda item: item[0])  # stable: the headline's neighbours first
    # a container repeats its date child with furniture around it (view counters): keep the child
    texts = [s.text for _, s, _ in found]
    return [(s, r) for _, s, r in found if not any(t != s.text and t in s.text for t in texts)]


def _heading_ancestors(scope: LexborNode) -> list[int]:
    """The headline's parent, grandparent... up to the scope, nearest first (by mem_id)."""
    heading = scope.css_first("h1")
    ancestors: list[int] = []
    node = heading.parent if heading is not None else None
    while node is not None and len(ancestors) < 6:
        ancestors.append(node.mem_id)
        if node.mem_id == scope.mem_id:
            break
        node = node.parent
    return ancestors


def _distance(node: LexborNode, around: list[int]) -> int:
    """How many levels above the headline the node joins it (len(around) when it does not)."""
    chain: set[int] = set()
    parent: LexborNode | None = node
    for _ in range(12):
        if parent is None:
            break
        chain.add(parent.mem_id)
        parent = parent.parent
    return next((level for level, mem in enumerate(around) if mem in chain), len(around))


def _hinted(node: LexborNode) -> bool:
    """The node or one of its two parents has a date-ish class or id ("post-date", "byline")."""
    holder: LexborNode | None = node
    for _ in range(3):
        if holder is None:
            return False
        attrs = holder.attributes
        if _DATE_HINT.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
            return True
        holder = holder.parent
    return False


def _scan_text(tree: LexborHTMLParser, zone: tzinfo) -> list[_Found]:
    """Last resort: the best short date line anywhere in the page (dated blog posts, forum
    threads, press releases with no metadata): date-hinted elements first, then the first
    line after the headline, then the first line at all."""
    body = tree.body
    if body is None:
        return []
    best: tuple[int, int, TextStamp] | None = None
    seen_heading = False
    for index, node in enumerate(body.traverse(include_text=True, skip_empty=True)):
        if index > _SCAN_MAX_NODES:
            break
        if not node.is_text_node:
            seen_heading = seen_heading or node.tag == "h1"
            continue
        raw = node.text_content
        if not raw or len(raw) < 6 or _DIGIT.search(raw) is None:
            continue
        text = raw.strip()
        if not 6 <= len(text) <= 100:
            continue
        parent = node.parent
        if parent is None or parent.tag in ("script", "style", "noscript", "option", "title"):
            continue
        hinted = _hinted(parent)
        stamp = next(
            (
                found
                for piece in _PIECES.split(text)
                if (
                    found := parse_stamp_line(
                        piece,
                        timezone=zone,
                        default_kind="published",
                        max_other_letters=_HINTED_OTHER_LETTERS if hinted else MAX_OTHER_LETTERS,
                    )
                )
                is not None
            ),
            None,
        )
        if stamp is None or stamp.at is None or _excluded(parent):
            continue
        score = 2 * hinted + seen_heading
        if best is None or score > best[0]:
            best = (score, index, stamp)
        if score == 3:
            break
    if best is None:
        return []
    chosen = _text_found(best[2], R_TEXT_SCAN, "scan")
    return [chosen] if chosen is not None else []


def _url_date(tree: LexborHTMLParser, url: str | None) -> list[_Found]:
    candidates = [url] if url else []
    for selector, attr in (("link[rel=canonical]", "href"), ("meta[property='og:url']", "content")):
        node = tree.css_first(selector)
        if node is not None and node.attributes.get(attr):
            candidates.append(node.attributes[attr] or "")
    for candidate in candidates:
        match = _URL_DATE.search(candidate)
        if match:
            y, m, d = (g for g in match.groups() if g is not None)
            try:
                at = datetime(int(y), int(m), int(d), tzinfo=UTC)
            except ValueError:
                continue
            return [_Found("published", candidate, at, "meta", R_URL, "url")]
    return []


# --------------------------------------------------------------------------- choice


def _plausible(found: _Found, fetched_at: datetime | None) -> bool:
    return fetched_at is None or found.local <= fetched_at + timedelta(days=1)


def _vote(found: list[_Found], kind: StampKind, fetched_at: datetime | None) -> _Found | None:
    """The stamp of the calendar day most places agree on.

    Each origin (JSON-LD, meta tags, microdata, ``<time>``, visible lines...) casts one vote
    for the day of its most trusted stamp, weighted by how much that origin is trusted; the
    winning day's most trusted stamp is returned. A stale JSON-LD block or a meta tag left by
    a template is outvoted by the others.
    """
    ranked = sorted(
        (f for f in found if f.kind == kind and _plausible(f, fetched_at)), key=lambda f: f.rank
    )
    if not ranked:
        return None
    votes: dict[date, int] = {}
    voted: set[str] = set()
    for candidate in ranked:
        if candidate.origin in voted:
            continue
        voted.add(candidate.origin)
        day = candidate.local.date()
        votes[day] = votes.get(day, 0) + _WEIGHTS.get(candidate.rank, 1)
    top = max(votes.values())
    for candidate in ranked:  # the most trusted stamp on a winning day
        if votes.get(candidate.local.date()) == top:
            return candidate
    return ranked[0]


def read_stamps(
    tree: LexborHTMLParser,
    paragraphs: Sequence[str],
    *,
    timezone: str = "UTC",
    fetched_at: datetime | None = None,
    url: str | None = None,
) -> StampReading:
    """Every stamp of the page and the chosen ``published``/``updated`` instants (UTC).

    ``paragraphs`` are the extracted body paragraphs (in-text stamp lines are among them);
    ``timezone`` (IANA name or abbreviation) reads stamps that name no zone; ``fetched_at``
    resolves relative stamps and rejects dates after the fetch; ``url`` is a last resort
    for a date written in the article's address.
    """
    zone = zone_named(timezone) or UTC
    scope = _scope(tree)
    found = _jsonld(tree, zone) + _meta(tree, zone) + _itemprops(tree, zone)
    found += _times(tree, zone, scope)
    for stamp, rank in _near_title(scope, zone, fetched_at):
        near = _text_found(stamp, rank, "near")
        if near is not None:
            found.append(near)
    published = _vote(found, "published", fetched_at)
    if published is None:
        found += _url_date(tree, url) or _scan_text(tree, zone)
        published = _vote(found, "published", fetched_at)

    article_date = published.local if published is not None else None
    in_text = stamps_in_lines(
        list(paragraphs), timezone=zone, article_date=article_date, fetched_at=fetched_at
    )
    if published is None:
        published = _vote(_lines_found(in_text), "published", fetched_at)
        if published is not None:
            in_text = stamps_in_lines(
                list(paragraphs),
                timezone=zone,
                article_date=published.local,
                fetched_at=fetched_at,
            )
    found += _lines_found(in_text)

    updated = _visible_update(found, published, fetched_at) or _vote(found, "updated", fetched_at)
    if published is None and updated is not None:
        # a page that shows only an update date: readers take that date as its date
        published = updated
    if updated is None or (published is not None and updated.local < published.local):
        updated = published
    stamps = _unique([f.stamp() for f in found] + _undated(in_text))
    return StampReading(
        published=published.local.astimezone(UTC) if published is not None else None,
        updated=updated.local.astimezone(UTC) if updated is not None else None,
        stamps=stamps,
        published_local=_as_shown(published, found, tree, zone) if published is not None else None,
    )


def _as_shown(
    published: _Found, found: list[_Found], tree: LexborHTMLParser, zone: tzinfo
) -> datetime:
    """``published`` in the page's own zone when its metadata speaks UTC.

    Sites often write metadata in UTC ("...T01:49:09Z") but show local time to readers
    ("November 8, 2023 at 5:49 p.m."). A visible stamp whose wall time matches the instant
    up to a whole zone offset reveals that offset; a visible date one day off the UTC day
    says on which side of midnight readers are.
    """
    instant = published.local
    if instant.utcoffset() != timedelta(0) or published.source not in ("jsonld", "meta"):
        return instant
    base = instant.astimezone(UTC).replace(tzinfo=None)
    visible = sorted(
        (f for f in found if f.kind == "published" and f.source in ("text", "time")),
        key=lambda f: f.rank,
    )
    if not visible:
        visible = [f for f in _scan_text(tree, zone) if f.kind == "published"]
    for shown in visible[:1]:  # the article's own visible date, not any date on the page
        if shown.local.utcoffset() != timedelta(0):
            if shown.local == instant and shown.local.tzinfo is not None:
                return instant.astimezone(shown.local.tzinfo)
            continue
        wall = shown.local.replace(tzinfo=None)
        if wall.time() != time(0):
            minutes = (wall - base).total_seconds() / 60
            quarter = round(minutes / 15) * 15
            if abs(minutes - quarter) < 1.5 and abs(quarter) <= 14 * 60:
                return instant.astimezone(timezone(timedelta(minutes=quarter)))
            continue
        days = (wall.date() - base.date()).days
        if days == 0:
            return instant
        if days == -1 and base.hour < 12:
            return instant.astimezone(timezone(-timedelta(hours=base.hour + 1)))
        if days == 1 and base.hour >= 10:
            return instant.astimezone(timezone(timedelta(hours=24 - base.hour)))
    return instant


def _lines_found(stamps: list[TextStamp]) -> list[_Found]:
    found = (_text_found(s, R_TEXT_KEYWORD, "lines") for s in stamps)
    return [f for f in found if f is not None]


def _undated(stamps: list[TextStamp]) -> list[Stamp]:
    """Stamps read with no instant (a correction note, "5 minutes ago" with no fetch time)."""
    return [Stamp(s.kind, s.text, None, "text") for s in stamps if s.at is None]


def _visible_update(
    found: list[_Found], published: _Found | None, fetched_at: datetime | None
) -> _Found | None:
    """The latest update readers see in the text; it beats metadata, which lags."""
    visible = [
        f
        for f in found
        if f.source == "text"
        and f.kind == "updated"
        and _plausible(f, fetched_at)
        and (published is None or f.local >= published.local)
    ]
    return max(visible, key=lambda f: f.local) if visible else None


def _unique(stamps: list[Stamp]) -> list[Stamp]:
    seen: set[tuple[str, str, datetime | None, str]] = set()
    out: list[Stamp] = []
    for stamp in stamps:
        key = (stamp.kind, stamp.text, stamp.at, stamp.source)
        if key not in seen:
            seen.add(key)
            out.append(stamp)
    return out
