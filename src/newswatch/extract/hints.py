"""Tag sets and class/id hints that tell article text from page furniture.

Generic, not per-site: the words are the ones CMSs and themes everywhere use to name their
navigation, share bars, related-story boxes, ad slots and captions (negative), and their
article containers (positive). They are matched on the lower-cased ``class``, ``id`` and
``role`` of an element; a strong positive (``article-body``) wins over a negative.
"""

from __future__ import annotations

import re

# never text: their content is code, media, form controls or site navigation
SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "canvas",
        "video",
        "audio",
        "picture",
        "select",
        "option",
        "textarea",
        "button",
        "input",
        "head",
        "title",
        "link",
        "meta",
        "img",
        "map",
        "dialog",
        "nav",
    }
)

# elements that start a new text block (a paragraph boundary before and after them)
BLOCK_TAGS = frozenset(
    {
        "html",
        "body",
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "caption",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "ul",
    }
)

# page furniture by tag: dropped inside the chosen body whatever their class says
FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "figcaption", "header", "menu"})

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# blocks whose text is written as prose (the others are layout wrappers holding stray text)
PROSE_TAGS = frozenset(
    {"p", "blockquote", "pre", "li", "dd", "td", "tr", "h2", "h3", "h4", "h5", "h6"}
)

# plain alternations of literals: the regex engine scans these several times faster than
# one pattern with look-arounds everywhere (this runs on every distinct class name)
_NEGATIVE_ANYWHERE = re.compile(
    # "has-sidebar", "with-sidebar": a layout holding a sidebar, not one
    "comment(?!ary)|shar(?:e|ing)|social|related|(?<!has)(?<!has-)(?<!with)(?<!with-)sidebar"
    "|footer|widget|menu|promo|advert"
    "|newsletter|breadcrumb|outbrain|taboola|subscri(?!bers?[-_]?(?:only|content|preview))"
    "|sponsor|recommend|popular|trending"
    "|ticker|caption|credit|cookie|consent|popup|disqus|banner"
)
_NEGATIVE_WORD = re.compile(
    r"(?<![a-z])(?:nav|ads?(?![a-z])|adslot|ad-?slot|ad-?unit|dfp|author|byline"
    r"|dateline|toolbar|pagination|pager(?![a-z])|skip|signup|sign-?up|read-?more"
    r"|more-?(?:stories|news|articles)|also-?read|see-?also|masthead|header|login|follow"
    r"|rating|poll|replies|disclaimer|copyright|tags?(?![a-z])|keywords|meta(?![a-z])"
    r"|accessib|print-?only|most-?(?:read|popular|viewed)"
    r"|video-?(?:wrap|player|container|embed|module|carousel|playlist)"
    r"|(?:image|img|photo|picture)[-_]?(?:wrap|container|holder|box))"
)
_POSITIVE_ANYWHERE = re.compile("article|content|story|entry|wsw|prose|news|blog|rich-?text")
_POSITIVE_WORD = re.compile(r"(?<![a-z])(?:body|post|text|main)")
_STRONG_POSITIVE = re.compile(
    r"article-?(?:body|content|text)|story-?(?:body|content|text)|entry-?content"
    r"|post-?(?:body|content)|main-?content|content-?body|(?<![a-z])wsw(?![a-z])|articlebody"
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
_HIDDEN_CLASS = re.compile(
    r"(?<![a-z-])(?:hidden|sr-only|visually-?hidden|screen-?reader-?text|d-none)(?![a-z-])"
)
STRONG = 2
"""The hint of an element named or marked up (``itemprop=articleBody``) as the article body."""
NEGATIVE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "menu"})


def class_hint(words: str) -> int:
    """-1 furniture, 2 the article body itself, 1 an article-ish container, 0 no idea."""
    if not words:
        return 0
    # every strong name holds one of these words: a substring test spares most names the
    # pattern (this runs on every new class attribute of every page)
    if (
        "body" in words or "content" in words or "text" in words or "wsw" in words
    ) and _STRONG_POSITIVE.search(words):
        return STRONG
    if _NEGATIVE_ANYWHERE.search(words) or _NEGATIVE_WORD.search(words):
        return -1
    return 1 if _POSITIVE_ANYWHERE.search(words) or _POSITIVE_WORD.search(words) else 0


# the card a name or term in a sentence shows on hover (a person's photo and latest stories,
# a glossary definition): "rollover-block", "hovercard", "tooltip-text"; not the link that
# opens it ("rollover-people-link", "tooltip")
_HOVER_CARD = re.compile(
    r"(?<![\w-])[\w-]*?(?:(?:rollover|tooltip|popover)[\w-]*?(?:block|card|content|body|box|"
    r"panel|popup|inner|text)|hover-?card(?:[-_]{1,2}(?:block|content|body|box|panel|popup|inner|"
    r"text))?)(?![\w-])"
)


def hidden_class(class_attr: str) -> bool:
    """A class that hides the element (``sr-only``, ``d-none``, a hover card); a substring
    test first, as this runs on inline elements, whose names say nothing else of use."""
    words = class_attr.lower()
    if (
        "hidden" in words or "sr-only" in words or "screen" in words or "d-none" in words
    ) and _HIDDEN_CLASS.search(words) is not None:
        return True
    if "over" in words or "tip" in words:  # rollover, popover, hovercard, tooltip
        return _HOVER_CARD.search(words) is not None
    return False


_EMBEDDED_POST = re.compile(r"tweet|instagram|tiktok|fb-post|threads|bluesky|mastodon|reddit-card")


def embedded_post(class_attr: str | None) -> bool:
    """A ``<blockquote>`` that is the markup of an embedded social-media post."""
    return class_attr is not None and _EMBEDDED_POST.search(class_attr.lower()) is not None


_GATED = re.compile(r"subscriber|premium|paywall|member-?only|locked-?content")


def gated(class_attr: str | None) -> bool:
    """Story text hidden by style until the reader subscribes ("subscriber-only",
    "premium-content"): in the page, part of the article, so read."""
    return class_attr is not None and _GATED.search(class_attr.lower()) is not None


def hidden_style(style: str) -> bool:
    """``display:none`` or ``visibility:hidden``: text a reader never sees."""
    return _HIDDEN_STYLE.search(style.lower()) is not None


_CACHE: dict[tuple[str | None, str | None], tuple[int, bool]] = {}
_CACHE_MAX = 20_000


known = _CACHE.get
"""``known((class, id))``: :func:`analyse`'s verdict when already made, else None (no call
into the patterns: the walk asks this of every named block element)."""


def analyse(class_attr: str | None, id_attr: str | None) -> tuple[int, bool]:
    """``(hint, hidden)`` of an element's class and id, memoised (pages repeat their names)."""
    key = (class_attr, id_attr)
    found = _CACHE.get(key)
    if found is None:
        words = names(class_attr, id_attr)
        found = (
            (class_hint(words), _HIDDEN_CLASS.search(words) is not None) if words else (0, False)
        )
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[key] = found
    return found


# WordPress's post_class() lists the post's tags, categories and author as classes
# ("tag-sharing", "author-jane"): on the article's own wrapper, not furniture names
_POST_CLASS = re.compile(r"(?:^|\s)(?:hentry|type-[a-z]+|status-publish|post-\d+)(?=\s|$)")
_TAXONOMY = re.compile(r"(?:^|\s)(?:tag|category|author|format|status|type)-\S+")


def names(class_attr: str | None, id_attr: str | None) -> str:
    """The lower-cased class and id of an element, CMS taxonomy classes left out."""
    words = f"{class_attr or ''} {id_attr or ''}".lower().strip()
    if ("post-" in words or "hentry" in words or "type-" in words) and _POST_CLASS.search(words):
        words = _TAXONOMY.sub(" ", words)
    return words
