"""Visible stamp lines and human dates, one table row per form the sites write."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from newswatch.extract import textstamps
from newswatch.extract.dates import (
    MONTHS,
    find_datetime,
    literal_alternation,
    parse_machine,
    zone_named,
)
from newswatch.extract.textstamps import parse_stamp_line, stamps_in_lines

PUBLISHED = datetime(2016, 7, 20, 13, 4, tzinfo=UTC)
FETCHED = datetime(2016, 7, 20, 19, 0, tzinfo=UTC)


def utc(hour: int, minute: int = 0, day: int = 20, month: int = 7) -> datetime:
    return datetime(2016, month, day, hour, minute, tzinfo=UTC)


STAMP_LINES = [
    # (line, kind, instant in UTC)
    ("تحديث 18:17 تغ", "updated", utc(18, 17)),
    ("تحديث ١٨:١٧ ت.غ", "updated", utc(18, 17)),
    ("تحديث ۱۸:۱۷ بتوقيت غرينتش", "updated", utc(18, 17)),
    ("آخر تحديث: 20 يوليو 2016 - 18:17 بتوقيت غرينتش", "updated", utc(18, 17)),
    ("آخر تحديث: 20 تموز/يوليو 2016 - 21:17 بتوقيت مكة المكرمة", "updated", utc(18, 17)),
    ("آخر تحديث 20 شباط 2016 18:17", "updated", utc(18, 17, day=20, month=2)),
    ("Updated 6:17 p.m. GMT", "updated", utc(18, 17)),
    ("Updated 2:17 p.m. EDT", "updated", utc(18, 17)),
    ("UPDATED: July 20, 2016 11:17 AM PDT", "updated", utc(18, 17)),
    ("Last updated on July 20, 2016", "updated", utc(0)),
    ("Updated: 07/20/2016 06:17 PM UTC", "updated", utc(18, 17)),
    ("Mis à jour le 20 juillet 2016 à 18h17", "updated", utc(18, 17)),
    ("Aktualisiert am 20.07.2016, 18:17 Uhr", "updated", utc(18, 17)),
    ("Stand: 20.07.2016 20:17 Uhr MESZ", "updated", utc(18, 17)),
    ("Actualizado el 20 de julio de 2016 a las 20:17 CEST", "updated", utc(18, 17)),
    ("Обновлено 20 июля 2016, 21:17 МСК", "updated", utc(18, 17)),
    ("Güncelleme: 20 Temmuz 2016 18:17", "updated", utc(18, 17)),
    ("Published July 20, 2016 1:04 pm GMT", "published", utc(13, 4)),
    ("نشر في 20 تموز/يوليو 2016", "published", utc(0)),
    ("Publié le 20 juillet 2016 à 13h04", "published", utc(13, 4)),
    ("Veröffentlicht am 20.07.2016", "published", utc(0)),
    ("Опубликовано 20 июля 2016", "published", utc(0)),
    ("Correction, July 20, 2016: An earlier version misstated the date.", "correction", utc(0)),
]


@pytest.mark.parametrize(("line", "kind", "at"), STAMP_LINES)
def test_stamp_lines(line: str, kind: str, at: datetime) -> None:
    stamp = parse_stamp_line(line, article_date=PUBLISHED)
    assert stamp is not None
    assert (stamp.kind, stamp.at, stamp.text) == (kind, at, line)


@pytest.mark.parametrize(
    "line",
    [
        "Correction: An earlier version of this story misstated the minister's name.",
        "تصحيح: ورد خطأ في اسم الوزير في نسخة سابقة من هذا الخبر",
    ],
)
def test_correction_notes_need_no_date(line: str) -> None:
    stamp = parse_stamp_line(line)
    assert stamp is not None and stamp.kind == "correction" and stamp.at is None


@pytest.mark.parametrize(
    "line",
    [
        "He said on July 20, 2016 that the coalition would meet again next week in Washington.",
        "وقال الوزير في 20 يوليو 2016 إن التحالف سيجتمع مرة أخرى الأسبوع المقبل في واشنطن",
        "Die Regierung hat am 20.07.2016 um 18:17 Uhr eine Erklärung veröffentlicht.",
        "Corrections officers said on July 20, 2016 that the prison was closed.",
        "The update will ship in 2016.",
        "تحديث",
        "",
    ],
)
def test_prose_is_not_a_stamp(line: str) -> None:
    assert parse_stamp_line(line, article_date=PUBLISHED) is None


def test_time_only_stamp_takes_the_article_day_in_its_own_zone() -> None:
    late = datetime(2016, 7, 20, 22, 30, tzinfo=UTC)  # 01:30 on the 21st in Riyadh
    stamp = parse_stamp_line("تحديث 02:15", timezone="Asia/Riyadh", article_date=late)
    assert stamp is not None and stamp.at == datetime(2016, 7, 20, 23, 15, tzinfo=UTC)


def test_time_only_update_after_midnight_moves_to_the_next_day() -> None:
    late = datetime(2016, 7, 20, 23, 0, tzinfo=UTC)
    stamp = parse_stamp_line("Updated 00:40 GMT", article_date=late)
    assert stamp is not None and stamp.at == datetime(2016, 7, 21, 0, 40, tzinfo=UTC)


def test_time_only_without_reference_has_no_instant() -> None:
    stamp = parse_stamp_line("تحديث 18:17 تغ")
    assert stamp is not None and stamp.kind == "updated" and stamp.at is None


def test_configured_timezone_reads_stamps_without_zone() -> None:
    stamp = parse_stamp_line("Mis à jour le 20 juillet 2016 à 20h17", timezone="Europe/Paris")
    assert stamp is not None and stamp.at == utc(18, 17)


@pytest.mark.parametrize(
    ("line", "kind", "ago"),
    [
        ("updated 5 minutes ago", "updated", timedelta(minutes=5)),
        ("منذ 5 دقائق", "published", timedelta(minutes=5)),
        ("تحديث منذ ساعتين", "updated", timedelta(hours=2)),
        ("Mis à jour il y a 3 heures", "updated", timedelta(hours=3)),
        ("Aktualisiert vor 10 Minuten", "updated", timedelta(minutes=10)),
        ("Actualizado hace 2 horas", "updated", timedelta(hours=2)),
        ("Обновлено 15 минут назад", "updated", timedelta(minutes=15)),
        ("Güncelleme 20 dakika önce", "updated", timedelta(minutes=20)),
    ],
)
def test_relative_stamps_resolve_against_the_fetch(line: str, kind: str, ago: timedelta) -> None:
    stamp = parse_stamp_line(line, fetched_at=FETCHED)
    assert stamp is not None and (stamp.kind, stamp.at) == (kind, FETCHED - ago)
    undated = parse_stamp_line(line)
    assert undated is not None and undated.at is None


def test_stamps_in_lines_splits_combined_lines_and_skips_prose() -> None:
    lines = [
        "Le ministre a parlé pendant une heure devant la presse réunie à Washington.",
        "Publié le 20 juillet 2016 à 13h04 | Mis à jour le 20 juillet 2016 à 18h17",
        "Published July 20, 2016, updated July 21, 2016",
    ]
    found = [(s.kind, s.at) for s in stamps_in_lines(lines)]
    assert found == [
        ("published", utc(13, 4)),
        ("updated", utc(18, 17)),
        ("published", utc(0)),
        ("updated", utc(0, day=21)),
    ]


@pytest.mark.parametrize(
    ("text", "day", "clock"),
    [
        ("20 يوليو 2016", date(2016, 7, 20), None),
        ("يوليو 20, 2016", date(2016, 7, 20), None),
        ("20 ژوئیه ۲۰۱۶", date(2016, 7, 20), None),
        ("Samstag, 19. Juli 2014", date(2014, 7, 19), None),
        ("July 20th, 2016 at 6:17 pm", date(2016, 7, 20), time(18, 17)),
        ("2016/07/20 18:17", date(2016, 7, 20), time(18, 17)),
        ("20/07/2016", date(2016, 7, 20), None),
        ("3 de mayo de 2022", date(2022, 5, 3), None),
        ("12 octobre 2019 à 9h05", date(2019, 10, 12), time(9, 5)),
        ("no date here 42", None, None),
    ],
)
def test_find_datetime(text: str, day: date | None, clock: time | None) -> None:
    parts = find_datetime(text)
    assert (parts.day, parts.clock) == (day, clock)


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("2016-07-20T13:04:00+00:00", utc(13, 4)),
        ("2016-07-20T13:04:00Z", utc(13, 4)),
        ("2016-07-20T15:04:00.000+0200", utc(13, 4)),
        ("2016-07-20 13:04:00", utc(13, 4)),
        ("2016-07-20", utc(0)),
        ("20160720", utc(0)),
        ("Wed, 20 Jul 2016 13:04:00 GMT", utc(13, 4)),
        ("1469019840", utc(13, 4)),
        ("July 20, 2016", utc(0)),
        ("not a date", None),
        ("1850-01-01", None),
    ],
)
def test_parse_machine(value: str, instant: datetime | None) -> None:
    assert parse_machine(value) == instant


def test_parse_machine_keeps_the_written_offset() -> None:
    value = parse_machine("2020-02-24T22:00:00-05:00")
    assert value is not None and value.date() == date(2020, 2, 24)
    assert value.utcoffset() == timedelta(hours=-5)


def test_zone_named() -> None:
    assert zone_named("GMT") == UTC
    assert zone_named("CEST") == timezone(timedelta(hours=2))
    assert zone_named("Asia/Riyadh") is not None
    assert zone_named("Nowhere/Else") is None


MORE_STAMP_LINES = [
    # zones by abbreviation and 12-hour clocks in several scripts
    ("Updated 19:17 BST", "updated", utc(18, 17)),
    ("Last updated 21:17 MSK", "updated", utc(18, 17)),
    ("Aktualisiert 20:17 CEST", "updated", utc(18, 17)),
    ("آخر تحديث 9:17 مساءً بتوقيت مكة المكرمة", "updated", utc(18, 17)),
    ("تحديث ٦:١٧ م ت.غ", "updated", utc(18, 17)),
    ("Updated 11:17 a.m. PDT, July 20, 2016", "updated", utc(18, 17)),
    # month names and digits of each language
    ("Actualizado: 20 jul 2016 | 18:17 GMT", "updated", utc(18, 17)),
    ("Son güncelleme 20 Temmuz 2016 21:17 TSİ", "updated", utc(18, 17)),
    ("به‌روزرسانی ۲۰ ژوئیه ۲۰۱۶ ساعت ۱۸:۱۷ GMT", "updated", utc(18, 17)),
    ("Yayınlanma tarihi: 20.07.2016 16:04", "published", utc(16, 4)),
    ("Опубликовано: 20 июля 2016 в 16:04", "published", utc(16, 4)),
]


@pytest.mark.parametrize(("line", "kind", "at"), MORE_STAMP_LINES)
def test_more_stamp_lines(line: str, kind: str, at: datetime) -> None:
    stamp = parse_stamp_line(line, article_date=PUBLISHED)
    assert stamp is not None
    assert (stamp.kind, stamp.at) == (kind, at)


def test_time_only_stamp_in_the_configured_zone_takes_the_article_day() -> None:
    stamp = parse_stamp_line("Mis à jour à 20h17", timezone="Europe/Paris", article_date=PUBLISHED)
    assert stamp is not None and stamp.at == utc(18, 17)


def test_relative_stamp_without_digits() -> None:
    stamp = parse_stamp_line("Updated an hour ago", fetched_at=FETCHED)
    assert stamp is not None and stamp.at == FETCHED - timedelta(hours=1)
    assert stamps_in_lines(["تحديث منذ ساعتين"], fetched_at=FETCHED)[0].at == FETCHED - timedelta(
        hours=2
    )


def test_long_paragraphs_are_only_read_for_an_opening_correction() -> None:
    prose = (
        "Updated figures released on July 20, 2016 at 18:17 GMT show that the council spent "
        "more than it planned on the bridge, the roads and the new library, officials said."
    )
    assert len(prose) > 160 and stamps_in_lines([prose]) == []
    note = "Correction: " + prose
    (stamp,) = stamps_in_lines([note])
    assert stamp.kind == "correction" and stamp.text == note


def _starts(items: Any, size: int) -> set[str] | None:
    """Every string of up to ``size`` characters a parsed pattern can begin with (None when
    the pattern holds something other than literals, classes, groups and repeats there)."""
    from re import _constants as c  # type: ignore[attr-defined]  # the parser's opcodes

    found = {""}
    for op, arg in items:
        short = {s for s in found if len(s) < size}
        if not short:
            break
        need = size - min(len(s) for s in short)
        heads: set[str] | None
        if op is c.LITERAL:
            heads = {chr(arg)}
        elif op is c.IN and all(o in (c.LITERAL, c.RANGE) for o, _ in arg):
            heads = set()
            for o, a in arg:
                heads |= {chr(a)} if o is c.LITERAL else {chr(x) for x in range(a[0], a[1] + 1)}
        elif op is c.BRANCH:
            parts = [_starts(branch, need) for branch in arg[1]]
            heads = None if any(p is None for p in parts) else set().union(*parts)  # type: ignore[arg-type]
        elif op is c.SUBPATTERN:
            heads = _starts(arg[3], need)
        elif op is c.MAX_REPEAT:
            low, high, inner = arg
            once = _starts(inner, need)
            if once is None:
                return None
            heads, current = ({""} if low == 0 else set()), {""}
            for count in range(1, min(high, need) + 1):
                current = {(a + b)[:need] for a in current for b in once}
                if count >= low:
                    heads |= current
        else:
            return None
        if heads is None:
            return None
        found = {s for s in found if len(s) >= size} | {
            (s + h)[:size] for s in short for h in heads
        }
    return found


def test_keyword_starts_cover_every_keyword() -> None:
    """The fast scan finds a keyword only where one of KEYWORD_STARTS opens a word: every
    keyword of every language must begin with one of them."""
    from re import _parser  # type: ignore[attr-defined]

    for pattern, _, _ in textstamps._KEYWORDS:
        starts = _starts(_parser.parse(pattern), 2)
        assert starts is not None, pattern
        assert all(len(s) == 2 for s in starts), pattern
        missing = starts - set(textstamps.KEYWORD_STARTS)
        assert not missing, (pattern, missing)


def test_a_trie_alternation_matches_as_the_longest_first_one() -> None:
    """The month names are one trie-shaped alternation (fast); at every position it must
    pick what the plain alternation of the same words, longest first, picks."""
    words = ["mar", "mars", "marzo", "martie", "marca", "mai", "maio", "ma", "may", "mayo"]
    trie = re.compile(rf"(?<![\w])(?:{literal_alternation(words)})(?![\w])\s*(\d+)?")
    plain_alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    plain = re.compile(rf"(?<![\w])(?:{plain_alt})(?![\w])\s*(\d+)?")
    for text in ("mars 3", "marzo", "mart 4", "mayo 2020 may 3", "ma", "maison mai 5", "xmar 2"):
        assert [(m.span(), m.groups()) for m in trie.finditer(text)] == [
            (m.span(), m.groups()) for m in plain.finditer(text)
        ]
    for name, number in MONTHS.items():  # every month name still reads
        assert find_datetime(f"12 {name} 2020").day == date(2020, number, 12)
