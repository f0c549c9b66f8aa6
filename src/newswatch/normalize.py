"""Text normalisation for comparison, and the content hash that identifies a version.

Stored text keeps exactly what the page said; these functions only decide whether two texts
are "the same". They fold what readers cannot see or that CMSs change on their own: Unicode
composition, runs of white space, zero-width and bidi control characters, Arabic tatweel and
diacritics (harakat), and typographic quote/dash variants.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# zero-width and bidi controls: ZWSP, ZWNJ, ZWJ, LRM, RLM, ALM, LRE..RLO, LRI..PDI, BOM, soft hyphen
_INVISIBLE = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Arabic tatweel and harakat (fathatan .. sukun, superscript alef), Quranic marks
_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670\u06d6-\u06ed]")
_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)


def clean_text(text: str) -> str:
    """What we store: NFC, invisible controls dropped, white space collapsed and trimmed."""
    if text.isascii():  # nothing to compose and no control to drop
        return " ".join(text.split())
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return " ".join(text.split())  # str.split() and re's \s agree on what white space is


@lru_cache(maxsize=8192)
def comparable(text: str) -> str:
    """The key two texts are compared by: :func:`clean_text` plus folds readers do not see.

    Memoised: one check hashes the page, compares it with the stored version and classifies
    the change, so each paragraph would be folded three or four times over (a tenth of an
    unchanged round); a few thousand recent paragraphs are kept."""
    if text.isascii():  # no quote, dash, mark nor odd space to fold: clean is comparable
        return " ".join(text.split())
    text = clean_text(text).translate(_QUOTES)
    text = _ARABIC_MARKS.sub("", text)
    return _SPACE.sub(" ", text).strip()


def content_hash(title: str, paragraphs: Iterable[str]) -> str:
    """SHA-256 over the comparable title and body: equal hash means the same version.

    A check asks it of one article three times over (what its state read is asked for, the
    small-change confirmation, the plan): the last few are kept."""
    return _content_hash(title, tuple(paragraphs))


@lru_cache(maxsize=256)
def _content_hash(title: str, paragraphs: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    digest.update(comparable(title).encode("utf-8"))
    for paragraph in paragraphs:
        key = comparable(paragraph)
        if key:
            digest.update(b"\x1e")
            digest.update(key.encode("utf-8"))
    return digest.hexdigest()
