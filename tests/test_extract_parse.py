"""Pages given as bytes read as the same article as their decoded text, whichever way the
parser is fed (plain UTF-8 goes to it as it is; anything else is decoded first)."""

from __future__ import annotations

import codecs

import pytest

from newswatch.charset import decode_html, is_plain_utf8, plain_utf8
from newswatch.extract import extract
from newswatch.extract.extractor import parse

URL = "https://news.example/story"
STORY = (
    "<html><head>{meta}<title>Café council – vote</title></head><body><article>"
    "<h1>Café council – vote</h1><p>Die Stadtverwaltung hat am Dienstag über die Zukunft "
    "des Cafés am Marktplatz entschieden – «ein großer Tag», sagte die Bürgermeisterin.</p>"
    "<p>Друга абзац: решение принято большинством голосов.</p></article></body></html>"
)


@pytest.mark.parametrize(
    "raw",
    [
        STORY.format(meta='<meta charset="utf-8">').encode(),
        STORY.format(meta="").encode(),
        codecs.BOM_UTF8 + STORY.format(meta="").encode(),
        STORY.format(meta='<meta charset="utf-8">').encode() + b"<p>stray \xff byte</p>",
        STORY.format(meta='<meta charset="windows-1252">').encode(),
        STORY.format(meta="").encode("utf-16"),  # with its byte order mark
    ],
    ids=["declared", "undeclared", "bom", "bad-byte", "mislabelled", "utf-16"],
)
def test_bytes_read_as_their_decoded_text(raw: bytes) -> None:
    text = decode_html(raw)[0]
    assert parse(raw).html == parse(text).html
    from_bytes, from_text = extract(raw, URL), extract(text, URL)
    assert from_bytes == from_text


@pytest.mark.parametrize("meta", ['<meta charset="utf-8">', ""], ids=["declared", "undeclared"])
def test_plain_utf8_bytes_given_beside_their_text_read_as_the_text(meta: str) -> None:
    """A fetch hands its decoded text and, for a plain UTF-8 page, the bytes the parser
    takes instead of the text: the same tree and the same article either way."""
    raw = STORY.format(meta=meta).encode()
    text = decode_html(raw)[0]
    assert is_plain_utf8(raw, text) and plain_utf8(raw) == text
    assert parse(text, raw).html == parse(text).html
    assert extract(text, URL, raw=raw) == extract(text, URL)
