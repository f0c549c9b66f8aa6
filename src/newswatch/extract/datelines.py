"""Visible date lines in the page's own markup: the dateline under the headline (byline,
date elements near the ``<h1>``), and, as a last resort, the best short date line anywhere.

Lines inside the body paragraphs are read by :mod:`newswatch.extract.textstamps`; these are
the lines around them that the body extractor leaves out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import tzinfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newswatch.extract.candidates import (
    R_TEXT_KEYWORD,
    R_TEXT_NEAR_TITLE,
    R_TEXT_SCAN,
    Found,
    text_found,
)
from newswatch.extract.dates import fold
from newswatch.extract.fetchtime import When
from newswatch.extract.regions import UPDATE_HINT, date_hinted, excluded
from newswatch.extract.textstamps import (
    MAX_OTHER_LETTERS,
    TextStamp,
    parse_stamp_line,
    read_stamp_line,
    split_stamps,
)
from newswatch.models import StampKind

# what marks a date element by the headline: these words in its class, these in its id
# (case matters, as in a CSS ``[class*=date]``)
_CLASS_MARKS = (
    "date", "time", "publish", "posted", "updat", "modif", "byline", "dateline", "stamp",
    "meta", "Date", "Time", "Publish", "Byline", "Meta", "datum", "fecha", "submitted", "info",
)  # fmt: skip
_ID_MARKS = ("date", "time", "publish", "byline", "Date")
_PIECES = re.compile(r"\s*(?:[|•·]|//)\s*|\n|\s[(]")
HINTED_OTHER_LETTERS = 16  # a byline ("By Jane Doe, 8 January 2020") in a date element
_SCAN_MAX_NODES = 4000  # text nodes read by the last-resort scan
_NEAR_TITLE_MAX = 40  # candidate elements examined around the headline
DIGIT = re.compile(r"\d")
# the parser's numeric ids of text nodes and of h1 (fixed by lexbor, the same in every
# document)
_TEXT_ID = LexborHTMLParser("<p>x</p>").css_first("p").first_child.tag_id  # type: ignore[union-attr]
_H1_ID = LexborHTMLParser("").create_node("h1").tag_id
# every date :func:`~newswatch.extract.dates.find_datetime` reads with no default year holds
# one: four digits, or a day/month/year triple with a two-digit year
_YEAR = re.compile(r"\d{4}|\d\s*([-/.])\s*\d{1,2}\s*\1\s*\d\d")


def near_title_stamps(
    scope: LexborNode | None, zone: tzinfo, fetched_at: When
) -> list[tuple[TextStamp, int]]:
    """Date lines in the article header (byline, dateline, date elements) as text stamps."""
    if scope is None:
        return []
    found: list[tuple[int, TextStamp, int]] = []
    seen: set[str] = set()
    around = _heading_ancestors(scope)
    # nested date elements repeat a text (a wrapper around its one date child, a byline
    # holding the date element): each piece is read once, as a read depends on the piece
    # and its default kind only, never on its node
    memo: _Memo = {}
    for node in near_title_nodes(scope):
        if node.tag in ("script", "style", "meta", "link", "body", "html", "time"):
            continue
        text = node.text(separator=" ", strip=True)
        if not text or len(text) > 200 or text in seen:
            continue
        attrs = node.attributes
        hints = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        default: StampKind = "updated" if UPDATE_HINT.search(hints) else "published"
        reads = _reads(text, zone, fetched_at, default, memo)
        if reads and node.css_first("a") is not None:
            # a link's words are another story's ("2019 in review"): its year must not
            # complete the date line's own day and month
            cut = _without_worded_links(node, text)
            if cut != text:
                reads = _reads(cut, zone, fetched_at, default, memo)
        # whether a text reads as stamps does not depend on its node: the region test (a
        # walk up the tree) is left for the few that do
        if not reads or excluded(node):
            continue
        seen.add(text)
        distance = _distance(node, around)
        for stamp, strict in reads:
            found.append((distance, stamp, R_TEXT_KEYWORD if strict else R_TEXT_NEAR_TITLE))
    found.sort(key=lambda item: item[0])  # stable: the headline's neighbours first
    # a container repeats its date child with furniture around it (view counters): keep the child
    texts = [s.text for _, s, _ in found]
    return [(s, r) for _, s, r in found if not any(t != s.text and t in s.text for t in texts)]


def near_title_nodes(scope: LexborNode) -> list[LexborNode]:
    """The date elements of ``scope`` (itself included), in page order, as the first
    ``_NEAR_TITLE_MAX`` entries of a CSS query with one ``[class*=mark]`` or ``[id*=mark]``
    selector per mark would list them: a node once for each mark it holds, so a node with
    many marks ("post-date-time") uses up more of the budget.

    One query for the elements with a class or an id, and a plain substring search per mark
    through all their classes (and ids) at once: the selector list costs lexbor one substring
    test per selector and element, several times more than the whole of this."""
    nodes = scope.css(":is([class],[id])")
    # the classes, then the ids, NUL between them: the parser reads NUL in an attribute as
    # U+FFFD, so it separates values that may hold any other character
    lines: list[str] = []
    ids: list[str] = []
    for node in nodes:
        attrs = node.attributes
        lines.append(attrs.get("class") or "")
        ids.append(attrs.get("id") or "")
    class_end = len(lines) and sum(map(len, lines)) + len(lines) - 1
    lines += ids
    joined = "\0".join(lines)
    counts: dict[int, int] = {}
    for mark in _CLASS_MARKS:
        end = len(joined) if mark in _ID_MARKS else class_end
        at = joined.find(mark, 0, end)
        line, counted = 0, 0  # the value at ``counted``, the position counted up to
        while at >= 0:
            line += joined.count("\0", counted, at)
            owner = line % len(nodes)
            counts[owner] = counts.get(owner, 0) + 1
            counted = joined.find("\0", at)
            if counted < 0:
                break
            at = joined.find(mark, counted, end)
    chosen: list[LexborNode] = []
    listed = 0
    for index in sorted(counts):
        if listed >= _NEAR_TITLE_MAX:
            break
        chosen.append(nodes[index])
        listed += counts[index]
    return chosen


_Memo = dict[tuple[str, StampKind], tuple[TextStamp, bool] | None]


def _reads(
    text: str, zone: tzinfo, fetched_at: When, default: StampKind, memo: _Memo
) -> list[tuple[TextStamp, bool]]:
    """The stamps of a date element's text, piece by piece (``memo``: the pieces read
    already, with the same zone and fetch time)."""
    reads: list[tuple[TextStamp, bool]] = []
    for part in _PIECES.split(text):
        for piece in split_stamps(part):
            key = (piece, default)
            if key in memo:
                read = memo[key]
            else:
                read = memo[key] = read_stamp_line(
                    piece,
                    timezone=zone,
                    fetched_at=fetched_at,
                    default_kind=default,
                    max_other_letters=HINTED_OTHER_LETTERS,
                )
            if read is not None:
                reads.append(read)
    return reads


_WORD = re.compile(r"[^\W\d_]{2,}")


def _without_worded_links(node: LexborNode, text: str) -> str:
    """``text`` with the text of the links that hold a number among words cut out (a piece
    break in its place). A link that is a date or a date part (a permalink on the date, a
    year linked to its archive) stays."""
    for link in node.css("a"):
        words = link.text(separator=" ", strip=True)
        if not DIGIT.search(words) or not _WORD.search(words):
            continue
        if parse_stamp_line(words, default_kind="published") is None:
            text = text.replace(words, " | ", 1)
    return text


_DATELINE_HEAD = 80  # characters of a paragraph where a dateline may open it
_DATELINE_CUT = re.compile(r"\s+[-–—|]\s+|\s*[-–—]{1,2}\s*(?=\D)|:\s+")


def dateline_stamps(paragraphs: Sequence[str], zone: tzinfo) -> list[Found]:
    """A dateline opening one of the first paragraphs ("27.1.2022 - Bei der ...", "BERLIN,
    March 14, 2024 – The council ..."): the date the story gives itself in its first words."""
    for paragraph in paragraphs[:_DATELINE_PARAGRAPHS]:
        head = paragraph[:_DATELINE_HEAD]
        cut = _DATELINE_CUT.search(head)
        end = cut.start() if cut is not None else _opening_date_end(head)
        if end < 6 or DIGIT.search(head, 0, end) is None:
            continue
        stamp = parse_stamp_line(
            head[:end],
            timezone=zone,
            default_kind="published",
            max_other_letters=_DATELINE_PLACE_LETTERS,
        )
        if stamp is not None and stamp.at is not None and _YEAR.search(fold(stamp.text)):
            found = text_found(stamp, R_TEXT_NEAR_TITLE, "dateline")
            return [found] if found is not None else []
    return []


_DATELINE_PARAGRAPHS = 3
# a story opening with its date and no dash after it: "01.02.2022 „Der Arbeitsmarkt ...",
# "(21. November 2022) Energy users ...", "Karlsruhe, (12.11.2021). Traditionally ..."
_OPENING_DATE = re.compile(
    r"^(?:[^\W\d_][^\W\d_.\- ]*(?: [^\W\d_][^\W\d_.\- ]*)?,\s*)?\(?"
    r"(?:\d{1,2}\.\s?\d{1,2}\.\s?\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.?\s[^\W\d_]{3,12}\.?\s\d{4})"
    r"\)?(?=[.,]?\s+\S)"
)


def _opening_date_end(head: str) -> int:
    """Where a date that opens the paragraph ends (0: the paragraph opens with no date)."""
    match = _OPENING_DATE.match(head)
    return match.end() if match is not None else 0


_DATELINE_PLACE_LETTERS = 24  # "WASHINGTON, D.C." before the date


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


# a blog post's metadata sentence goes on to file the post ("This entry was posted on ...
# and is filed under News"): the filing clause is no part of the stamp
_FILED = re.compile(
    r"\s+(?:and\s+(?:is\s+)?filed\s+under|und\s+unter|et\s+class[ée]\s+dans"
    r"|y\s+archivad[oa]\s+en)(?:\s.*)?$",
    re.I,
)
_AUTHOR_HINT = re.compile(r"author|autor|auteur", re.I)


def _author_hinted(node: LexborNode) -> bool:
    """The node or its parent is the author line ("by Jane on 26/10/13"): a post's own date."""
    holder: LexborNode | None = node
    for _ in range(2):
        if holder is None:
            return False
        if _AUTHOR_HINT.search(holder.attributes.get("class") or ""):
            return True
        holder = holder.parent
    return False


def scan_text_stamps(tree: LexborHTMLParser, zone: tzinfo) -> list[Found]:
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
        tid = node.tag_id  # an int: cheaper than asking for the node's kind or name
        if tid != _TEXT_ID:
            seen_heading = seen_heading or tid == _H1_ID
            continue
        raw = node.text_content
        if not raw or len(raw) < 6 or DIGIT.search(raw) is None:
            continue
        text = raw.strip()
        if not 6 <= len(text) <= 100 or _YEAR.search(fold(text)) is None:
            continue  # with no reference date, only a date with its year is a date
        parent = node.parent
        if parent is None or parent.tag in ("script", "style", "noscript", "option", "title"):
            continue
        hinted = date_hinted(parent) or _author_hinted(parent)
        stamp = next(
            (
                found
                for part in _PIECES.split(_FILED.sub("", text))
                for piece in split_stamps(part)
                if (
                    found := parse_stamp_line(
                        piece,
                        timezone=zone,
                        default_kind="published",
                        max_other_letters=HINTED_OTHER_LETTERS if hinted else MAX_OTHER_LETTERS,
                    )
                )
                is not None
            ),
            None,
        )
        if stamp is None or stamp.at is None or excluded(parent):
            continue
        score = 2 * hinted + seen_heading
        if best is None or score > best[0]:
            best = (score, index, stamp)
        if score == 3:
            break
    if best is None:
        return []
    chosen = text_found(best[2], R_TEXT_SCAN, "scan")
    return [chosen] if chosen is not None else []
