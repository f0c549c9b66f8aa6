"""Terminal rendering of diffs: markers, colours, bidi isolates, visual reordering, context."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from newswatch.judge.diff import compare
from newswatch.models import Change, Stamp
from newswatch.render import FSI, PDI, RLI, BidiMode, render_change

ANSI = re.compile(r"\x1b\[[0-9;]*m")

P0 = "قال وزير الدفاع الأميركي آشتون كارتر في مؤتمر صحافي الأربعاء"
P1 = "وأضاف آشتون على هامش الاجتماع الثاني للتحالف الدولي لمحاربة داعش"
P2 = "وبين كارتر أن القوات الكردية تقوم بتطويق الموصل من الشمال"
P3 = "وأشار إلى أن العراقيين بكل مكوناتهم الاجتماعية يحتاجون لحياة أفضل"
P4 = "وأوضح كارتر أن عمل التحالف الدولي يتركز على دعم القوات المحلية"
TITLE = "كارتر: شركاؤنا لديهم ما يحتاجون لهزيمة داعش"


@dataclass(frozen=True)
class Snap:
    title: str
    paragraphs: list[str]
    updated: datetime | None = None
    stamps: list[Stamp] = field(default_factory=list)


def change(old: Snap, new: Snap) -> Change:
    result = compare(old, new)
    assert result is not None
    return result


@pytest.fixture
def one_word() -> Change:
    """The fixture's silent edit: آشتون -> كارتر in the second paragraph."""
    body = [P0, P1, P2, P3, P4]
    edited = [P0, P1.replace("آشتون", "كارتر"), P2, P3, P4]
    return change(Snap(TITLE, body), Snap(TITLE, edited))


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWATCH_BIDI", raising=False)


def line_with(text: str, needle: str) -> str:
    (line,) = [line for line in text.splitlines() if needle in line]
    return line


def test_rtl_paragraph_is_isolated_with_markers_inside(one_word: Change) -> None:
    out = render_change(one_word, color=False, bidi="logical")
    line = line_with(out, "[-آشتون-]")
    assert line.startswith(f"~ {RLI}")
    assert line.endswith(PDI)
    assert "[-آشتون-] {+كارتر+}" in line
    assert line.index(RLI) < line.index("[-") < line.index("+}") < line.index(PDI)
    assert not ANSI.search(out)


def test_ltr_paragraph_is_not_isolated_and_mixed_uses_fsi() -> None:
    old = Snap("T", ["The talks resume in Geneva.", "Talks in Geneva, قرب واشنطن."])
    new = Snap("T", ["The talks resume in Vienna.", "Talks in Vienna, قرب واشنطن."])
    out = render_change(change(old, new), color=False, bidi="logical")
    plain = line_with(out, "The talks")
    assert RLI not in plain and FSI not in plain
    assert plain == "~ The talks resume in [-Geneva.-] {+Vienna.+}"
    mixed = line_with(out, "قرب")
    assert mixed.startswith(f"~ {FSI}") and mixed.endswith(PDI)


def test_colour_uses_ansi_not_markers(one_word: Change) -> None:
    out = render_change(one_word, color=True, bidi="logical")
    assert "\x1b[31;9mآشتون\x1b[0m" in out
    assert "\x1b[32mكارتر\x1b[0m" in out
    assert "[-" not in out and "{+" not in out


def test_headline_and_stamp() -> None:
    stamp = datetime(2016, 7, 20, 18, 17, tzinfo=UTC)
    old = Snap("وزراء دفاع التحالف يجتمعون", [P1], updated=datetime(2016, 7, 20, tzinfo=UTC))
    new = Snap(TITLE, [P0, P1], updated=stamp)
    out = render_change(change(old, new), color=False, bidi="logical")
    lines = out.splitlines()
    assert lines[0].startswith("major: title rewritten")
    assert f"- {RLI}وزراء دفاع التحالف يجتمعون{PDI}" in lines
    assert f"+ {RLI}{TITLE}{PDI}" in lines
    assert "stamp: updated 2016-07-20 18:17 UTC" in lines
    assert f"+ {RLI}{P0}{PDI}" in lines
    assert f"  {RLI}{P1}{PDI}" in lines


def test_silent_edit_says_so(one_word: Change) -> None:
    out = render_change(one_word, color=False, bidi="logical")
    assert "stamp: none moved (silent edit)" in out.splitlines()


def test_context_elision(one_word: Change) -> None:
    out = render_change(one_word, color=False, bidi="logical", context=1)
    assert P0 in out and P2 in out
    assert P3 not in out and P4 not in out
    assert out.splitlines()[-1] == "  … 2 unchanged paragraph(s)"

    none = render_change(one_word, color=False, bidi="logical", context=0)
    assert P0 not in none and P2 not in none
    assert [line for line in none.splitlines() if "…" in line] == [
        "  … 1 unchanged paragraph(s)",
        "  … 3 unchanged paragraph(s)",
    ]

    wide = render_change(one_word, color=False, bidi="logical", context=5)
    assert "…" not in wide and P4 in wide


def strip_line(line: str) -> str:
    return ANSI.sub("", line)[2:].strip().strip(RLI + FSI + PDI)


def test_visual_reverses_arabic_per_line() -> None:
    new = Snap("T", [P0 + " " + P2])
    old = Snap("T", [])
    width = 40
    logical = render_change(change(old, new), color=False, bidi="logical", width=width)
    visual = render_change(change(old, new), color=False, bidi="visual", width=width)
    body_l = [strip_line(x) for x in logical.splitlines()[2:]]
    body_v = [strip_line(x) for x in visual.splitlines()[2:]]
    assert len(body_l) > 1  # wrapped before reordering
    assert body_v == [line[::-1] for line in body_l]
    assert RLI not in visual and PDI not in visual
    for line in visual.splitlines()[2:]:
        assert len(line) == width  # right-aligned to the width


def test_visual_keeps_markers_around_their_word(one_word: Change) -> None:
    out = render_change(one_word, color=False, bidi="visual", width=200)
    line = line_with(out, "[-")
    # read right to left: وأضاف [-آشتون-] {+كارتر+} ...; displayed left to right, reversed
    assert "{+رتراك+} [-نوتشآ-] فاضأو" in line


def test_visual_colour_follows_the_reordered_word(one_word: Change) -> None:
    out = render_change(one_word, color=True, bidi="visual", width=200)
    assert "\x1b[32mرتراك\x1b[0m \x1b[31;9mنوتشآ\x1b[0m" in out


def test_auto_follows_environment(one_word: Change, monkeypatch: pytest.MonkeyPatch) -> None:
    logical = render_change(one_word, color=False, bidi="logical", width=60)
    visual = render_change(one_word, color=False, bidi="visual", width=60)
    assert render_change(one_word, color=False, width=60) == logical
    monkeypatch.setenv("NEWSWATCH_BIDI", "visual")
    assert render_change(one_word, color=False, width=60) == visual


def test_wrapping_respects_width(one_word: Change) -> None:
    modes: tuple[BidiMode, ...] = ("logical", "visual")
    for mode in modes:
        out = render_change(one_word, color=False, bidi=mode, context=5, width=30)
        lines = [re.sub(f"[{RLI}{FSI}{PDI}]", "", x) for x in out.splitlines()[2:]]
        assert len(lines) > 10
        for line in lines:
            assert len(line) <= 30
