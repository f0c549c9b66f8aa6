"""Main-content detection: which block elements hold the article, and which of their
blocks are its paragraphs.

Every block element is scored by the prose it holds minus a share of the other text it
drags along (menus, link lists, bylines, furniture), from lengths summed bottom-up once by
the walk. The page wrapper holds all the prose and all the noise; a single paragraph's
wrapper holds too little; the element that holds the article and little else wins. Class/id
hints (``article-body``, ``itemprop=articleBody``) nudge the scores, furniture names sink them.
The winner's siblings that also hold article text (stories split over several wrappers) are
added. Inside the chosen elements, furniture (share bars, related lists, captions, link lists,
stray labels, a trailing "Related" heading) is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from newswatch.extract.dom import Block, Elem, Page
from newswatch.extract.furniture import (
    author_note,
    byline_line,
    caption_line,
    closing_note,
    comments_heading,
    furniture_line,
    organisation_note,
    quote_header,
    reference_note,
    slide_counter,
    summary_label,
    tail_opener,
    teaser_heading,
    verdict_label,
)
from newswatch.extract.hints import HEADING_TAGS, PROSE_TAGS
from newswatch.extract.title import SEPARATORS

_MIN_PROSE = 25
_MAX_LINK_DENSITY = 0.5
_NOISE_WEIGHT = 0.7
# a paragraph is part of an article, not a place to look for one
_NOT_CANDIDATES = PROSE_TAGS - {"td"}
_FURNITURE_FACTOR = 0.3
_HINT_FACTOR = {1: 1.1, 2: 1.3}
SENTENCE_END = (".", "!", "?", "؟", "。", ":", "»", '"', "”", "…", ")")
SHORT_STRAY = 40
_PROBE = 40
# a paragraph of prose that links its sources is still prose: a sentence of this many
# characters, ending like one, is kept up to this share of link text
_LINKED_PROSE = 80
_LINKED_PROSE_DENSITY = 0.75
_LI_OWN_TEXT = 40  # a list item's headline link is kept when the item tells more than it
# a teaser: a headline (a link or a heading) and a line or two of blurb, in a list of them
_TEASER_BLOCKS = 4
_TEASER_TEXT = 400
_TEASER_HEADLINE = 150
_TEASER_MIN_ITEMS = 3
_TEASER_LABEL = 40  # a "Related" or "Don't miss" label on a line of its own
_LABEL_WRAPPERS = 2  # wrappers around a teaser heading alone looked through to its box
# the press-release boilerplate is looked for in this many last blocks of the story
_TAIL_BLOCKS = 8
_NAME_LINE = 60  # the author's name printed over the author's note
_LIST_TAGS = frozenset({"ul", "ol"})
_CELL_TAGS = frozenset({"td", "th", "tr", "li", "dd", "dt"})  # a table's or list's numbers are data
# a table's or list's dates are data; a definition list's "Date: <dd>May 21, 2024" is the
# page's own metadata box, read like a date line
_DATA_CELLS = frozenset({"td", "th", "tr", "li"})


def _link_density(elem: Elem) -> float:
    return elem.link_len / elem.text_len if elem.text_len else 0.0


def _prose_len(block: Block) -> float:
    """How much article-like prose a block is: not a link list, not a stray label.

    List items count half: lists are more often tickers and teasers than article text.
    """
    if block.tag in HEADING_TAGS or block.link_len * 2 > block.length:
        return 0.0
    if block.length < _MIN_PROSE and block.tag != "p":
        return 0.0
    return block.length * 0.5 if block.tag == "li" else float(block.length)


def score_elements(page: Page) -> list[int]:
    """Score every block element by prose held minus the other text it drags along.

    ``prose(E)`` sums the prose of E's own blocks and of its children, except children that
    are furniture (their text counts as noise for E); ``score(E) = prose - w * noise``. The
    page wrapper holds all the prose but also every menu and footer; a lone paragraph's
    wrapper holds little: the element holding the article and little else scores best.
    Furniture itself (a cookie banner, a footer blurb) is a poor candidate whatever it holds,
    unless it wraps most of the page's prose (a story inside ``<header>``).
    Returns the element indexes, best first (deeper first on ties).
    """
    elems = page.elems
    if not elems:
        return []
    own = [0.0] * len(elems)
    for block in page.blocks:
        own[block.owner] += _prose_len(block)
    total = list(own)
    for elem in reversed(elems):
        if elem.parent >= 0:
            total[elem.parent] += total[elem.index]
    half = total[0] / 2
    furniture = [e.furniture and total[e.index] < half for e in elems]
    prose = own
    for elem in reversed(elems):
        if elem.parent >= 0 and not furniture[elem.index]:
            prose[elem.parent] += prose[elem.index]
    inside = [False] * len(elems)
    for elem in elems:
        inside[elem.index] = furniture[elem.index] or (elem.parent >= 0 and inside[elem.parent])
        good = prose[elem.index]
        score = good - _NOISE_WEIGHT * max(elem.text_len - good, 0.0)
        if score > 0:
            if inside[elem.index]:
                score *= _FURNITURE_FACTOR
            elif elem.hint > 0:
                score *= _HINT_FACTOR[elem.hint]
        elem.score = score
    return sorted(
        (e.index for e in elems if prose[e.index] > 0 and e.tag not in _NOT_CANDIDATES),
        key=lambda i: (elems[i].score, elems[i].depth),
        reverse=True,
    )


def follow_declared_body(page: Page, ranked: list[int], declared: str) -> list[int]:
    """Re-rank so the best candidate holds the start of the page's declared article body.

    JSON-LD ``articleBody`` is the site's own statement of the text; when the best element
    does not contain its first words, the best-scored element that does is preferred.
    """
    probe = " ".join(declared.split())[:_PROBE]
    if len(probe) < _PROBE or not ranked:
        return ranked
    position = next((i for i, b in enumerate(page.blocks) if probe in b.text), None)
    if position is None:
        return ranked
    elems = page.elems
    holding = [i for i in ranked if elems[i].first <= position < elems[i].end]
    if not holding or holding[0] == ranked[0]:
        return ranked
    return [holding[0], *(i for i in ranked if i != holding[0])]


def _parent(elems: Sequence[Elem], elem: Elem) -> Elem | None:
    return elems[elem.parent] if elem.parent >= 0 else None


def pick_containers(page: Page, ranked: Sequence[int]) -> list[int]:
    """The best element plus its siblings that also hold article text, in page order."""
    if not ranked:
        return [0] if page.elems else []
    elems = page.elems
    top = elems[ranked[0]]
    parent = _parent(elems, top)
    if parent is None:
        return [top.index]
    threshold = max(10.0, top.score * 0.2)
    chosen: list[int] = []
    for index in parent.children:
        sibling = elems[index]
        if index == top.index:
            chosen.append(index)
            continue
        if sibling.furniture or not sibling.text_len:
            continue
        density = _link_density(sibling)
        holds_article = sibling.score >= threshold and density < 0.5
        lone_paragraph = sibling.tag == "p" and density < 0.25 and sibling.text_len > 80
        if holds_article or lone_paragraph or _summary_box(page, sibling):
            chosen.append(index)
    return chosen


def _summary_box(page: Page, elem: Elem) -> bool:
    """The story's own summary beside its body: a box opened by a "Key Points" label over a
    few points of prose (it is written as part of the story, and scores like a short list)."""
    if elem.end - elem.first < 2 or elem.score <= 0 or _link_density(elem) >= 0.25:
        return False
    return summary_label(page.blocks[elem.first].text)


_POST_SHARE = 0.15  # of the container's score: a post of the listing, not a stray box
_MIN_POSTS = 2
_POST_LEVELS = 4  # wrappers looked through for the posts
_WRAPPER_SHARE = 0.8


def single_post(page: Page, containers: list[int]) -> list[int]:
    """A page of several posts (a blog's front page, the next stories loaded under the one
    asked for) gives one post, not all of them as one article: the post holding the page's
    ``<h1>``, else the first.

    A post is a child of the chosen element that starts with its own heading (an
    ``<article>``'s, or a heading linking to the post) and holds a fair share of the prose."""
    elems, blocks = page.elems, page.blocks
    if len(containers) > 1:  # the posts themselves chosen side by side
        chosen = [elems[i] for i in containers]
        if all(
            e.end > e.first and _post_heading(blocks[e.first], e.tag == "article") for e in chosen
        ):
            return [_first_post(blocks, chosen).index]
        return containers
    if not containers:
        return containers
    top = elems[containers[0]]
    posts: list[Elem] = []
    for _ in range(_POST_LEVELS):
        floor = max(10.0, top.score * _POST_SHARE)
        posts = [
            elems[i]
            for i in top.children
            if elems[i].end > elems[i].first
            and elems[i].score >= floor
            and _post_heading(blocks[elems[i].first], elems[i].tag == "article")
        ]
        if len(posts) >= _MIN_POSTS:
            break
        # the wrapper around the posts: the child holding most of what scored
        inner = max((elems[i] for i in top.children), key=lambda e: e.score, default=None)
        if inner is None or inner.score < top.score * _WRAPPER_SHARE:
            break
        top = inner
    if len(posts) < _MIN_POSTS:
        return containers
    return [_first_post(blocks, posts).index]


def _first_post(blocks: Sequence[Block], posts: Sequence[Elem]) -> Elem:
    """The post holding the page's ``<h1>``, else the first."""
    return next((p for p in posts if any(b.tag == "h1" for b in blocks[p.first : p.end])), posts[0])


def _post_heading(block: Block, article: bool) -> bool:
    """A post's own heading: any heading opening an ``<article>``; a heading that links to the
    post's own page opening any other wrapper (a section of one story is not linked)."""
    return block.tag in HEADING_TAGS and (article or block.link_len * 2 > block.length)


def _furniture_inside(
    elems: Sequence[Elem], owner: Elem, container: Elem, protected: set[int], strict: bool
) -> bool:
    """Whether a block's element sits in furniture strictly inside ``container``.

    Furniture that holds the best-scored element or most of the container's text is a
    misnamed wrapper (``article-header`` around the story, Blogger's ``widget Blog``), so it
    is kept, and so is an embedded post, whatever wraps it.
    """
    elem: Elem | None = owner
    while elem is not None and elem.index != container.index:
        if elem.embed:
            return False
        marked = elem.furniture if strict else elem.tag_furniture
        if marked and elem.index not in protected and elem.text_len * 2 < container.text_len:
            return True
        elem = _parent(elems, elem)
    return False


def _keep(block: Block, owner: Elem, strict: bool) -> bool:
    if block.tag == "h1":
        return False
    if block.link_len > block.length * _MAX_LINK_DENSITY and not _linked_prose(block):
        return False
    if not any(map(str.isalnum, block.text)):
        return False  # a rule of underscores, a row of emoji
    if strict and (
        furniture_line(block.text)
        or caption_line(block.text)
        or slide_counter(block.text)
        or summary_label(block.text)
    ):
        return False
    if strict and block.tag not in _DATA_CELLS and byline_line(block.text):
        return False
    return not (
        strict
        and owner.tag not in PROSE_TAGS
        and block.length < SHORT_STRAY
        and not block.text.endswith(SENTENCE_END)
    )


_SECTION_PROSE = 200  # characters of own text: a section's paragraph, longer than a blurb
_MIN_SECTIONS = 2


def _linked_heading(block: Block) -> bool:
    return (
        block.tag in HEADING_TAGS
        and block.tag != "h1"
        and block.link_len * 2 > block.length
        and block.length <= _TEASER_HEADLINE
        and any(map(str.isalnum, block.text))
        and not teaser_heading(block.text)
    )


def _linked_prose(block: Block) -> bool:
    """A sentence of the story that links its sources (not a headline link: those do not end
    like a sentence, and not a list of links)."""
    return (
        (block.tag == "p" or (block.tag == "li" and block.length - block.link_len >= _LI_OWN_TEXT))
        and block.length >= _LINKED_PROSE
        and block.link_len <= block.length * _LINKED_PROSE_DENSITY
        and block.text.endswith(SENTENCE_END)
        and block.text.count(" ") >= 8
    )


def _teaser_item(page: Page, elem: Elem) -> bool:
    """A headline (a link or a heading) with a line or two of blurb: another story's card."""
    count = elem.end - elem.first
    if not 2 <= count <= _TEASER_BLOCKS or elem.text_len > _TEASER_TEXT:
        return False
    head = page.blocks[elem.first]
    return head.length <= _TEASER_HEADLINE and (
        head.link_len * 2 > head.length or (head.tag in HEADING_TAGS and elem.link_len > 0)
    )


def teaser_lists(page: Page, container: Elem, protected: set[int]) -> set[int]:
    """Elements inside ``container`` that hold a list of other stories' cards (at least
    three, and most of their children): "more from", "related", trending boxes that carry
    no telling class name."""
    elems = page.elems
    found: set[int] = set()
    last = container.index
    while elems[last].children:
        last = elems[last].children[-1]
    for index in range(container.index, last + 1):
        elem = elems[index]
        if index in protected or len(elem.children) < _TEASER_MIN_ITEMS:
            continue
        holding = [elems[c] for c in elem.children if elems[c].end > elems[c].first]
        items = sum(1 for child in holding if _teaser_item(page, child))
        if items >= _TEASER_MIN_ITEMS and items * 3 >= len(holding) * 2:
            found.add(index)
    return found


def _ancestors(elems: Sequence[Elem], index: int) -> set[int]:
    chain: set[int] = set()
    while index >= 0:
        chain.add(index)
        index = elems[index].parent
    return chain


def select_blocks(
    page: Page,
    containers: Sequence[int],
    *,
    best: int | None = None,
    strict: bool = True,
    titles: Sequence[str] = (),
) -> list[Block]:
    """The article's blocks inside the chosen elements, furniture dropped; when the page's
    headline (one of ``titles``) heads the story inside them, what comes before it (a ticker
    of other stories, a list of latest posts) is not the story."""
    elems = page.elems
    title_keys = _title_keys(titles)
    headline_at = -1
    protected = _ancestors(elems, best) if best is not None else set()
    kept: list[Block] = []
    kept_at = -1  # the page position of the last block kept
    sections: list[tuple[int, Block]] = []
    seen: set[int] = set()
    for index in containers:
        container = elems[index]
        verdicts: dict[int, bool] = {}
        teasers = teaser_lists(page, container, protected) if strict else set()
        skip_to = -1
        # a heading that is all link (a listed place, a product) is a section's name when the
        # section's own prose follows it (not a teaser's short blurb) and the story is a list
        # of such sections (not one story linked in the middle of another)
        linked_heading: tuple[int, Block] | None = None
        for position in range(container.first, container.end):
            if position in seen or position < skip_to:
                continue
            seen.add(position)
            block = page.blocks[position]
            owner = elems[block.owner]
            inside = verdicts.get(owner.index)
            if inside is None:
                inside = _furniture_inside(elems, owner, container, protected, strict) or (
                    bool(teasers) and _within(elems, owner, container, teasers)
                )
                verdicts[owner.index] = inside
            if inside:
                continue
            if (
                strict
                and (block.tag in HEADING_TAGS or block.length <= _TEASER_LABEL)
                and (teaser_heading(block.text) or verdict_label(block.text))
            ):  # "More from ...", "Next story", a review's "Pros"/"Cons": the box it opens
                skip_to = _teaser_box_end(page, position, owner, container, protected)
                continue
            if strict and block.tag in HEADING_TAGS and comments_heading(block.text):
                # "4 Comments", "Leave a Reply": the comment section it opens, however long
                # the readers ran on (it need not be the smaller part of the container)
                skip_to = _teaser_box_end(
                    page, position, owner, container, protected, any_size=True
                )
                continue
            if strict and block.tag == "tr" and quote_header(block.text):
                skip_to = _table_end(elems, owner, container, protected, position)
                continue
            if (
                headline_at < 0
                and title_keys
                and block.tag in HEADING_TAGS
                and _is_headline(block.text, title_keys)
            ):
                headline_at = len(kept)
            if _keep(block, owner, strict):
                if (
                    linked_heading is not None
                    and block.tag not in HEADING_TAGS
                    and block.length - block.link_len >= _SECTION_PROSE
                ):
                    sections.append(linked_heading)
                kept.append(block)
                kept_at = position
            elif strict and _linked_heading(block):
                linked_heading = (len(kept), block)
                continue
            elif (
                strict
                and kept
                and kept_at == position - 1
                and _lead_in(kept[-1])
                and _in_link_list(elems, owner)
            ):  # "Our writers explore:" over a list of links to other stories
                kept.pop()
                kept_at = -1
            if block.tag not in HEADING_TAGS:
                linked_heading = None
    if len(sections) >= _MIN_SECTIONS:  # a list of places or products, each with its text
        for at, heading in reversed(sections):
            kept.insert(at, heading)
    if headline_at > 0 and sum(b.length for b in kept[headline_at:]) >= _STORY_AFTER_HEADLINE:
        del kept[:headline_at]
    if strict:
        kept = _without_tail(kept)
    return _drop_orphan_headings(kept)


_LEAD_IN = 120  # characters: "What makes a family? Our writers explore:"
_LINK_LIST_DENSITY = 0.8


def _lead_in(block: Block) -> bool:
    """A short line that introduces what follows it ("Read our coverage:")."""
    return block.tag not in HEADING_TAGS and block.length <= _LEAD_IN and block.text.endswith(":")


def _in_link_list(elems: Sequence[Elem], item: Elem) -> bool:
    """Whether ``item`` is an item of a list that is all links (other stories' headlines):
    the line introducing such a list goes with it."""
    if item.tag != "li" or item.parent < 0:
        return False
    listing = elems[item.parent]
    return (
        listing.tag in _LIST_TAGS
        and listing.text_len > 0
        and listing.link_len >= listing.text_len * _LINK_LIST_DENSITY
    )


_HEADLINE_KEY = 20  # letters and digits: a headline, not a one-word section name
_STORY_AFTER_HEADLINE = 400  # characters of story under the headline for the cut to be made


def _key(text: str) -> str:
    return "".join(filter(str.isalnum, text.lower()))


def _title_keys(titles: Sequence[str]) -> set[str]:
    """The page's headline as its metadata gives it, whole and cut at the separators a
    ``<title>`` puts before the site's name ("Headline | Site")."""
    parts: list[str] = []
    for title in titles:
        parts.append(title)
        for separator in SEPARATORS:
            if separator in title:
                parts.extend(title.split(separator))
    return {k for k in map(_key, parts) if len(k) >= _HEADLINE_KEY}


def _is_headline(text: str, title_keys: set[str]) -> bool:
    """A heading that is the page's own headline (not a section heading that begins like it)."""
    return len(text) <= _TEASER_TEXT and _key(text) in title_keys


def _without_tail(kept: list[Block]) -> list[Block]:
    """The story without what follows it: an author's note ("Jane Doe is a reporter for
    ..."), a contributors' credit, a question put to the readers, and a press release's
    boilerplate ("About Norland", "Norland is a global provider of ...", the source and
    citation notes, media contacts)."""
    start = max(1, len(kept) - _TAIL_BLOCKS)
    cut = next((i for i in range(start, len(kept)) if tail_opener(kept[i].text)), len(kept))
    del kept[cut:]
    while len(kept) > 1 and (
        author_note(kept[-1].text)
        or closing_note(kept[-1].text)
        or organisation_note(kept[-1].text)
        or reference_note(kept[-1].text)
    ):
        note = kept.pop().text
        name = kept[-1].text
        if len(kept) > 1 and len(name) <= _NAME_LINE and note.startswith(name + " "):
            kept.pop()  # the author's name over the note, as an author box prints it
    return kept


def _within(elems: Sequence[Elem], owner: Elem, container: Elem, marked: set[int]) -> bool:
    elem: Elem | None = owner
    while elem is not None and elem.index != container.index:
        if elem.index in marked:
            return True
        elem = _parent(elems, elem)
    return False


def _teaser_box_end(
    page: Page,
    position: int,
    heading: Elem,
    container: Elem,
    protected: set[int],
    any_size: bool = False,
) -> int:
    """Where the box a "More from ..." heading opens ends: its wrapper's end when that is a
    box of its own (not the article's element, not most of the container's text unless
    ``any_size``); a wrapper holding nothing but the heading is looked through to the one
    around it. Else only the heading goes."""
    elems = page.elems

    def own_box(elem: Elem) -> bool:
        return (
            elem.index != container.index
            and elem.index not in protected
            and (any_size or elem.text_len * 2 < container.text_len)
        )

    box = _parent(elems, heading) if heading.tag in HEADING_TAGS else heading
    if box is None or not own_box(box):
        return position + 1
    for _ in range(_LABEL_WRAPPERS):
        if box.end - box.first > 1:
            break
        up = _parent(elems, box)
        if up is None or not own_box(up):
            return _list_after(elems, box, up, own_box)
        box = up
    return box.end


def _table_end(
    elems: Sequence[Elem], row: Elem, container: Elem, protected: set[int], position: int
) -> int:
    """Where the table holding ``row`` ends (a quote box's rows go with its header), when
    that table is a box of its own inside ``container``; else only the row goes."""
    elem: Elem | None = row
    while elem is not None and elem.index != container.index:
        if elem.tag == "table":
            return elem.end if elem.index not in protected else position + 1
        elem = _parent(elems, elem)
    return position + 1


def _list_after(
    elems: Sequence[Elem], label: Elem, parent: Elem | None, own_box: Callable[[Elem], bool]
) -> int:
    """Where the list right after a label of its own ("More great stories" over a ``<ul>``)
    ends; just the label's end when no list follows it."""
    if parent is None or label.end - label.first > 1:
        return label.end
    siblings = parent.children
    at = siblings.index(label.index)
    if at + 1 < len(siblings):
        after = elems[siblings[at + 1]]
        if after.tag in _LIST_TAGS and after.first == label.end and own_box(after):
            return after.end
    return label.end


def _drop_orphan_headings(blocks: list[Block]) -> list[Block]:
    """A heading with no text after it (before the next heading of its rank or above) heads
    furniture: drop it. A sub-heading right under it (a place's name, then its address, then
    the text) is part of its section."""
    out: list[Block] = []
    for block in reversed(blocks):
        if block.tag in HEADING_TAGS:
            following = out[-1] if out else None
            if following is None or (
                following.tag in HEADING_TAGS and following.tag[1:] <= block.tag[1:]
            ):
                continue
        out.append(block)
    out.reverse()
    return out
