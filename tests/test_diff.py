"""The pure diff: the alhurra-1817 sequence from expected.json, then a table of small cases."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newswatch.judge.diff import align_paragraphs, compare, diff_words
from newswatch.models import Article, Change, Stamp, WordOp, parse_iso

ALHURRA = Path(__file__).parent / "fixtures" / "alhurra-1817"
EXPECTED: dict[str, Any] = json.loads((ALHURRA / "expected.json").read_text(encoding="utf-8"))


def snapshot(name: str) -> Article:
    """A page as expected.json says it extracts (the extractor is tested elsewhere)."""
    page = EXPECTED["pages"][name]
    stamps = [
        Stamp(kind=s["kind"], text=s["text"], at=parse_iso(s["at"]), source="text")
        for s in page.get("text_stamps", [])
    ]
    return Article(
        url=EXPECTED["url"],
        title=page["title"],
        paragraphs=list(page["paragraphs"]),
        published=parse_iso(page["published"]),
        updated=parse_iso(page["updated"]),
        stamps=stamps,
    )


@pytest.mark.parametrize("step", EXPECTED["sequence"], ids=lambda s: f"{s['from']}->{s['to']}")
def test_fixture_sequence(step: dict[str, Any]) -> None:
    change = compare(snapshot(step["from"]), snapshot(step["to"]))
    want = step["change"]
    if want is None:
        assert change is None
        return
    assert change is not None
    record = change.record()
    for key, value in want.items():
        assert record[key] == value, key


def test_fixture_update_details() -> None:
    change = compare(snapshot("v1-noise.html"), snapshot("v2.html"))
    assert change is not None
    assert change.severity == "major"
    assert not change.silent
    assert change.new_updated_stamp == datetime(2016, 7, 20, 18, 17, tzinfo=UTC)
    assert [op.new_index for op in change.ops if op.op == "added"] == list(range(7))
    assert [op.op for op in change.ops].count("equal") == 9


def test_fixture_silent_edit_details() -> None:
    change = compare(snapshot("v2.html"), snapshot("v3.html"))
    assert change is not None
    assert change.severity == "minor"
    (modified,) = [op for op in change.ops if op.op == "modified"]
    assert (modified.old_index, modified.new_index) == (1, 1)
    assert WordOp("removed", "آشتون") in modified.words
    assert WordOp("added", "كارتر") in modified.words
    assert modified.words[0] == WordOp("equal", "وأضاف")


def test_fixture_v2_variants_are_the_same_version() -> None:
    assert compare(snapshot("v2.html"), snapshot("v2-cp1256.html")) is None
    assert compare(snapshot("v2.html"), snapshot("v2-nometa.html")) is None


# --------------------------------------------------------------------------- small cases

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
T1 = datetime(2024, 3, 1, 11, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Snap:
    """A minimal Snapshot: proves the Protocol needs nothing beyond the four fields."""

    title: str
    paragraphs: list[str]
    updated: datetime | None = None
    stamps: list[Stamp] = field(default_factory=list)


A = "The minister said on Wednesday that the talks would resume next week in Geneva."
B = "Officials from both sides confirmed the date but gave no further details."
C = "The previous round ended without agreement in February."
D = "Protesters gathered outside the venue on Thursday morning."
AR = "قال وزير الدفاع الأميركي آشتون كارتر في مؤتمر صحافي الأربعاء"
AR_MARKED = "قَالَ وزيـــر الدفاع الأميركيّ آشتون كارتر في مؤتمر صحافي الأربعاء"


@dataclass(frozen=True)
class Case:
    id: str
    old: Snap
    new: Snap
    want: dict[str, Any] | None


CASES = [
    Case("identical", Snap("T", [A, B]), Snap("T", [A, B]), None),
    Case(
        "whitespace-noise",
        Snap("The  title", [A, B]),
        Snap(" The title\u200b", ["  " + A.replace(" ", "\u00a0 ", 2), B + "\n", "   "]),
        None,
    ),
    Case("tatweel-diacritics", Snap(AR, [AR]), Snap(AR_MARKED, [AR_MARKED]), None),
    Case(
        "stamp-only-move",
        Snap("T", [A], updated=T0),
        Snap("T", [A], updated=T1),
        None,
    ),
    Case(
        "one-word",
        Snap("T", [A, B]),
        Snap("T", [A.replace("Geneva", "Vienna"), B]),
        {
            "paragraphs_modified": 1,
            "paragraphs_added": 0,
            "words": {"added": ["Vienna."], "removed": ["Geneva."]},
            "silent": True,
            "severity": "minor",
            "where": None,
        },
    ),
    Case(
        "removed-at-bottom",
        Snap("T", [A, B, C]),
        Snap("T", [A, B]),
        {"paragraphs_removed": 1, "paragraphs_added": 0, "severity": "major", "where": None},
    ),
    Case(
        "added-in-middle",
        Snap("T", [A, B, C]),
        Snap("T", [A, D, B, C]),
        {"paragraphs_added": 1, "where": "middle", "severity": "major"},
    ),
    Case(
        "added-at-bottom",
        Snap("T", [A, B]),
        Snap("T", [A, B, C, D]),
        {"paragraphs_added": 2, "where": "bottom"},
    ),
    Case(
        "added-throughout",
        Snap("T", [A, B]),
        Snap("T", [C, A, B, D]),
        {"paragraphs_added": 2, "where": "throughout"},
    ),
    Case(
        "title-only",
        Snap("Talks to resume", [A, B]),
        Snap("Talks to resume in Geneva", [A, B]),
        {
            "title_changed": True,
            "paragraphs_added": 0,
            "paragraphs_removed": 0,
            "paragraphs_modified": 0,
            "severity": "major",
            "silent": True,
        },
    ),
    Case(
        "reordered",
        Snap("T", [A, B, C]),
        Snap("T", [B, A, C]),
        {
            "paragraphs_added": 0,
            "paragraphs_removed": 0,
            "paragraphs_modified": 0,
            "paragraphs_moved": 1,
            "moves": [{"from": 2, "to": 1}],
            "severity": "minor",
            "where": None,
        },
    ),
    Case(
        "moved-to-the-top-and-edited",
        Snap("T", [A, B, C, D]),
        Snap("T", [D.replace("Thursday", "Friday"), A, B, C]),
        {
            "paragraphs_added": 0,
            "paragraphs_removed": 0,
            "paragraphs_moved": 1,
            "moves": [{"from": 4, "to": 1}],
            "words": {"added": ["Friday"], "removed": ["Thursday"]},
            "severity": "minor",
        },
    ),
    Case(
        "moved-and-a-new-paragraph",
        Snap("T", [A, B, C]),
        Snap("T", [C, A, D, B]),
        {
            "paragraphs_added": 1,
            "paragraphs_removed": 0,
            "paragraphs_moved": 1,
            "moves": [{"from": 3, "to": 1}],
            "where": "middle",
            "severity": "major",
        },
    ),
    Case(
        "empty-old",
        Snap("T", []),
        Snap("T", [A, B]),
        {"paragraphs_added": 2, "where": "throughout", "severity": "major"},
    ),
    Case(
        "small-edit-is-minor",
        Snap("T", [A]),
        Snap("T", [A.replace("Wednesday", "Tuesday").replace("next week", "next month")]),
        {"paragraphs_modified": 1, "severity": "minor"},
    ),
    Case(
        "rewritten-paragraph-is-major",
        Snap("T", [A]),
        Snap(
            "T",
            [
                "The minister said on Thursday that the talks would never resume,"
                " not next month and not in Vienna."
            ],
        ),
        {"paragraphs_modified": 1, "severity": "major"},
    ),
    Case(
        "unrelated-replacement-is-add-and-remove",
        Snap("T", [A, B]),
        Snap("T", [A, D]),
        {"paragraphs_added": 1, "paragraphs_removed": 1, "paragraphs_modified": 0},
    ),
    Case(
        "updated-moved-with-text",
        Snap("T", [A], updated=T0),
        Snap("T", [A, B], updated=T1),
        {"new_updated_stamp": T1.isoformat(), "silent": False},
    ),
    Case(
        "new-text-stamp-counts-as-moved",
        Snap("T", [A], stamps=[Stamp("updated", "Updated 9:00", T0, "text")]),
        Snap(
            "T",
            [A, "Correction: an earlier version misnamed the city."],
            stamps=[
                Stamp("updated", "Updated 9:00", T0, "text"),
                Stamp("correction", "Correction 11:30", T1, "text"),
            ],
        ),
        {"new_updated_stamp": T1.isoformat(), "silent": False},
    ),
    Case(
        "same-text-stamp-is-not-moved",
        Snap("T", [A], stamps=[Stamp("updated", "Updated 9:00", T0, "text")]),
        Snap("T", [A, B], stamps=[Stamp("updated", "Updated 9:00", T0, "text")]),
        {"new_updated_stamp": None, "silent": True},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cases(case: Case) -> None:
    change = compare(case.old, case.new)
    if case.want is None:
        assert change is None
        return
    assert isinstance(change, Change)
    record = change.record()
    for key, value in case.want.items():
        assert record[key] == value, key


# --------------------------------------------------------------------------- building blocks


def test_diff_words_reports_original_tokens_as_runs() -> None:
    ops = diff_words("the talks resume in Geneva today", "the talks will resume in “Vienna” today")
    assert ops == [
        WordOp("equal", "the talks"),
        WordOp("added", "will"),
        WordOp("equal", "resume in"),
        WordOp("removed", "Geneva"),
        WordOp("added", "“Vienna”"),
        WordOp("equal", "today"),
    ]


def test_diff_words_ignores_noise_inside_words() -> None:
    assert diff_words("كارتر  قال", "كارتـــر \u200b قَال") == [WordOp("equal", "كارتـــر قَال")]


def test_align_paragraphs_keeps_equal_ops_and_indices() -> None:
    ops = align_paragraphs([A, B, C], [A, B.replace("date", "day"), D, C])
    assert [(op.op, op.old_index, op.new_index) for op in ops] == [
        ("equal", 0, 0),
        ("modified", 1, 1),
        ("added", None, 2),
        ("equal", 2, 3),
    ]
    assert ops[1].words[1:3] == [WordOp("removed", "date"), WordOp("added", "day")]


def test_align_paragraphs_pairs_in_order_inside_a_replace_block() -> None:
    old = [A, B]
    new = [D, A.replace("Wednesday", "Tuesday"), B.replace("both", "all")]
    ops = align_paragraphs(old, new)
    assert [(op.op, op.old_index, op.new_index) for op in ops] == [
        ("added", None, 0),
        ("modified", 0, 1),
        ("modified", 1, 2),
    ]


def test_align_paragraphs_skips_blank_paragraphs_but_keeps_indices() -> None:
    ops = align_paragraphs([A, " ", B], [A, B, C])
    assert [(op.op, op.old_index, op.new_index) for op in ops] == [
        ("equal", 0, 0),
        ("equal", 2, 1),
        ("added", None, 2),
    ]


def test_an_appended_correction_notice_is_not_a_silent_edit() -> None:
    from newswatch.models import Article, Stamp

    text = "Le conseil a voté douze kilomètres de pistes cyclables."
    notice = "Correction : une version précédente indiquait vingt kilomètres."
    old = Article(url="u", title="Plan vélo", paragraphs=[text])
    new = Article(
        url="u",
        title="Plan vélo",
        paragraphs=[text, notice],
        stamps=[Stamp("correction", notice, None, "text")],
    )
    change = compare(old, new)
    assert change is not None
    assert change.correction == notice
    assert change.silent is False and change.new_updated_stamp is None
    assert "correction: \u201c" in change.summary()
    assert change.record()["correction"] == notice


# --------------------------------------------------------------------------- moves, budget


def test_a_moved_paragraph_is_one_move_in_summary_and_diff() -> None:
    change = compare(Snap("T", [A, B, C, D]), Snap("T", [C, A, B, D]))
    assert change is not None
    assert change.summary() == "1 paragraph(s) moved (3\u21921); silent edit"
    (moved,) = [op for op in change.ops if op.op != "equal"]
    assert (moved.op, moved.old_index, moved.new_index, moved.words) == ("moved", 2, 0, [])
    assert change.diff_dict()["paragraphs"] == [moved.as_dict()]


def _covers_both_sides(old: list[str], new: list[str], budget_cells: int) -> Change:
    change = compare(Snap("T", old), Snap("T", new), budget_cells=budget_cells)
    assert change is not None
    olds = sorted(op.old_index for op in change.ops if op.old_index is not None)
    news = sorted(op.new_index for op in change.ops if op.new_index is not None)
    assert olds == list(range(len(old))) and news == list(range(len(new)))
    for op in change.ops:
        if op.op == "equal":
            assert old[op.old_index or 0] == new[op.new_index or 0]
    return change


@pytest.mark.parametrize("budget_cells", [3_000_000, 2_000, 50])
def test_every_paragraph_is_accounted_for_whatever_the_budget(budget_cells: int) -> None:
    rng = random.Random(7)
    pool = [A, B, C, D, A + " Again.", B + " Also."]
    for _ in range(40):
        old = [rng.choice(pool) for _ in range(rng.randint(0, 30))]
        new = list(old)
        for _ in range(rng.randint(1, 6)):
            roll = rng.random()
            if roll < 0.3 and new:
                new.pop(rng.randrange(len(new)))
            elif roll < 0.6:
                new.insert(rng.randint(0, len(new)), rng.choice(pool) + " New.")
            elif new:
                k = rng.randrange(len(new))
                new.insert(rng.randint(0, len(new) - 1), new.pop(k))
        if old != new:
            _covers_both_sides(old, new, budget_cells)


def test_past_the_budget_the_diff_is_coarse_and_says_so() -> None:
    old = [f"{A} {i}" for i in range(60)]
    new = [f"{B} {i}" for i in range(60)]
    change = _covers_both_sides(old, new, 100)
    assert change.coarse and change.record()["coarse"] is True
    assert "coarse diff" in change.summary()
    assert _covers_both_sides(old, new, 3_000_000).coarse is False


def test_pathological_pairs_finish_within_the_budget() -> None:
    """Issue 16's figures: 20k identical paragraphs (40 s before), one edited 40 KB
    paragraph of one repeated word (1 min 52 s before). Generous bounds, a loaded machine."""
    cases = [
        ([A] * 20_000, [A] * 10_000 + [A + " Edited."] + [A] * 9_999),
        ([A] * 20_000, [D] + [A] * 19_990 + [C]),
        (["word " * 8_000], ["x " + "word " * 4_000 + "other " + "word " * 3_998 + " y"]),
        (["a b " * 5_000], ["b a " * 5_000]),
    ]
    for old, new in cases:
        started = time.monotonic()
        change = compare(Snap("T", old), Snap("T", new))
        assert change is not None
        assert time.monotonic() - started < 30
    words = compare(Snap("T", cases[2][0]), Snap("T", cases[2][1]))
    assert words is not None and not words.coarse
    assert sorted(words.words_added) == ["other", "x", "y"]
