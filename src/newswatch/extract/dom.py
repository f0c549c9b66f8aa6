"""One walk over the parsed page: text blocks and the block elements that hold them.

The walk is the only pass over the body. It cuts the text into blocks at block-element
boundaries (and at ``<br><br>``), and records for every block element its parent, its
class/id hint and the range of blocks inside it. Blocks come out in document order, so the
blocks of any subtree are one contiguous range and every later question ("how much text is
in here, how much of it is links?") is answered from these numbers, computed bottom-up once,
never by asking the parser for a subtree's text again.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newswatch.extract.budget import MAX_DEPTH, too_deep
from newswatch.extract.hints import (
    BLOCK_TAGS,
    FURNITURE_TAGS,
    NEGATIVE_ROLES,
    SKIP_TAGS,
    STRONG,
    analyse,
    embedded_post,
    gated,
    hidden_class,
    hidden_style,
    known,
)


@dataclass(slots=True, init=False)
class Elem:
    """A block element of the page (internal working record of the walk)."""

    index: int
    tag: str
    parent: int
    depth: int
    hint: int
    """The class/id hint (see :func:`~newswatch.extract.hints.analyse`), read once the
    element's subtree is walked and only when it holds text: elsewhere it decides nothing."""
    furniture: bool
    """Named or tagged as page furniture (nav, share bar, related list, caption, ...); by its
    name only when it holds text, like ``hint``."""
    tag_furniture: bool
    """Furniture by its tag or ARIA role alone (what still counts under a CSS body rule)."""
    mem_id: int
    first: int
    end: int
    text_len: int
    link_len: int
    score: float
    embed: bool
    """An embedded post (a quoted tweet, an Instagram post): read whatever its wrapper's
    name says, as the story quotes it."""
    children: list[int]

    def __init__(
        self,
        index: int,
        tag: str,
        parent: int,
        depth: int,
        tag_furniture: bool,
        mem_id: int,
        first: int = 0,
    ) -> None:
        # written out: half the cost of the generated one (default factory), and the walk
        # makes one per block element of every page
        self.index = index
        self.tag = tag
        self.parent = parent
        self.depth = depth
        self.hint = 0
        self.furniture = tag_furniture
        self.tag_furniture = tag_furniture
        self.mem_id = mem_id
        self.first = first
        self.end = 0
        self.text_len = 0
        self.link_len = 0
        self.score = 0.0
        self.embed = False
        self.children = []


@dataclass(slots=True)
class Block:
    """A run of text between two block boundaries (internal working record).

    ``text`` has its white space collapsed only; :func:`newswatch.normalize.clean_text` is
    applied to the few blocks that make it into the article.
    """

    text: str
    owner: int
    tag: str
    length: int
    link_len: int


@dataclass(slots=True)
class Page:
    """The walk's result: blocks in document order and the elements around them."""

    blocks: list[Block]
    elems: list[Elem]


def _tag_ids(names: Set[str]) -> dict[int, str]:
    """The parser's numeric ids of standard tag names (fixed by lexbor, the same in every
    document; unknown tags get ids of their own and are none of these)."""
    maker = LexborHTMLParser("")
    return {maker.create_node(name).tag_id: name for name in names}


_BLOCK_NAMES = _tag_ids(BLOCK_TAGS)
_BLOCK_IDS = frozenset(_BLOCK_NAMES)
_SKIP_IDS = frozenset(_tag_ids(SKIP_TAGS))
_TEXT = LexborHTMLParser("<p>x</p>").css_first("p").first_child.tag_id  # type: ignore[union-attr]
_BR = next(iter(_tag_ids({"br"})))
_A = next(iter(_tag_ids({"a"})))
_CELL_TEXT = 200  # characters: a data cell is short; a longer one is a layout table's cell
# lexbor numbers the standard tags alphabetically from "a"; the ids below are the text,
# comment, doctype and document nodes
_FIRST_ELEMENT = _A


_INLINE_HIDDEN: dict[tuple[str | None, str | None], bool] = {}
"""Inline elements' :func:`~newswatch.extract.hints.hidden_class` verdicts by (class, id):
pages repeat their names, and the walk asks this of every named inline element."""
_INLINE_HIDDEN_MAX = 20_000


def _gap(node: LexborNode | None) -> bool:
    """Whether ``node`` is a white-space text node (one the walk's C-level iteration
    skipped: see :func:`walk_page`)."""
    return node is not None and node.is_empty_text_node and bool(node.text_content)


def walk_page(tree: LexborHTMLParser, drop_ids: Set[int] = frozenset()) -> Page:
    """Cut the page's body into text blocks and sum their lengths up the element tree.

    Written for speed: it visits every node of every page. The state of the text run being
    collected lives in the closure (cheaper to read and set than attributes), and lengths are
    summed up the tree as each element closes, not in passes afterwards.

    Invariant that keeps the per-node work small: while no text has been seen since the
    last block boundary (``has_text`` false), ``parts`` is empty, ``link_len`` is 0 and
    ``after_br`` is false: leading white space and ``<br>`` are dropped at once (the
    block's text is white-space-collapsed, so they never showed).

    Text nodes of ASCII white space only (the indentation between tags, two of every three
    text nodes) are skipped by the parser's iteration, never made into Python objects. Such
    a node separated words only where it stood between two pieces of text of one run with
    no white space at their junction; there, and only there, the node before the next
    piece (or the last child of an inline element just closed) is looked at, and a space
    put in its place: the same block text once collapsed.
    """
    root = tree.body or tree.root
    if root is None:
        return Page([], [])
    blocks: list[Block] = []
    elems: list[Elem] = [Elem(0, root.tag or "body", -1, 0, False, root.mem_id)]
    parts: list[str] = []
    add = parts.append
    has_text = after_br = False
    link_len = 0
    text_id, br_id, first_element, a_id = _TEXT, _BR, _FIRST_ELEMENT, _A
    skip_ids, block_ids, block_names = _SKIP_IDS, _BLOCK_IDS, _BLOCK_NAMES
    inline_hidden = _INLINE_HIDDEN

    def flush(owner: Elem) -> None:
        """Close the text run collected so far as one block of ``owner`` (called only
        when it holds text)."""
        nonlocal has_text, after_br, link_len
        has_text = after_br = False
        text = " ".join("".join(parts).split())
        parts.clear()
        length = len(text)
        links = link_len if link_len < length else length
        link_len = 0
        blocks.append(Block(text, owner.index, owner.tag, length, links))
        owner.text_len += length
        owner.link_len += links

    def walk(node: LexborNode, owner: Elem, in_link: bool, depth: int) -> None:
        nonlocal has_text, after_br, link_len
        if depth >= MAX_DEPTH:  # bounded recursion (depth: the node's, the body 0)
            raise too_deep()
        depth += 1
        for child in node.iter(include_text=True, skip_empty=True):
            tid = child.tag_id  # an int: cheaper than the tag's name, asked of every node
            if tid == text_id:
                text = child.text_content
                if not text:
                    continue
                if text.isspace():  # white space beyond ASCII (a no-break space)
                    if has_text:
                        add(text)
                    continue
                if (
                    has_text
                    and not text[0].isspace()
                    and not parts[-1][-1].isspace()
                    and _gap(child.prev)
                ):
                    add(" ")
                add(text)
                has_text = True
                after_br = False
                if in_link:
                    link_len += len(text.strip())
                continue
            if has_text:
                if tid == br_id:
                    if after_br:
                        flush(owner)
                    else:
                        add("\n")
                        after_br = True
                    continue
                if not parts[-1][-1].isspace() and _gap(child.prev):
                    add(" ")
            elif tid == br_id:
                continue
            if tid in skip_ids or tid < first_element:  # code, media, comments
                continue
            attrs = child.attributes
            if tid not in block_ids:
                if attrs:
                    cls = attrs.get("class")
                    ident = attrs.get("id")
                    if cls or ident:
                        key = (cls, ident)
                        hidden = inline_hidden.get(key)
                        if hidden is None:
                            if len(inline_hidden) >= _INLINE_HIDDEN_MAX:
                                inline_hidden.clear()
                            hidden = inline_hidden[key] = hidden_class(f"{cls or ''} {ident or ''}")
                        if hidden:
                            continue
                    if "hidden" in attrs or (
                        "style" in attrs and hidden_style(attrs["style"] or "")
                    ):
                        continue
                    if drop_ids and child.mem_id in drop_ids:
                        continue
                after_br = False
                walk(child, owner, in_link or tid == a_id, depth)
                if has_text and not parts[-1][-1].isspace() and _gap(child.last_child):
                    add(" ")
                continue
            hint = 0
            named = tag_furniture = strong = False
            cls = None
            if attrs:
                cls = attrs.get("class")
                ident = attrs.get("id")
                if cls or ident:
                    named = True
                    # memoised; the class/id names hide the element as the inline test
                    # would (CMS taxonomy classes left out, see hints.names)
                    verdict = known((cls, ident)) or analyse(cls, ident)
                    if verdict[1]:
                        continue
                    hint = verdict[0]
                    # the attributes below are rare: not looked for among a class and an id only
                    if len(attrs) > (cls is not None) + (ident is not None):
                        if "hidden" in attrs or (
                            "style" in attrs
                            and hidden_style(attrs["style"] or "")
                            and not gated(cls)
                        ):
                            continue
                        tag_furniture = attrs.get("role") in NEGATIVE_ROLES
                        strong = attrs.get("itemprop") == "articleBody"
                else:
                    if "hidden" in attrs or (
                        "style" in attrs and hidden_style(attrs["style"] or "") and not gated(cls)
                    ):
                        continue
                    tag_furniture = attrs.get("role") in NEGATIVE_ROLES
                    strong = attrs.get("itemprop") == "articleBody"
                if drop_ids and child.mem_id in drop_ids:
                    continue
            tag = block_names[tid]
            if has_text:
                flush(owner)
            tag_furniture = tag_furniture or tag in FURNITURE_TAGS
            index = len(elems)
            owner.children.append(index)
            first = len(blocks)
            elem = Elem(
                index, tag, owner.index, owner.depth + 1, tag_furniture, child.mem_id, first
            )
            if named and tag == "blockquote":
                elem.embed = embedded_post(cls)
            elems.append(elem)
            walk(child, elem, in_link, depth)
            if has_text:
                flush(elem)
            if tag == "tr" and len(blocks) - first >= 2:
                _join_row(blocks, elems, elem)
            end = elem.end = len(blocks)
            if end > first:  # class hints only matter to elements holding text
                if strong:
                    hint = STRONG
                elif hint == 0 and (tag == "article" or tag == "main"):
                    hint = 1
                elem.hint = hint
                elem.furniture = tag_furniture or hint < 0
                owner.text_len += elem.text_len
                owner.link_len += elem.link_len

    top = elems[0]
    walk(root, top, False, 0)
    if has_text:
        flush(top)
    top.end = len(blocks)
    return Page(blocks, elems)


def _join_row(blocks: list[Block], elems: list[Elem], row: Elem) -> None:
    """A data table's row (cells of a line of text each) as one block, cells joined by
    spaces, as a reader reads the row: not one paragraph per cell. Layout tables (a cell
    holding paragraphs, a long cell) are left as they are."""
    cells = [elems[c] for c in row.children]
    if len(cells) < 2 or len(blocks) - row.first != len(cells):
        return
    for cell, block in zip(cells, blocks[row.first :], strict=True):
        if cell.children or block.owner != cell.index or block.length > _CELL_TEXT:
            return
    text = " ".join(b.text for b in blocks[row.first :])
    link_len = sum(b.link_len for b in blocks[row.first :])
    del blocks[row.first :]
    blocks.append(Block(text, row.index, "tr", len(text), link_len))
    for cell in cells:
        cell.first = cell.end = row.first
        cell.text_len = cell.link_len = 0
    row.text_len = len(text)  # the cells' lengths were summed into the row as they closed
    row.link_len = link_len
