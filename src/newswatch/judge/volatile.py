"""Volatile fragments: text inside the article that changes on every request (pure).

A view counter ("12,345 views"), "Page refreshed at 18:17:03 GMT" or a nonce inside the
article container makes every fetch differ from the stored version by a word or two. The
check confirms such a *small* change (:func:`needs_confirmation`) by fetching the page once
more after a short delay: what differs between the two fetches, and nowhere else, is
volatile (:func:`learn`). It is remembered as a *template* of its paragraph, the stable
words with a wildcard (``{*}``) for each short run that moved, and from then on a reading's
paragraph matching a template is read as the stored paragraph matching it
(:func:`steady`): never a version, never an alert. A real edit that holds on the second
fetch is recorded as usual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from newswatch.judge.diff import word_opcodes
from newswatch.models import Change
from newswatch.normalize import comparable

WILDCARD = "{*}"
#: a change is confirmed when it modifies at most this many paragraphs ...
MAX_PARAGRAPHS = 3
#: ... each by at most this many words, with nothing added, removed or moved, no headline
#: rewritten and no stamp or note: "a few words", as a counter, a clock or a nonce moves
MAX_WORDS = 4
#: a volatile run is at most this many words on either side
MAX_RUN = 4


def needs_confirmation(change: Change) -> bool:
    """Whether a change is small enough to be a volatile fragment (see the constants)."""
    if change.kind != "edit" or change.title_changed or change.new_updated_stamp is not None:
        return False
    if change.paragraphs_added or change.paragraphs_removed or change.paragraphs_moved:
        return False
    modified = [op for op in change.ops if op.op == "modified"]
    if not modified or len(modified) > MAX_PARAGRAPHS:
        return False
    for op in modified:
        added = sum(len(w.text.split()) for w in op.words if w.op == "added")
        removed = sum(len(w.text.split()) for w in op.words if w.op == "removed")
        if max(added, removed) > MAX_WORDS:
            return False
    return True


def template(first: str, second: str) -> str | None:
    """The template of a paragraph read two ways: its words with ``{*}`` for each run that
    differs, or None when the two are not one paragraph with short runs replaced (a run
    longer than :data:`MAX_RUN`, a word only added or removed, or no stable word left)."""
    a, b = comparable(first).split(), comparable(second).split()
    parts: list[str] = []
    stable = 0
    for tag, i1, i2, j1, j2 in word_opcodes(a, b):
        if tag == "equal":
            parts.extend(a[i1:i2])
            stable += i2 - i1
            continue
        if tag != "replace" or i2 - i1 > MAX_RUN or j2 - j1 > MAX_RUN:
            return None
        parts.append(WILDCARD)
    if stable == 0 or WILDCARD not in parts:
        return None
    return " ".join(parts)


@lru_cache(maxsize=512)
def _pattern(tmpl: str) -> re.Pattern[str]:
    run = r"\S+(?: \S+){0," + str(MAX_RUN - 1) + "}"
    return re.compile("^" + run.join(re.escape(part) for part in tmpl.split(WILDCARD)) + "$")


def matches(tmpl: str, paragraph: str) -> bool:
    """Whether a paragraph is the template's paragraph (whatever its volatile runs say)."""
    return bool(_pattern(tmpl).match(comparable(paragraph)))


def learn(first: Sequence[str], second: Sequence[str]) -> list[str] | None:
    """The templates of what differs between two fetches of one page, ``[]`` when they are
    the same, or None when they differ otherwise than by short runs inside paragraphs
    (paragraphs added, removed or rewritten between the two: not a fragment)."""
    one = [p for p in first if comparable(p)]
    two = [p for p in second if comparable(p)]
    if len(one) != len(two):
        return None
    found: list[str] = []
    for a, b in zip(one, two, strict=True):
        if comparable(a) == comparable(b):
            continue
        tmpl = template(a, b)
        if tmpl is None:
            return None
        found.append(tmpl)
    return found


def steady(templates: Sequence[str], stored: Sequence[str], reading: Sequence[str]) -> list[str]:
    """The reading with each paragraph that matches a template replaced by the stored
    paragraph matching the same template (the one at the same place first), so a volatile
    run never makes a version; paragraphs no template matches, or with no stored
    counterpart, are kept as read."""
    if not templates:
        return list(reading)
    out = list(reading)
    used: set[int] = set()
    for i, paragraph in enumerate(reading):
        tmpl = next((t for t in templates if matches(t, paragraph)), None)
        if tmpl is None:
            continue
        order = sorted(range(len(stored)), key=lambda j: abs(j - i))
        twin = next((j for j in order if j not in used and matches(tmpl, stored[j])), None)
        if twin is not None:
            used.add(twin)
            out[i] = stored[twin]
    return out


def shown(tmpl: str) -> str:
    """A template as ``sources`` prints it (the wildcard as an ellipsis)."""
    return tmpl.replace(WILDCARD, "\u2026")
