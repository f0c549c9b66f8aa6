"""Full-text search on PostgreSQL, folded exactly as the SQLite index folds.

The text of a version is folded HERE, in Python, before PostgreSQL's ``simple`` text search
configuration turns it into a ``tsvector``, and the query is folded by the same function: so
the index does not depend on the server's locale, and a search finds what the SQLite side
finds. The fold is :func:`newswatch.normalize.comparable` (Arabic tatweel and harakat,
invisible controls), case folding, Latin diacritics removed (SQLite's ``remove_diacritics``),
and every character that is not a letter, digit, mark or private-use character turned into
a space (the token characters of SQLite's ``unicode61`` tokenizer).

The snippet is cut here too, from the latest matching version's own text, the matched words
between :data:`~newswatch.store.records.MARK_START` and ``MARK_END``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from newswatch.normalize import comparable
from newswatch.store.records import MARK_END, MARK_START

#: a version's folded text beyond this is not indexed (a tsvector holds at most 1 MB)
MAX_INDEXED_CHARS = 200_000
SNIPPET_WORDS = 32


def _latin(char: str) -> bool:
    code = ord(char)
    return code < 0x0250 or 0x1E00 <= code <= 0x1EFF


def fold(text: str) -> str:
    """The search form of ``text``: words separated by single spaces (see module doc)."""
    decomposed = unicodedata.normalize("NFD", comparable(text).casefold())
    out: list[str] = []
    base = ""
    for char in decomposed:
        category = unicodedata.category(char)
        if category[0] == "M":
            if not _latin(base):
                out.append(char)
            continue
        base = char
        out.append(char if category[0] in "LN" or category == "Co" else " ")
    return " ".join(unicodedata.normalize("NFC", "".join(out)).split())


def document(title: str, paragraphs: Sequence[str]) -> str:
    """What a version's ``search`` column is built from: its folded title and body."""
    return fold("\n".join([title, *paragraphs]))[:MAX_INDEXED_CHARS]


@dataclass(frozen=True, slots=True)
class Query:
    """A user's search text as words that must all occur and phrases that must occur as
    such; an empty query matches nothing. Nothing in it is syntax: quotes only group."""

    words: tuple[str, ...]
    phrases: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Query:
        words: list[str] = []
        phrases: list[str] = []
        for i, chunk in enumerate(text.split('"')):
            folded = fold(chunk)
            if not folded:
                continue
            if i % 2:
                phrases.append(folded)
            else:
                words.extend(folded.split())
        return cls(tuple(words), tuple(phrases))

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    def terms(self) -> list[str]:
        """Each word and each phrase: SQL turns a word into ``plainto_tsquery`` and a phrase
        into ``phraseto_tsquery`` and requires all of them."""
        return [*self.words, *self.phrases]

    def sql(self) -> tuple[str, list[str]]:
        """The tsquery expression (with %s placeholders) and its parameters."""
        parts = ["plainto_tsquery('simple', %s)" for _ in self.words]
        parts += ["phraseto_tsquery('simple', %s)" for _ in self.phrases]
        return "(" + " && ".join(parts) + ")", self.terms()


def snippet(query: Query, title: str, paragraphs: Sequence[str]) -> str:
    """Up to :data:`SNIPPET_WORDS` words of the version around its first match, every
    matched word between the marks; the title when the body does not match."""
    wanted = {w for term in query.terms() for w in term.split()}
    for text in (*paragraphs, title):
        words = text.split()
        hits = [i for i, word in enumerate(words) if set(fold(word).split()) & wanted]
        if not hits:
            continue
        start = max(0, min(hits[0] - 4, len(words) - SNIPPET_WORDS))
        shown = words[start : start + SNIPPET_WORDS]
        marked = [
            f"{MARK_START}{word}{MARK_END}" if start + i in hits else word
            for i, word in enumerate(shown)
        ]
        prefix = "…" if start > 0 else ""
        suffix = "…" if start + SNIPPET_WORDS < len(words) else ""
        return prefix + " ".join(marked) + suffix
    return title
