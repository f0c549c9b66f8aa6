"""The walk's text blocks: word separation, link lengths and summed lengths.

The walk lets the parser skip white-space-only text nodes and puts a space back only where
one separated words; these pages put such nodes everywhere a space can matter.
"""

from __future__ import annotations

import pytest

from newswatch.extract.dom import Page, walk_page
from newswatch.extract.extractor import parse


def walk(body: str) -> Page:
    return walk_page(parse(f"<html><body>{body}</body></html>"))


def texts(body: str) -> list[str]:
    return [block.text for block in walk(body).blocks]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<p>foo<b>bar</b> <i>baz</i>qux</p>", ["foobar bazqux"]),
        ("<p>foo <b>bar</b><i>baz</i></p>", ["foo barbaz"]),
        ("<p>foo<!--c--> <b>bar</b></p>", ["foo bar"]),
        ("<p>foo <!--c--><b>bar</b></p>", ["foo bar"]),
        ("<p>foo<!--c--><b>bar</b></p>", ["foobar"]),
        ("<p>foo<script>x()</script> bar</p>", ["foo bar"]),
        ("<p>foo\n<img src=x>bar</p>", ["foo bar"]),
        ("<p><span>foo<b>x</b> </span>bar</p>", ["foox bar"]),
        ("<p><span>foo<b>x</b></span>bar</p>", ["fooxbar"]),
        ("<p><span><span><span>deep</span>\t</span></span>word</p>", ["deep word"]),
        ("<p>a<b> </b><b> </b>c</p>", ["a c"]),
        ("<p>a<b></b>\r\n<b></b>c</p>", ["a c"]),
        ("<p>foo&nbsp;<b>bar</b>&#12;<i>baz</i></p>", ["foo bar baz"]),
        ("<div>foo <div hidden>x</div>bar</div>", ["foo bar"]),
        ("<div>foo<div hidden>x</div> bar</div>", ["foo bar"]),
        ("<div>foo<div hidden>x</div>bar</div>", ["foobar"]),
        ("<div>foo<span class='sr-only'>x</span> <span>bar</span></div>", ["foo bar"]),
        ("<div>lead <p>para</p> trail <em>x</em> <b>y</b></div>", ["lead", "para", "trail x y"]),
        ("<p>foo<br> <br>bar<br> baz</p>", ["foo", "bar baz"]),
        (
            "<ul>\n  <li>one <a href=x>two</a></li>\n  <li><a>three</a>\nfour</li>\n</ul>",
            [
                "one two",
                "three four",
            ],
        ),
    ],
)
def test_white_space_between_tags_separates_words_only_where_it_stands(
    body: str, expected: list[str]
) -> None:
    assert texts(body) == expected


def test_link_text_is_counted_without_the_white_space_around_it() -> None:
    (block,) = walk("<p>Read <a href=x> the\n<b>report</b> </a> here.</p>").blocks
    assert block.text == "Read the report here."
    assert block.link_len == len("the") + len("report")


def test_lengths_are_summed_up_the_tree_and_a_data_row_reads_as_one_line() -> None:
    page = walk(
        "<div><p>First line.</p> <table><tr><td>a</td> <td><a href=x>b</a></td></tr></table></div>"
    )
    assert [b.text for b in page.blocks] == ["First line.", "a b"]
    by_tag = {elem.tag: elem for elem in page.elems}
    assert by_tag["body"].text_len == by_tag["div"].text_len == len("First line.") + 3
    assert by_tag["table"].text_len == by_tag["tr"].text_len == 3
    assert by_tag["tr"].link_len == by_tag["table"].link_len == by_tag["div"].link_len == 1
    assert by_tag["td"].text_len == by_tag["td"].link_len == 0
    assert by_tag["body"].link_len == 1
