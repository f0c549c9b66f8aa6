"""Quarantine: refuse to store an extraction that is not a plausible version of the article.

A consent wall, a "page not found" served with 200, a login interstitial or a half-rendered
page would otherwise become the article's new truth: a bogus version, a bogus "-12
paragraphs" alert, and then a second bogus alert when the real text comes back. This module
is the pure judge (an extraction and the last good version in, a reason or ``None`` out);
the checker records a quarantined extraction in the ``quarantine`` table with its reason and
keeps the last good version as the truth.

Rules, in order:

* **no body**: the page has no paragraphs at all.
* **unreadable**: over :data:`UNREADABLE_SHARE` of the text is U+FFFD or control
  characters (binary data or a wrong encoding got through).
* **wall**: the text is short (under :data:`WALL_MAX_WORDS`) and reads like a consent or
  cookie wall, a robot check, a paywall or an error page (:data:`_WALL_PATTERNS`, several
  languages), and it is not an article we already had at about that length.
* **shrunk**: the last good version had at least :data:`SHRINK_MIN_WORDS` words and this
  one has under :data:`SHRINK_RATIO` of them.

An article can genuinely shrink (a retraction replaced by a short note): a *shrunk* (never a
*no body* or *wall*) extraction seen :data:`PERSIST_TO_ACCEPT` times in a row with the same
content is accepted as a new version.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

#: a wall or error page is short; real articles that mention cookies are longer than this
WALL_MAX_WORDS = 150
#: a version shorter than this share of the last good one's words is implausible
SHRINK_RATIO = 0.3
#: the shrink rule needs a last good version at least this long to be meaningful
SHRINK_MIN_WORDS = 40
#: share of replacement/control characters above which text is not text
UNREADABLE_SHARE = 0.05
#: the same shrunken content seen this many checks in a row is believed
PERSIST_TO_ACCEPT = 3

_WALL_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "consent or cookie wall",
        r"\bcookies?\b|\bconsent\b|accept all|we value your privacy|your privacy choices"
        r"|\bgdpr\b|tout accepter|alle akzeptieren|zustimmen|datenschutz"
        r"|ملفات تعريف الارتباط|سياسة الخصوصية",
    ),
    (
        "robot check",
        r"captcha|are you a robot|not a robot|verify you are human|enable javascript"
        r"|unusual traffic|access denied|checking your browser",
    ),
    (
        "paywall or login page",
        r"subscribe to (continue|read)|already a subscriber|sign in to continue"
        r"|log in to continue|abonnez-vous|jetzt abonnieren",
    ),
    (
        "error page (soft 404)",
        r"page (was )?not found|\b404\b|no longer available|does not exist|doesn't exist"
        r"|page introuvable|seite nicht gefunden|nicht gefunden|الصفحة غير موجودة"
        r"|لم يتم العثور|something went wrong|an error occurred|internal server error",
    ),
)
_UNREADABLE = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")
_WALLS = tuple((label, re.compile(pattern, re.I)) for label, pattern in _WALL_PATTERNS)


class Text(Protocol):
    """What the judge reads of a version: an ``Article`` or a ``StoredVersion``."""

    @property
    def title(self) -> str: ...

    @property
    def paragraphs(self) -> list[str]: ...


def word_count(paragraphs: Sequence[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def wall_kind(title: str, paragraphs: Sequence[str]) -> str | None:
    """What kind of non-article page the text reads like, or None."""
    text = " ".join([title, *paragraphs])
    for label, pattern in _WALLS:
        if pattern.search(text):
            return label
    return None


def judge(article: Text, previous: Text | None) -> str | None:
    """Why ``article`` must not become the new truth after ``previous``; None if it may."""
    words = word_count(article.paragraphs)
    if words == 0:
        before = (
            f" (last good version: {word_count(previous.paragraphs)} words)" if previous else ""
        )
        return f"no body text{before}"
    text = "".join(article.paragraphs)
    bad = len(_UNREADABLE.findall(text))
    if bad > len(text) * UNREADABLE_SHARE:
        return f"unreadable text ({bad} of {len(text)} characters are not text)"
    old_words = word_count(previous.paragraphs) if previous is not None else 0
    if words < WALL_MAX_WORDS and (previous is None or words < 0.6 * old_words):
        label = wall_kind(article.title, article.paragraphs)
        if label is not None:
            return f"looks like a {label} ({words} words)"
    if old_words >= SHRINK_MIN_WORDS and words < SHRINK_RATIO * old_words:
        return shrunk_reason(words, old_words)
    return None


def shrunk_reason(words: int, old_words: int) -> str:
    return f"shrunk to {words} of {old_words} words ({words / old_words:.0%})"


def accept_after(reason: str, streak: int) -> bool:
    """Whether a quarantined extraction seen ``streak`` times before, unchanged, is believed
    now: only a plain shrink, never an empty page or a wall."""
    return reason.startswith("shrunk") and streak + 1 >= PERSIST_TO_ACCEPT
