"""The date patterns written for speed match as their plain forms do, on many strings."""

from __future__ import annotations

import random
import re

import pytest

from newswatch.extract import dates, textstamps
from newswatch.extract.dates import MONTHS, fold

# (pattern, its fast form of the opening test, the plain form it stands for)
_REWRITES = [
    (dates._DAY_MONTH_YEAR, r"(?P<d>\d(?<![\w]\d)\d?)", r"(?<![\w])(?P<d>\d{1,2})"),
    (dates._YMD, r"(?P<y>\d(?<![\d.]\d)\d{3})", r"(?<![\d.])(?P<y>\d{4})"),
    (dates._DMY, r"(?P<a>\d(?<![\d.:]\d)\d?)", r"(?<![\d.:])(?P<a>\d{1,2})"),
    (dates._CLOCK, r"(?P<h>\d(?<![\d.:/]\d)\d?)", r"(?<![\d.:/])(?P<h>\d{1,2})"),
    (dates._JALALI, r"(?P<d>\d(?<![\w]\d)\d?)", r"(?<![\w])(?P<d>\d{1,2})"),
    (textstamps._TIME_RANGE, r"\d(?<![\d.:]\d)\d?", r"(?<![\d.:])\d{1,2}"),
]

_PIECES = [
    *"0123456789", "12", "2019", "2024", "1402", "1990", "31", ":", ".", "/", "-", " ", "  ",
    ",", "h", "x", "a", "_", "é", "\n", "am", "p.m.", "uhr", "gmt", "+03:00", "de ", "of ",
    "th", "st", "(", "|", "bis", "to", "à", "٣", "١٢", "۱۴۰۲", "تیر", "تموز", "/يوليو",
    "10:00-11:30", "9.30 - 11.00 h", *list(MONTHS)[::4],
]  # fmt: skip


def _strings() -> list[str]:
    rnd = random.Random(20261202)
    made = ["".join(rnd.choice(_PIECES) for _ in range(rnd.randint(1, 12))) for _ in range(6000)]
    lines = [
        "Published 14 March 2024 18:17 GMT",
        "July 20, 2016 6:17 p.m. EDT",
        "20.07.2016, 18:17 Uhr",
        "۲۰ ژوئیه ۲۰۱۶ ۳۰ تیر ۱۳۹۵",
        "19.1.23, 10:00-11:30 Uhr",
        "a1 2024-03-14x 3/4/24 12:30:15 09:00-17:00",
    ]
    return made + [fold(line) for line in lines]


@pytest.mark.parametrize(("pattern", "fast", "plain"), _REWRITES)
def test_fast_forms_match_as_the_plain_forms(
    pattern: re.Pattern[str], fast: str, plain: str
) -> None:
    assert pattern.pattern.count(fast) == 1
    reference = re.compile(pattern.pattern.replace(fast, plain))
    for text in _strings():
        assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == [
            (m.span(), m.groups()) for m in reference.finditer(text)
        ], text


def test_keyword_start_matches_as_the_plain_alternation() -> None:
    plain = re.compile(r"(?<![\w])(?:" + "|".join(textstamps.KEYWORD_STARTS) + ")")
    texts = [
        *_strings(),
        fold("Zuletzt aktualisiert: 14.03.2024 | Publié le 20 juillet, mis à jour"),
        fold("تم التحديث ١٨:١٧ · обновлено 5 минут назад · son güncelleme, ultima actualización"),
        "xupdated _st 5th co-correction\nre",
    ]
    for text in texts:
        assert [m.span() for m in textstamps._KEYWORD_START.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ], text


def _other_letters_plainly(folded: str, spans: list[tuple[int, int]]) -> int:
    """The definition: blank the spans, cut the filler words, count the letters left."""
    chars = list(folded)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    words = "|".join(sorted(textstamps._FILLER, key=len, reverse=True))
    rest = re.sub(rf"(?<![\w])(?:{words})(?![\w])", " ", "".join(chars))
    return sum(1 for ch in rest if ch.isalpha())


def test_other_letters_counts_as_its_definition() -> None:
    rnd = random.Random(7)
    texts = [
        *_strings()[:3000],
        fold("Mardi 14 mars 2024 à 18h17, mis à jour le mercredi"),
        fold("الأربعاء ٢٠ تموز ٢٠١٦ الساعة ١٨:١٧ بتوقيت غرينتش"),
        fold("سه‌شنبه ۳۰ تیر ۱۳۹۵"),
        "by jane doe on monday ² ½ x_y the onthe",
    ]
    for text in texts:
        spans = []
        for _ in range(rnd.randint(0, 3)):
            start = rnd.randint(0, len(text) + 1)
            spans.append((start, rnd.randint(max(0, start - 1), len(text) + 2)))
        assert textstamps._other_letters(text, spans) == _other_letters_plainly(text, spans)


def test_age_and_no_digit_tests_answer_as_the_plain_patterns() -> None:
    correction = textstamps._CORRECTION_OPENING_LINE.pattern
    no_digit = re.compile(
        "|".join((textstamps._RELATIVE.pattern, textstamps._JUST_NOW.pattern, correction))
    )
    texts = [
        *_strings(),
        "vor 5 minuten",
        "hace una hora",
        "il y a 3 jours",
        "منذ ساعتين",
        "an hour ago",
        "2 дня назад",
        "5 dakika önce",
        "just now",
        "à l'instant",
        "gerade eben",
        "الآن",
        "correction: an earlier version",
        " (clarification) the story",
        "ha hecho",
        "ago",
        "the vorhang fell a day later",
    ]
    for text in texts:
        folded = fold(text)
        age = bool(textstamps._RELATIVE.search(folded) or textstamps._JUST_NOW.search(folded))
        assert textstamps._has_age(folded) == age, text
        assert textstamps._no_digit_stamp(folded) == bool(no_digit.search(folded)), text
