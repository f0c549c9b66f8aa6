"""Reading a page again that differs from the page its version was read from only in what
the extractor never reads.

Most checks find an article unchanged, yet its page's bytes differ at every fetch: a script
``nonce``, an ad slot's ``data-correlator``, a "rendered in 0.12 s" comment. Reading such a
page from scratch (walking its body, scoring its blocks) gives the version's title and
paragraphs again, at the cost of most of a check's time. :func:`read_again` proves the page
reads as the stored one did, from the two pages' bytes and one parse, and then reads only
what depends on the fetch itself: the stamps (relative ones and time-only ones depend on the
time of the fetch), the language and the canonical link.

The proof, for a page ``B`` and the stored page ``A`` that made the version:

* Cut both at every ``<``. The pieces must pair up, and each pair that differs must differ
  only inside the quoted values of attributes in :func:`ignored` (never read here: a guard
  test scans this package for their names) or only inside a comment's text.
* Each differing value, or comment text, is replaced by a marker (a random token not in the
  page, numbered), in both pages alike, so the two marked pages are the same bytes.
* The marked page is parsed, and the parser must confirm every marker where it was put: as
  the value of that very attribute on an element, or as the whole text of a comment node
  (not script text, not an attribute's text: the serialisation escapes ``<`` there, and the
  markers are looked for in the page's text). A marker stands at one place in the bytes, so
  the parser read that place as the value, or the comment, it was taken for.
* The bytes before each place are the same in ``A`` as in the marked page, so the parser is
  in the same state there; the value (no quote of its kind in it) or the comment text (no
  ``-->`` or ``--!>`` in it) ends where the marker ends; the bytes after are the same. ``A``
  therefore parses to the marked page's tree but for ignored values and comment texts, and
  so does ``B``: the extractor reads both as it read ``A``.

The stored version must also be what the extractor read from ``A`` itself, by the code
running now and with no CSS rules (:func:`reading_key`), and the page must be plain UTF-8
like ``A``; the caller checks both (see :mod:`newswatch.check.checker`).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from itertools import compress, count
from operator import ne
from pathlib import Path
from typing import TYPE_CHECKING

import selectolax
from selectolax.lexbor import LexborHTMLParser

from newswatch.extract.budget import check_markup
from newswatch.extract.meta import meta_nodes, read_meta
from newswatch.models import Article, PagePatch

if TYPE_CHECKING:
    from newswatch.extract.extractor import Read

#: attributes the extractor never reads (nor the parser, to build the tree): per-request
#: nonces, ad and tracking data, subresource integrity, image sources, form values
IGNORED = frozenset({"nonce", "integrity", "src", "srcset", "sizes", "value"})
IGNORED_PREFIX = "data-"

MAX_DIFFERENCES = 500  # differing pieces looked at; more is a changed page, read afresh

_NAME = re.compile(rb"[a-z][a-z0-9_-]*\Z")
# a start tag's name, then its attributes one by one (names and values as the HTML
# tokenizer cuts them), then its end; anything else is not a piece this module handles
_TAG_NAME = re.compile(rb"[A-Za-z][^\t\n\f\r />]*")
_ATTRIBUTE = re.compile(
    rb"""[\t\n\f\r /]*([^\t\n\f\r />=][^\t\n\f\r />=]*)"""
    rb"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)"|'([^']*)'|([^\t\n\f\r >"'=<`][^\t\n\f\r >]*)))?"""
)
_TAG_END = re.compile(rb"[\t\n\f\r /]*>")

Mark = tuple[int, str, int, int]
"""A marker's place: the piece it is in, the attribute whose value it replaced (empty for a
comment's text), and where that value or text is in the piece of the page that made the
version (start, end)."""


def ignored(name: str) -> bool:
    """Whether the extractor never reads the attribute ``name`` (lower case)."""
    return name.startswith(IGNORED_PREFIX) or name in IGNORED


@dataclass(frozen=True, slots=True)
class Mask:
    """Where a later page of a version differed from the page that made it, proven to be
    only what extraction ignores: the ``marks`` (piece, attribute or "" for a comment text,
    and where the value or text is in that piece of the page that made the version)
    that, replaced by the markers of ``token``, gave the page of SHA-256 ``digest`` (cut
    into ``pieces`` at ``<``), which the parser read with every marker where it was put.
    Any page that gives that very page when so masked reads as the version's page did."""

    token: str
    pieces: int
    marks: tuple[Mark, ...]
    digest: str

    def as_dict(self) -> dict[str, object]:
        return {
            "token": self.token,
            "pieces": self.pieces,
            "marks": [list(m) for m in self.marks],
            "digest": self.digest,
        }

    @classmethod
    def from_dict(cls, data: object) -> Mask | None:
        if not isinstance(data, dict):
            return None
        token, pieces, marks, digest = (data.get(k) for k in ("token", "pieces", "marks", "digest"))
        if not (isinstance(token, str) and re.fullmatch(r"[0-9a-f]{16}", token)):
            return None
        if (
            not isinstance(pieces, int)
            or not isinstance(digest, str)
            or not isinstance(marks, list)
        ):
            return None
        found: list[Mark] = []
        for mark in marks:
            if not (isinstance(mark, list) and len(mark) == 4):
                return None
            piece, name, start, end = mark
            if not all(isinstance(v, int) for v in (piece, start, end)):
                return None
            if not isinstance(name, str) or not 0 <= start <= end:
                return None
            if name and not (ignored(name) and _NAME.match(name.encode())):
                return None  # never trust a stored mark with more than the code would make
            found.append((piece, name, start, end))
        if found != sorted(found, key=lambda m: m[0]):
            return None
        return cls(token, pieces, tuple(found), digest)


@dataclass(frozen=True, slots=True)
class Reading:
    """How a version was read from the page that made it, stored beside the version as
    :meth:`dumps` text: the code and time zone that read it (:func:`reading_key`), the
    short lines between headline and body its stamps read (``lead``), the fetch times at
    which its stamps read alike (``since`` to ``until``, excluded: see
    :mod:`.fetchtime`) and its canonical link as written."""

    key: str
    lead: tuple[str, ...]
    since: datetime | None = None
    until: datetime | None = None
    canonical: str | None = None
    mask: Mask | None = None

    @classmethod
    def of(cls, key: str, read: Read) -> Reading:
        clock = read.clock
        return cls(
            key,
            read.lead,
            clock.since if clock is not None else None,
            clock.until if clock is not None else None,
            read.article.canonical_url,
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "key": self.key,
                "lead": list(self.lead),
                "since": self.since.isoformat() if self.since is not None else None,
                "until": self.until.isoformat() if self.until is not None else None,
                "canonical": self.canonical,
                "mask": self.mask.as_dict() if self.mask is not None else None,
            },
            ensure_ascii=False,
        )

    @classmethod
    def loads(cls, text: str | None) -> Reading | None:
        """The reading stored as ``text``, or None when there is none or it is not one."""
        if not text:
            return None
        try:
            data = json.loads(text)
            key, lead, canonical = data["key"], data["lead"], data.get("canonical")
            since, until = (
                datetime.fromisoformat(v) if isinstance(v, str) else None
                for v in (data.get("since"), data.get("until"))
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        if not isinstance(key, str) or not isinstance(lead, list):
            return None
        if not all(isinstance(line, str) for line in lead):
            return None
        if canonical is not None and not isinstance(canonical, str):
            return None
        if (since is None) != (until is None) or (since is not None and since.tzinfo is None):
            return None
        mask = Mask.from_dict(data.get("mask")) if data.get("mask") is not None else None
        return cls(key, tuple(lead), since, until, canonical, mask)

    def stamps_alike(self, fetched_at: datetime) -> bool:
        """Whether a page read as the version's was, fetched at ``fetched_at``, has the
        version's stamps (no stamp reader would answer otherwise)."""
        if self.since is None or self.until is None:
            return False
        return self.since <= fetched_at < self.until


@cache
def _code_digest() -> str:
    """A digest of the code that reads pages: every module of newswatch (any change to it
    may change a reading), the parser's version and Python's Unicode tables."""
    package = Path(__file__).resolve().parent.parent
    sha = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        sha.update(str(path.relative_to(package)).encode())
        sha.update(b"\0")
        sha.update(path.read_bytes())
        sha.update(b"\0")
    sha.update(f"{selectolax.__version__} {sys.version_info[:2]} ".encode())
    sha.update(unicodedata.unidata_version.encode())
    return sha.hexdigest()


def reading_key(timezone: str) -> str:
    """What a stored reading must have been made with to be reused: this code, the source's
    time zone (stamps that name none are read in it), and no CSS rules (a rule may name any
    attribute, so a page read with rules is never read again)."""
    return hashlib.sha256(f"{_code_digest()}\0{timezone}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Reread:
    """A page read again: its article, and how its version is read from now on (the same
    :class:`Reading`, or one that learned where the page's furniture changes: its
    :class:`Mask`)."""

    article: Article
    reading: Reading
    pieces: PagePatch | None = None
    """The page as the page that made the version with the spans it was proven to differ
    in replaced (a capture stores only those)."""


def read_again(
    made: bytes | Callable[[], bytes | None],
    page: bytes,
    text: str,
    url: str,
    timezone: str,
    *,
    fetched_at: datetime,
    held: Article,
    reading: Reading,
) -> Reread | None:
    """The article of ``page`` (plain UTF-8, ``text`` its text, fetched from ``url``) when
    it reads as ``made`` does (the page, or what gives it when it is needed: None when it
    cannot be had), whose version holds ``held`` (its ``url``: where ``made``
    was fetched), read as ``reading`` says; None when the two may read differently (then
    extract ``page`` afresh). Its stamps are the version's when they read alike at
    ``fetched_at`` from the same address, else they are read again. Raises what
    :func:`~newswatch.extract.extract` raises for a page beyond its budgets.

    A page whose furniture changes where the reading's :class:`Mask` says it did before is
    known to read alike without a parse; another is compared with ``made`` and parsed, and
    the places it differs become the reading's mask."""
    tree: LexborHTMLParser | None = None
    masked = _masked(page, reading.mask) if reading.mask is not None else None
    if masked is not None:
        body, pieces = masked
    else:
        original = made() if callable(made) else made
        if original is None:
            return None
        token = secrets.token_hex(8)
        marked = _marked(original, page, token)
        if marked is None:
            return None
        body, marks, values = marked
        tree = LexborHTMLParser(body)
        if not _confirmed(tree, token, marks):
            return None
        mask = Mask(token, original.count(b"<") + 1, tuple(marks), _digest(body))
        reading = replace(reading, mask=mask)
        spans = tuple((m[0], m[2], m[3], v) for m, v in zip(marks, values, strict=True))
        pieces = (mask.pieces, spans)
    check_markup(text)  # the budgets extract() holds the page to, on the same text
    if url == held.url and reading.stamps_alike(fetched_at):
        article = replace(held, canonical_url=reading.canonical, published_local=None)
        return Reread(article, reading, pieces)
    if tree is None:
        tree = LexborHTMLParser(body)
    nodes = meta_nodes(tree)
    meta = read_meta(tree, nodes)
    paragraphs = list(held.paragraphs)
    args = (tree, nodes, meta, url, timezone, fetched_at, held.title, paragraphs, reading.lead)
    from newswatch.extract.extractor import finish  # the regular expressions it compiles

    return Reread(finish(*args)[0], reading, pieces)


# the values and comments furniture changes at every request on most pages (ad and tracking
# data, script nonces, render notes), for :func:`mask_of`: a search each, starting with a
# literal, so that the regular expression engine skips ahead by it
_DIGIT = re.compile(rb"[0-9]")
_FURNITURE = (
    re.compile(rb' (data-[a-z0-9_-]+)="([^"<]*)"'),
    re.compile(rb' (nonce)="([^"<]*)"'),
    re.compile(rb"<!--()((?![>-])[^<]*?)-->"),
)


def mask_of(page: bytes) -> Mask | None:
    """A mask of the page that makes a version, proven before any later page is seen: its
    ``nonce`` values, and its ``data-*`` values and comments that hold a digit (a count, a
    time, an id: what changes with the request; an ad slot's name does not, and masking it
    would only cost), where per-request furniture is on most pages; None when the parser
    does not confirm them all (a look-alike in a script, say), and the mask is then learned
    from the first later page that differs."""
    spans = sorted(
        (match.start(2), match.end(2), match[1].decode())
        for pattern in _FURNITURE
        for match in pattern.finditer(page)
        if match[1] == b"nonce" or _DIGIT.search(match[2])
    )
    if not spans:
        return None
    token = secrets.token_hex(8)
    raw_token = token.encode()
    parts: list[bytes] = []
    marks: list[Mark] = []
    at = 0
    piece = 0
    for start, end, name in spans:
        if start < at:
            continue  # inside a comment masked already
        if not name and b"--!>" in page[start : end + 3]:
            return None  # the comment ends there, before its "-->"
        piece += page.count(b"<", at, start)
        begins = page.rfind(b"<", 0, start) + 1  # where the piece begins (0: the first)
        parts += (page[at:start], _marker(raw_token, len(marks)))
        marks.append((piece, name, start - begins, end - begins))
        at = end
    parts.append(page[at:])
    body = b"".join(parts)
    if body.count(raw_token) != len(marks):
        return None
    if not _confirmed(LexborHTMLParser(body), token, marks):
        return None
    return Mask(token, page.count(b"<") + 1, tuple(marks), _digest(body))


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _marker(token: bytes, k: int) -> bytes:
    return token + b"%dz" % k


def _masked(page: bytes, mask: Mask) -> tuple[bytes, PagePatch] | None:
    """``page`` with the values and comment texts ``mask`` names replaced by its markers,
    when that gives the very page the mask was proven on, and ``page`` as the page that made
    the version with those spans replaced (see :data:`~newswatch.models.PagePatch`); else None."""
    pieces = page.split(b"<")
    if len(pieces) != mask.pieces:
        return None
    token = mask.token.encode()
    spans: list[tuple[int, int, int, bytes]] = []
    k = 0
    marks = mask.marks
    while k < len(marks):
        i = marks[k][0]
        if i >= len(pieces):
            return None
        group = [marks[k]]
        while k + len(group) < len(marks) and marks[k + len(group)][0] == i:
            group.append(marks[k + len(group)])
        piece = pieces[i]
        if len(group) == 1 and not group[0][1]:
            found = _comment_masked(piece, _marker(token, k))
        else:
            found = _values_masked(piece, [m[1] for m in group], token, k)
        if found is None:
            return None
        pieces[i], values = found
        spans += ((i, m[2], m[3], v) for m, v in zip(group, values, strict=True))
        k += len(group)
    body = b"<".join(pieces)
    if _digest(body) != mask.digest:
        return None
    return body, (mask.pieces, tuple(spans))


def _comment_masked(piece: bytes, marker: bytes) -> tuple[bytes, list[bytes]] | None:
    """The comment piece with its text replaced by ``marker`` (as :func:`_marked` masks it), and
    that text."""
    end = _comment_end(piece)
    if end is None:
        return None
    return b"!--" + marker + b"-->" + piece[end:], [piece[3 : end - 3]]


_SEPARATORS = b" \t\n\r\f/\"'"
_SPACE = b" \t\n\r\f"


def _values_masked(
    piece: bytes, names: list[str], token: bytes, k: int
) -> tuple[bytes, list[bytes]] | None:
    """The start-tag piece with the quoted values of ``names`` (in order, one each)
    replaced by the markers numbered from ``k``, and those values.

    Found with plain searches, not by reading the whole tag: whatever is replaced is the
    text between two quotes after ``name =``, and the page it gives is compared with the
    one the mask was proven on, so a place found wrongly only fails the comparison."""
    parts: list[bytes] = []
    values: list[bytes] = []
    at = 0
    for name in names:
        key = name.encode()
        search = at
        while True:
            found = piece.find(key, search)
            if found < 0:
                return None
            search = found + len(key)
            if found == 0 or piece[found - 1] not in _SEPARATORS:
                continue
            i = search
            while i < len(piece) and piece[i] in _SPACE:
                i += 1
            if piece[i : i + 1] != b"=":
                continue
            i += 1
            while i < len(piece) and piece[i] in _SPACE:
                i += 1
            quote = piece[i : i + 1]
            if quote not in (b'"', b"'"):
                continue
            close = piece.find(quote, i + 1)
            if close < 0:
                return None
            parts += (piece[at : i + 1], _marker(token, k))
            values.append(piece[i + 1 : close])
            k += 1
            at = close
            break
    parts.append(piece[at:])
    return b"".join(parts), values


def _marked(made: bytes, page: bytes, token: str) -> tuple[bytes, list[Mark], list[bytes]] | None:
    """``page`` with every value and comment text in which it differs from ``made``
    replaced by a marker (the ``k``-th: the token, ``k``, ``z``), and where each marker is,
    if it differs from ``made`` in nothing else."""
    if made == page:
        return page, [], []
    old = made.split(b"<")
    new = page.split(b"<")
    if len(old) != len(new):
        return None
    differing = list(compress(count(), map(ne, old, new)))
    if len(differing) > MAX_DIFFERENCES:
        return None
    marks: list[Mark] = []
    values: list[bytes] = []
    raw_token = token.encode()
    for i in differing:
        a, b = old[i], new[i]
        if a.startswith(b"!--") and b.startswith(b"!--"):
            end_a, end_b = _comment_end(a), _comment_end(b)
            if end_a is None or end_b is None or a[end_a:] != b[end_b:]:
                return None  # not the same piece but for its comment text
            piece = b"!--" + _marker(raw_token, len(marks)) + b"-->" + b[end_b:]
            marks.append((i, "", 3, end_a - 3))
            values.append(b[3 : end_b - 3])
        else:
            tag = _tag(a, b, raw_token, i, marks, values)
            if tag is None:
                return None
            piece = tag
        new[i] = piece
    body = b"<".join(new)
    if body.count(raw_token) != len(marks):
        return None  # the token was in the page already: no marker would prove anything
    return body, marks, values


def _comment_end(piece: bytes) -> int | None:
    """Where the comment ``piece`` (``!--`` text ``-->`` rest) ends, if its text ends at
    its first ``-->`` (not at once, as ``<!-->`` does, nor at a ``--!>``)."""
    if piece[3:4] == b">" or piece[3:5] == b"->":
        return None  # "<!-->" and "<!--->": comments that end at once
    end = piece.find(b"-->", 3)
    if end < 0 or b"--!>" in piece[3 : end + 3]:
        return None
    return end + 3


def _values(piece: bytes) -> list[tuple[str, int, int, bool]] | None:
    """The attributes of the start tag ``piece`` opens with: (name in lower case, start and
    end of its value, quoted), or None when the piece is not a whole start tag."""
    name = _TAG_NAME.match(piece)
    if name is None:
        return None
    at = name.end()
    found: list[tuple[str, int, int, bool]] = []
    while True:
        end = _TAG_END.match(piece, at)
        if end is not None:
            return found
        attribute = _ATTRIBUTE.match(piece, at)
        if attribute is None or attribute.end() == at:
            return None
        key = attribute.group(1).lower().decode("ascii", "replace")
        for group, quoted in ((2, True), (3, True), (4, False)):
            if attribute.group(group) is not None:
                found.append((key, attribute.start(group), attribute.end(group), quoted))
                break
        else:
            found.append((key, attribute.end(1), attribute.end(1), False))
        at = attribute.end()


def _tag(
    a: bytes, b: bytes, token: bytes, i: int, marks: list[Mark], values: list[bytes]
) -> bytes | None:
    """The piece ``b`` (a start tag and the text after it, piece ``i``) with each attribute
    value in which it differs from ``a`` replaced by a marker (added to ``marks``), if those
    values are all quoted, all of ignored attributes, and ``a`` is the same otherwise."""
    old = _values(a)
    new = _values(b)
    if old is None or new is None or len(old) != len(new):
        return None
    parts: list[bytes] = []
    at_a = at_b = 0
    for (key_a, start_a, end_a, quoted_a), (key_b, start_b, end_b, quoted_b) in zip(
        old, new, strict=True
    ):
        if key_a != key_b or a[at_a:start_a] != b[at_b:start_b]:
            return None
        parts.append(b[at_b:start_b])
        value = b[start_b:end_b]
        if a[start_a:end_a] != value:
            if not (quoted_a and quoted_b and ignored(key_b) and _NAME.match(key_b.encode())):
                return None
            values.append(value)
            value = _marker(token, len(marks))
            marks.append((i, key_b, start_a, end_a))
        parts.append(value)
        at_a, at_b = end_a, end_b
    if a[at_a:] != b[at_b:]:
        return None
    parts.append(b[at_b:])
    return b"".join(parts)


def _confirmed(tree: LexborHTMLParser, token: str, marks: list[Mark]) -> bool:
    """Whether the parser read every marker as what it was put for."""
    attributes = {f"{token}{k}z": mark[1] for k, mark in enumerate(marks) if mark[1]}
    comments = [f"{token}{k}z" for k, mark in enumerate(marks) if not mark[1]]
    if attributes:
        seen: set[str] = set()
        selector = ",".join(f'[{name}="{marker}"]' for marker, name in attributes.items())
        # a node matching two of the selectors may come back twice: once is enough
        nodes = {node.mem_id: node for node in tree.css(selector)}
        for node in nodes.values():
            for name, value in node.attributes.items():
                if value is not None and value.startswith(token):
                    if attributes.get(value) != name or value in seen:
                        return False
                    seen.add(value)
        if len(seen) != len(attributes):
            return False
    if comments:
        if tree.css_first("template") is not None:
            return False  # a template's content is parsed apart: not looked through here
        root = tree.root
        if root is None or token in root.text(deep=True):
            return False  # a marker in text: script, style, title or textarea text
        html = tree.html or ""
        if any(html.count(f"<!--{marker}-->") != 1 for marker in comments):
            return False
    return True
