"""Stamps in JSON-LD: ``datePublished``/``dateModified`` of the page's article, read leniently.

CMSs publish JSON-LD with comments, CDATA wrappers, trailing commas, raw newlines in strings
and several objects in one script; dates sit in ``@graph`` lists, arrays and nested objects.
Dates of comments, reviews, offers and the like are not the article's and are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import tzinfo

from newswatch.extract.candidates import R_JSONLD_ARTICLE, R_JSONLD_OTHER, R_TEXT_SCAN, Found
from newswatch.extract.dates import parse_machine
from newswatch.models import StampKind

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
_JSON_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_JSON_CONTROL = re.compile(r"[\x00-\x1f]")
_JSON_DATE_PAIR = re.compile(
    r'"(datePublished|dateCreated|uploadDate|dateModified)"\s*:\s*"([^"]{6,40})"', re.I
)


def _load_json(raw: str) -> list[object]:
    """JSON-LD as published: comments, CDATA, trailing commas, raw newlines, several objects."""
    text = raw.strip()
    if "<" in text or "-->" in text or "]]>" in text:  # every piece of junk holds one
        for junk in ("<!--", "-->", "//<![CDATA[", "//]]>", "<![CDATA[", "]]>"):
            text = text.replace(junk, "")
    text = text.strip().rstrip(";")
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    # the repaired text only when the text as published does not load (most does: the
    # repair is two searches through the whole script)
    text = _JSON_CONTROL.sub(" ", _JSON_TRAILING_COMMA.sub(r"\1", text))
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    values: list[object] = []
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


def jsonld_stamps(scripts: list[tuple[str, str]], zone: tzinfo) -> list[Found]:
    """Stamps of the page's JSON-LD scripts (``(type, text)`` pairs, see
    :class:`~newswatch.extract.meta.MetaNodes`)."""
    found: list[Found] = []
    for _, raw in scripts:
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
                found.append(Found(kind, text, at, "jsonld", rank, "jsonld"))
    return found


# an application's page state in a script (a JavaScript app's data, a JSON island):
# "publishedAt":"2022-01-31T15:58:43+01:00", quotes possibly backslash-escaped
_STATE_DATE = re.compile(
    r'\\?"(datePublished|publishedAt|published_at|publishDate|publicationDate|'
    r'firstPublishedAt|createdAt|created_at)\\?"\s*:\s*\\?"(\d{4}-\d{2}-\d{2}[T ][^"\\]{4,30})'
)
R_STATE = R_TEXT_SCAN  # trusted as little as a date line found anywhere
_STATE_SCRIPTS = 40  # scripts looked at
_STATE_CHARS = 2_000_000  # characters of script text searched in all


def state_stamps(scripts: list[str], zone: tzinfo) -> list[Found]:
    """Last resort: the first publication date in a page's script state (the page renders
    its article from data and shows no date in its markup). A timestamped value only: a day
    alone in app data is as often a calendar's as the article's."""
    budget = _STATE_CHARS
    for text in scripts[:_STATE_SCRIPTS]:
        match = _STATE_DATE.search(text, 0, budget)
        budget -= len(text)
        if match is not None:
            at = parse_machine(match[2], zone)
            if at is not None:
                return [Found("published", match[2], at, "jsonld", R_STATE, "state")]
        if budget <= 0:
            break
    return []
