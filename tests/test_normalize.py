"""The text folds: ASCII takes a short cut (white space only) that must agree with the full
fold, which is what every other text goes through."""

from __future__ import annotations

import random
import re
import string
import unicodedata

import pytest

from newswatch.normalize import clean_text, comparable, content_hash

INVISIBLE = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def full_clean(text: str) -> str:
    """clean_text as it reads for any text (no short cut)."""
    return " ".join(INVISIBLE.sub("", unicodedata.normalize("NFC", text)).split())


def test_the_ascii_short_cut_agrees_with_the_full_fold() -> None:
    rng = random.Random(7)
    alphabet = string.printable + "\x1c\x1d\x1e\x1f\x00\x7f"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        assert clean_text(text) == full_clean(text)
        # what comparable adds to clean_text folds only non-ASCII characters
        assert comparable(text) == re.sub(r"\s+", " ", full_clean(text)).strip()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hello \t world\n", "Hello world"),
        ("\u201cQuoted\u201d \u2013 dash", '"Quoted" - dash'),
        ("caf\u0065\u0301\u00a0au\u200blait", "caf\u00e9 aulait"),
        ("\u0645\u0640\u0631\u064e\u062d\u0628\u0627", "\u0645\u0631\u062d\u0628\u0627"),
    ],
)
def test_comparable_folds(text: str, expected: str) -> None:
    assert comparable(text) == expected


def test_content_hash_ignores_blank_paragraphs_and_spacing() -> None:
    assert content_hash("T", ["a  b", "", " "]) == content_hash("T ", ["a b"])
    assert content_hash("T", ["a", "b"]) != content_hash("T", ["a b"])
