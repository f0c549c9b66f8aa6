"""The date-line readers give what their plain (slower) definitions give."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newswatch.extract.datelines import _CLASS_MARKS, _ID_MARKS, near_title_nodes

# the definition: one CSS selector per mark, its first 40 listings (lexbor lists a node once
# for every selector it matches), each node once
_QUERY = ",".join(
    [f"[class*={mark}]" for mark in _CLASS_MARKS] + [f"[id*={mark}]" for mark in _ID_MARKS]
)


def _by_css(scope: LexborNode) -> list[int]:
    listed: list[int] = []
    for node in scope.css(_QUERY)[:40]:
        if node.mem_id not in listed:
            listed.append(node.mem_id)
    return listed


def _page() -> str:
    items = [
        '<div class="post-date-time" id="dateline">a</div>',  # many marks: counts many times
        '<span class="x\nupdated\nx">b</span>',  # a newline inside the class
        '<span class="DATE">c</span>',  # case matters
        '<p id="Date-publish-time">d</p>',
        '<p class="" id="">e</p>',
        '<p class="meta" id="byline">f</p>',
        '<p class="plain">g</p>',
        '<svg class="timestamp"><g class="info"></g></svg>',
        '<p class="a\x00date">h</p>',
    ]
    return f'<article class="entry-meta"><h1>T</h1>{"".join(items * 6)}</article>'


def test_near_title_nodes_are_the_css_definitions_first_listings() -> None:
    tree = LexborHTMLParser(_page())
    for scope in [tree.css_first("article"), *tree.css("article *")]:
        assert scope is not None
        assert [node.mem_id for node in near_title_nodes(scope)] == _by_css(scope)


def test_near_title_nodes_of_a_scope_without_classes() -> None:
    tree = LexborHTMLParser("<div><h1>T</h1><p>May 5, 2024</p></div>")
    scope = tree.css_first("div")
    assert scope is not None
    assert near_title_nodes(scope) == []
