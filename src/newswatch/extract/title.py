"""The headline and the language of a page.

The visible ``<h1>`` is what readers see, so it is preferred, but pages carry several h1s
(logo, section name, a teaser) and only an h1 that agrees with what the page declares as
its title (og:title, JSON-LD headline, ``<title>``) is trusted. Otherwise the declarations
are used in that order, the ``<title>`` without its " | Site name" part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newswatch.extract.meta import PageMeta
from newswatch.normalize import comparable

#: what a ``<title>`` puts between the headline and the site's name
SEPARATORS = (" | ", " || ", " – ", " — ", " - ", " :: ", " · ", " • ", " « ", " » ", " ~ ")
_WORD = re.compile(r"\w+")
_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_].*)?$")
_SITE_MAX_WORDS = 4


def _words(text: str) -> list[str]:
    return _WORD.findall(comparable(text).lower())


def strip_site_name(title: str, site_name: str = "") -> str:
    """``"Headline | Site"`` -> ``"Headline"``; also ``"Site - Headline"`` when the site is known.

    A part is taken for the site's name when it equals ``site_name`` or, without one, when
    it is a short last part (a few words) after a longer headline.
    """
    site = comparable(site_name).lower() if site_name else ""
    changed = True
    while changed:
        changed = False
        for sep in SEPARATORS:
            if sep not in title:
                continue
            head, _, tail = title.rpartition(sep)
            first, _, rest = title.partition(sep)
            tail_key, first_key = comparable(tail).lower(), comparable(first).lower()
            if (site and tail_key == site) or (
                not site
                and len(_words(tail)) <= _SITE_MAX_WORDS
                and len(_words(head)) > len(_words(tail))
            ):
                title, changed = head.strip(), True
            elif site and first_key == site:
                title, changed = rest.strip(), True
            if changed:
                break
    return title


def agrees(candidate: str, reference: str) -> bool:
    """Same headline up to typography, or most of the other (a site name or kicker added)."""
    a, b = comparable(candidate).lower(), comparable(reference).lower()
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 10 and short in long and len(short) * 2 >= len(long):
        return True
    wa, wb = set(_words(a)), set(_words(b))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.8


def choose_title(h1s: Sequence[str], meta: PageMeta) -> str:
    """The page's headline (see the module docstring for the order)."""
    stripped = strip_site_name(meta.title_tag, meta.site_name) if meta.title_tag else ""
    references = [r for r in (meta.og_title, meta.jsonld_headline, stripped) if r]
    for h1 in h1s:
        if any(agrees(h1, ref) for ref in references) or any(
            agrees(h1, ref) for ref in (meta.title_tag,) if ref
        ):
            return h1
    if references:
        return references[0]
    return h1s[0] if h1s else ""


def choose_language(meta: PageMeta) -> str | None:
    """Two-letter lower-case language from ``<html lang>``, og:locale or JSON-LD."""
    for value in (meta.html_lang, meta.og_locale, meta.jsonld_language):
        match = _LANG.match(value.strip()) if value else None
        if match:
            return match.group(1).lower()
    return None
