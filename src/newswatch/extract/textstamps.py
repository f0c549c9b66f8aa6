"""Visible stamp lines ("تحديث 18:17 تغ", "Mis à jour le 20 juillet 2016 à 18h17") read as stamps.

Metadata often lags what readers see: a live story's metadata may still carry the first
publication time while the text says "Updated 18:17 GMT". This module reads such lines in
many languages. It is strict on purpose: a line counts only when it is short and *mostly* a
stamp (keyword, date, clock, zone and filler words), so a paragraph that merely mentions a
date is never taken for a stamp. Pure: the reference instants (the article's own date, the
fetch time) are parameters, never the clock.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from newswatch.extract.dates import (
    DateParts,
    combine,
    find_datetime,
    fold,
    literal_alternation,
    zone_named,
)
from newswatch.extract.fetchtime import FetchTime, When, fetch_time
from newswatch.models import StampKind

MAX_LINE = 160  # characters: longer lines are prose, not stamps
MAX_CORRECTION_LINE = 600
MAX_OTHER_LETTERS = 6  # letters a stamp line may carry besides the stamp itself

_B = r"(?<![\w])"  # word start
_E = r"(?![\w])"  # word end

# (pattern, kind, day-first dates?) -- folded text: lowercase, ASCII digits, no harakat
_KEYWORDS: tuple[tuple[str, StampKind, bool], ...] = (
    (r"(?:last\s+)?(?:updated|modified|update|revised|edited)", "updated", False),
    (
        r"(?:derni[eè]re\s+)?mise?\s+[aà]\s+jour|actualis[ée]e?|modifi[ée]e?"
        r"|(?:derni[eè]re\s+|date\s+de\s+)?modification",
        "updated",
        True,
    ),
    (r"(?:zuletzt\s+)?(?:aktualisiert|ge[äa]ndert)|aktualisierung|stand", "updated", True),
    (
        r"actualizad[oa]|[úu]ltima\s+actualizaci[óo]n|actualizaci[óo]n"
        r"|(?:[úu]ltima\s+|fecha\s+de\s+)?modificaci[óo]n|modificad[oa]",
        "updated",
        True,
    ),
    (r"aggiornat[oa]|ultimo\s+aggiornamento|aggiornamento", "updated", True),
    (r"atualizad[oa]|atualiza[çc][ãa]o", "updated", True),
    (r"(?:laatst\s+)?bijgewerkt", "updated", True),
    (r"обновлено|обновл[её]н[оа]?|обновление|изменено|изм[её]н[её]н[оа]?", "updated", True),
    (r"(?:son\s+)?g[üu]ncelle(?:me|ndi|nme)(?:\s+tarihi)?", "updated", True),
    (r"zaktualizowano|aktualizacja", "updated", True),
    (r"(?:آخر|اخر)\s+تحديث|تم\s+التحديث|تاريخ\s+التحديث|تحديث|محدث", "updated", True),
    (r"(?:آخرین\s+)?(?:به\s*روز\s*رسانی|بروزرسانی|به\s*روز\s*شده)", "updated", True),
    (r"corrections?|corrected|clarification", "correction", False),
    (r"rectificatif|rectification|erratum|korrektur|berichtigung", "correction", True),
    (r"correcci[óo]n|fe\s+de\s+erratas|correzione|corre[çc][ãa]o", "correction", True),
    (r"поправка|исправлено|исправление|d[üu]zeltme", "correction", True),
    (r"تصحيح|تصويب", "correction", True),
    (
        r"this\s+(?:entry|article|post|story)\s+was\s+(?:posted|published|created)(?:\s+on)?"
        r"|(?:first\s+)?published|posted|publication\s+date|press\s+release"
        r"|(?:date\s+)?created",
        "published",
        False,
    ),
    (
        r"publi[ée]e?|mis\s+en\s+ligne|cr[ée][ée]e?(?:\s+le)?"
        r"|date\s+de\s+(?:cr[ée]ation|publication)",
        "published",
        True,
    ),
    (
        r"ver[öo]ffentlicht|erschienen|pressemitteilung|pressemeldung|erstellt"
        r"|(?:dieser\s+(?:artikel|beitrag)\s+)?wurde\s+am",
        "published",
        True,
    ),
    (
        r"publicad[oa]|pubblicat[oa]|gepubliceerd|cread[oa]|creat[oa]|criad[oa]"
        r"|fecha\s+de\s+(?:creaci[óo]n|publicaci[óo]n)",
        "published",
        True,
    ),
    (
        r"опубликовано|опубликован[оа]?|дата\s+публикации|создано|создан[оа]?|дата\s+создания",
        "published",
        True,
    ),
    (
        r"yay[ıi]nlanma(?:\s+tarihi)?|yay[ıi]nland[ıi]|yay[ıi]n\s+tarihi"
        r"|olu[şs]turulma(?:\s+tarihi)?|olu[şs]turuldu",
        "published",
        True,
    ),
    (r"opublikowano|utworzono", "published", True),
    (
        r"تاريخ\s+النشر|تم\s+النشر|تم\s+نشره|نشر|نشره|نشرت|منشور|تاريخ\s+الإنشاء|أنشئت?",
        "published",
        True,
    ),
    (r"تاریخ\s+انتشار|منتشر\s+شده|تاریخ\s+ایجاد|ایجاد\s+شده", "published", True),
)
# the word-start test is hoisted out of the alternation: tested once per position instead of
# once per alternative, the search runs several times faster (same matches)
_KEYWORD = re.compile(
    _B
    + "(?:"
    + "|".join(f"(?P<k{i}>{pattern})" for i, (pattern, _, _) in enumerate(_KEYWORDS))
    + ")"
    + _E
)
# the first two letters (folded) of every keyword above: a keyword can only start where one
# of these opens a word (tests check that they cover every pattern of _KEYWORDS)
KEYWORD_STARTS = (
    "ac", "ag", "ak", "at", "be", "bi", "cl", "co", "cr", "da", "de", "di", "du", "dü", "ed", "er",
    "fe", "fi", "ge", "gu", "gü", "ko", "la", "mi", "mo", "ol", "op", "po", "pr", "pu", "re",
    "so", "st", "th", "ul", "up", "ut", "ve", "wu", "ya", "za", "zu", "úl", "да", "из", "ис",
    "об", "оп", "по", "со", "آخ", "أن", "اخ", "ای", "بر", "به", "تا", "تح", "تص", "تم", "مح",
    "من", "نش",
)  # fmt: skip
# as "(?<![\w])(?:ac|ag|...)": the test of the character before a start follows its first
# letter (a start is letters), so the search skips to those letters instead of trying the
# test at every position
_KEYWORD_START = re.compile(literal_alternation(KEYWORD_STARTS, lead=r"(?<![\w].)"))

# words a stamp line may hold besides the stamp ("on", "at", weekdays); a filler word counts
# only as a whole word (a run of word characters; "سه‌شنبه" never is one: folding turns its
# ZWNJ into a space)
_FILLER = frozenset(
    word
    for line in (
        "on|at|the|of|by|am|um|uhr|le|les|à|a|el|de|del|las|la|il|alle|ore|em|às|op|om",
        "в|г|года|saat|tarihinde|في|الساعة|الموافق|بتاريخ|يوم|على|الى|إلى|در|ساعت|تاریخ",
        "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur",
        "thurs|fri|sat|sun|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag",
        "mittwoch|donnerstag|freitag|samstag|sonntag|lunes|martes|miércoles|miercoles|jueves",
        "viernes|sábado|sabado|domingo|lunedì|martedì|mercoledì|giovedì|venerdì|sabato",
        "понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|pazartesi|salı|çarşamba",
        "perşembe|cuma|cumartesi|pazar|الاثنين|الإثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس",
        "الجمعة|السبت|الأحد|الاحد|شنبه|یکشنبه|دوشنبه|سه‌شنبه|چهارشنبه|پنجشنبه|جمعه",
    )
    for word in line.split("|")
)
_WORD_RUN = re.compile(r"\w+")

# relative stamps: (pattern with a number group "n" and a unit group "u"); folded text
_UNITS: dict[str, float] = {
    "sec": 1,
    "second": 1,
    "seconde": 1,
    "sekunde": 1,
    "segundo": 1,
    "secondo": 1,
    "секунд": 1,
    "saniye": 1,
    "ثانية": 1,
    "ثوان": 1,
    "ثواني": 1,
    "ثانیه": 1,
    "min": 60,
    "minute": 60,
    "minuto": 60,
    "minut": 60,
    "минут": 60,
    "dakika": 60,
    "دقيقة": 60,
    "دقائق": 60,
    "دقيقتين": 120,
    "دقیقه": 60,
    "hour": 3600,
    "hr": 3600,
    "heure": 3600,
    "h": 3600,
    "stunde": 3600,
    "std": 3600,
    "hora": 3600,
    "ora": 3600,
    "ore": 3600,
    "час": 3600,
    "saat": 3600,
    "ساعة": 3600,
    "ساعات": 3600,
    "ساعتين": 7200,
    "ساعت": 3600,
    "day": 86400,
    "jour": 86400,
    "tag": 86400,
    "día": 86400,
    "dia": 86400,
    "giorno": 86400,
    "giorni": 86400,
    "день": 86400,
    "дн": 86400,
    "gün": 86400,
    "يوم": 86400,
    "أيام": 86400,
    "ايام": 86400,
    "يومين": 172800,
    "روز": 86400,
    "week": 604800,
    "semaine": 604800,
    "woche": 604800,
    "semana": 604800,
    "неделю": 604800,
    "hafta": 604800,
    "أسبوع": 604800,
    "اسبوع": 604800,
    "أسابيع": 604800,
    "أسبوعين": 1209600,
    "هفته": 604800,
}
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_NUM = r"(?P<n>\d+|an?|one|une?|einer?|einem|una?|uma?)"
_RELATIVE = re.compile(
    _B
    + "(?:"
    + "|".join(
        (
            rf"{_NUM}\s+(?P<u>{_UNIT_ALT})\w*\s+(?:ago|fa|назад|önce|once|پیش){_E}",
            rf"(?:il\s+y\s+a|vor|hace|há|ha|منذ|قبل)\s+{_NUM}?\s*(?P<u2>{_UNIT_ALT})\w*",
        )
    ).replace("(?P<n>", "(?P<n1>", 1)
    + ")"
)
_JUST_NOW = re.compile(rf"{_B}(?:just\s+now|à\s+l'instant|gerade\s+eben|الآن|للتو){_E}")


@dataclass(frozen=True, slots=True)
class TextStamp:
    """One stamp read from a visible line: its kind, the line it came from, its instant
    (aware, in the zone the line is written in, so that its calendar day is the page's)."""

    kind: StampKind
    text: str
    at: datetime | None


def _keywords(folded: str, start: int = 0) -> Iterator[re.Match[str]]:
    """The keywords of ``folded`` from ``start``, as ``_KEYWORD.finditer`` finds them.

    The whole pattern (dozens of alternatives, in many scripts) is only tried where a word
    opens with the first two letters of a keyword: a scan for those is several times faster
    than a search with the whole pattern, and most lines hold no keyword at all."""
    end = start
    for candidate in _KEYWORD_START.finditer(folded, start):
        at = candidate.start()
        if at < end:
            continue
        match = _KEYWORD.match(folded, at)
        if match is not None:
            end = match.end()
            yield match


def _kind_at(folded: str, start: int) -> tuple[StampKind, bool, tuple[int, int]] | None:
    match = next(_keywords(folded, start), None)
    if match is None or match.lastgroup is None:
        return None
    _, kind, dayfirst = _KEYWORDS[int(match.lastgroup[1:])]
    return kind, dayfirst, match.span()


def _opening_kind(folded: str) -> tuple[StampKind, bool, tuple[int, int]] | None:
    """:func:`_kind_at` for a keyword that opens the line (starts in its first three
    characters): three anchored tries instead of a search through a paragraph."""
    for start in range(_OPENING):
        if _KEYWORD_START.match(folded, start) is None:
            continue
        match = _KEYWORD.match(folded, start)
        if match is not None and match.lastgroup is not None:
            _, kind, dayfirst = _KEYWORDS[int(match.lastgroup[1:])]
            return kind, dayfirst, match.span()
    return None


def _relative(
    folded: str, fetched_at: FetchTime | None
) -> tuple[datetime | None, tuple[int, int]] | None:
    if _AGE_HINT.search(folded) is None:
        return None  # no age's words: neither pattern can match
    match = _RELATIVE.search(folded)
    if match is not None:
        raw_n = match["n1"] or match["n"]
        unit = match["u"] or match["u2"]
        count = int(raw_n) if raw_n and raw_n.isdigit() else 1
        seconds = _UNITS[unit] * count
        at = fetched_at.ago(seconds) if fetched_at is not None else None
        return at, match.span()
    match = _JUST_NOW.search(folded)
    if match is not None:
        return (fetched_at.ago(0) if fetched_at is not None else None), match.span()
    return None


def _other_letters(folded: str, spans: list[tuple[int, int]]) -> int:
    """Letters of ``folded`` outside ``spans`` and filler words: what is not stamp.

    The words outside the spans are read as runs of word characters (every letter is one)
    and a filler word is a whole run: one scan for the runs, a set lookup for each, instead
    of a search for any of a hundred words at every position."""
    parts: list[str] = []
    at = 0
    for start, end in sorted(spans):
        if end <= start:
            continue
        if start > at:
            parts.append(folded[at:start])
        at = max(at, end)
    parts.append(folded[at:])
    return sum(
        len(run) if run.isalpha() else sum(map(str.isalpha, run))
        for run in _WORD_RUN.findall(" ".join(parts))
        if run not in _FILLER
    )


def _day_from(reference: datetime | None, zone: tzinfo) -> date | None:
    return reference.astimezone(zone).date() if reference is not None else None


def _resolve(
    parts: DateParts,
    kind: StampKind,
    zone: tzinfo,
    article_date: datetime | None,
    fetched_at: FetchTime | None,
) -> datetime | None:
    """The instant of a stamp; a time-only stamp is dated from the article (or the fetch)."""
    if parts.day is not None:
        return combine(parts, zone)
    if parts.clock is None:
        return None
    stamp_zone = parts.zone or zone
    if article_date is not None:
        day = _day_from(article_date, stamp_zone)
    elif fetched_at is not None:
        day = fetched_at.day(stamp_zone)
    else:
        return None
    if day is None:
        return None
    at = datetime.combine(day, parts.clock, tzinfo=stamp_zone)
    if (
        article_date is not None
        and kind != "published"
        and at < article_date - timedelta(minutes=1)
    ):
        at += timedelta(days=1)  # an update after midnight in the stamp's zone
    elif (
        article_date is None
        and fetched_at is not None
        and fetched_at.earlier_than(at, timedelta(minutes=5))
    ):
        at -= timedelta(days=1)  # the time was shown yesterday, before the fetch
    return at


def _zone(timezone: str | tzinfo) -> tzinfo:
    if isinstance(timezone, str):
        return zone_named(timezone) or UTC
    return timezone


def parse_stamp_line(
    line: str,
    *,
    timezone: str | tzinfo = "UTC",
    article_date: datetime | None = None,
    fetched_at: When = None,
    default_kind: StampKind | None = None,
    max_other_letters: int = MAX_OTHER_LETTERS,
) -> TextStamp | None:
    """Read one line as a stamp, or None when it is not (mostly) a stamp.

    ``timezone`` applies to stamps that name no zone; ``article_date`` dates time-only
    stamps; ``fetched_at`` resolves relative stamps ("5 minutes ago"), which are otherwise
    kept with no instant. ``default_kind`` accepts lines with a date but no keyword (a date
    element next to the headline); without it a keyword is required.
    """
    read = read_stamp_line(
        line,
        timezone=timezone,
        article_date=article_date,
        fetched_at=fetched_at,
        default_kind=default_kind,
        max_other_letters=max_other_letters,
    )
    return read[0] if read is not None else None


def read_stamp_line(
    line: str,
    *,
    timezone: str | tzinfo = "UTC",
    article_date: datetime | None = None,
    fetched_at: When = None,
    default_kind: StampKind | None = None,
    max_other_letters: int = MAX_OTHER_LETTERS,
) -> tuple[TextStamp, bool] | None:
    """:func:`parse_stamp_line`, and whether the line is a stamp by the strict rule too (a
    keyword such as "Updated" and at most ``MAX_OTHER_LETTERS`` other letters), so that a
    caller reading with a ``default_kind`` learns both verdicts from one parse."""
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_CORRECTION_LINE:
        return None
    if len(stripped) > MAX_LINE:
        # prose-long: only a correction note opening with its keyword is a stamp; the
        # keyword search runs on the head alone, never over the whole paragraph
        head = fold(stripped[:_CORRECTION_PROBE])
        opening = _correction_opening(head, _opening_kind(head))
        return None if opening is None else (_correction(stripped, head, opening, timezone), True)
    folded = fold(stripped)
    if not _QUICK.search(folded) and not _no_digit_stamp(folded):
        return None  # no digit, no relative words, no keyword: cannot be a stamp
    if _TIME_RANGE.search(folded):
        return None  # "19.1.23, 10:00-11:30 Uhr": an event's schedule, never a stamp
    found = _kind_at(folded, 0)
    opening = _correction_opening(folded, found)
    if opening is not None:
        return _correction(stripped, folded, opening, timezone), True
    if found is None and default_kind is None and not _has_age(folded):
        return None  # no keyword, no age ("5 minutes ago"): whatever date it holds
    zone = _zone(timezone)
    clock = fetch_time(fetched_at)
    if article_date is not None:
        year: int | None = article_date.year
    else:
        year = clock.year if clock is not None else None
    dayfirst = found[1] if found is not None else True
    parts = find_datetime(folded, default_year=year, dayfirst=dayfirst)
    relative = None if parts.spans else _relative(folded, clock)
    if not parts.spans and relative is None:
        return None
    kind: StampKind
    spans = list(parts.spans) if relative is None else [relative[1]]
    if found is not None:
        kind = found[0]
        spans.append(found[2])
    elif default_kind is not None:
        kind = default_kind
    elif relative is not None:
        kind = "published"  # "منذ 5 دقائق" alone: the age of the article as shown
    else:
        return None
    other = _other_letters(folded, spans)
    if other > max_other_letters:
        return None
    at = relative[0] if relative is not None else _resolve(parts, kind, zone, article_date, clock)
    text = stripped
    if default_kind is not None and other and len(folded) == len(stripped):
        # a date line by the headline carries furniture ("By Desk 2024-03-14 83897 views"):
        # the stamp's text is the stamp, from its keyword to its zone
        text = stripped[min(a for a, _ in spans) : max(b for _, b in spans)].strip(" ,;|-")
    return TextStamp(kind, text or stripped, at), found is not None and other <= MAX_OTHER_LETTERS


def _correction_opening(
    folded: str, found: tuple[StampKind, bool, tuple[int, int]] | None
) -> tuple[int, int] | None:
    """The span of the correction keyword a line opens with ("Correction:", "تصحيح -")."""
    if found is None or found[0] != "correction" or found[2][0] >= _OPENING:
        return None
    return found[2] if _CORRECTION_HEAD.match(folded, found[2][1]) else None


def _correction(
    line: str, folded: str, key_span: tuple[int, int], timezone: str | tzinfo
) -> TextStamp:
    """A correction note: any length; dated when a date sits right after the keyword."""
    head = folded[: key_span[1] + _CORRECTION_DATE]
    parts = find_datetime(head)
    at = combine(parts, _zone(timezone)) if parts.day is not None else None
    return TextStamp("correction", line, at)


def stamps_in_lines(
    lines: list[str],
    *,
    timezone: str | tzinfo = "UTC",
    article_date: datetime | None = None,
    fetched_at: When = None,
) -> list[TextStamp]:
    """Every stamp line among ``lines`` (body paragraphs), in order; lines may hold several
    stamps separated by ``|``, ``•`` or ``·`` ("Published 20 July | Updated 21 July")."""
    found: list[TextStamp] = []
    for line in lines:
        if len(line) > MAX_CORRECTION_LINE:
            continue
        if len(line) > MAX_LINE:
            if not may_be_stamp_line(line):  # a correction note's opening: three tries
                continue
        elif not maybe_stamp(line) or not may_be_stamp_line(line):
            continue
        for piece in _pieces(line):
            stamp = parse_stamp_line(
                piece, timezone=timezone, article_date=article_date, fetched_at=fetched_at
            )
            if stamp is not None:
                found.append(stamp)
    return found


def may_be_stamp_line(line: str, *, relative: bool = True) -> bool:
    """Whether :func:`stamps_in_lines` could read a stamp in ``line``: it holds a stamp
    keyword (in its head, when it is prose-long) or, with ``relative``, an age ("5 minutes
    ago"). One search, where reading the line is several."""
    if len(line) > MAX_LINE:  # prose-long: only a correction note opening with its keyword
        return _opening_kind(fold(line[:_CORRECTION_PROBE])) is not None
    folded = fold(line)
    if next(_keywords(folded), None) is not None:
        return True
    return relative and _has_age(folded)


def _pieces(line: str) -> list[str]:
    """A line cut at separators and at each further stamp keyword, so that "Published 20 July
    2016, updated 21 July 2016" gives two stamps; one piece when the line is prose-long."""
    if len(line) > MAX_LINE:
        return [line]
    return [piece for part in _SPLIT.split(line) for piece in split_stamps(part)]


def split_stamps(part: str) -> list[str]:
    """``part`` cut before each stamp keyword after the first ("Published 20 July 2016
    Updated 21 July 2016 18:17" is two stamps on one line)."""
    if len(part) > MAX_LINE:
        return [part]
    folded = fold(part)
    starts = [m.start() for m in _keywords(folded)] if len(folded) == len(part) else []
    cuts = [0, *starts[1:], len(part)] if len(starts) > 1 else [0, len(part)]
    pieces = (part[a:b].strip(" ,;-") for a, b in itertools.pairwise(cuts))
    return [p for p in pieces if p]


# two clock times joined by a dash ("10:00-11:30", "9.30 - 11.00 h"), folded text; what
# precedes the first digit is tested after it (the engine then skips to digits, see dates)
_TIME_RANGE = re.compile(
    r"\d(?<![\d.:]\d)\d?[:.h]\d{2}\s*(?:-|bis|to|à)\s*\d{1,2}[:.h]\d{2}(?![\d.:])"
)
_CORRECTION_HEAD = re.compile(r"\s*(?:[:\-,(]|\d|$)")
_CORRECTION_DATE = 60  # characters after a correction keyword where its date may sit
_CORRECTION_PROBE = 100  # head of a long line searched for a correction keyword
_SPLIT = re.compile(r"\s*[|•·]\s*|\n")
_QUICK = re.compile(r"\d")  # any Unicode digit: Arabic-Indic and Persian ones too
_OPENING = 3  # a correction note's keyword starts in the first characters of its line
# what a stamp without any digit can be: a relative age ("an hour ago", "منذ ساعتين", "just
# now") or a correction note opening with its keyword
_CORRECTION_OPENING_LINE = re.compile(
    r"^.{0,2}?"
    + _B
    + "(?:"
    + "|".join(p for p, kind, _ in _KEYWORDS if kind == "correction")
    + ")"
    + _E
)
# what every age (_RELATIVE, _JUST_NOW) holds: its closing word ("ago"), or its opening word
# and a space ("vor ", "منذ "), or "just "... Each alternative opens with a letter, so the
# engine skips to those letters where the age patterns try their opening test at every
# position, and most lines hold none of them.
_AGE_HINT = re.compile(
    r"ago(?!\w)|fa(?!\w)|назад(?!\w)|önce(?!\w)|once(?!\w)|پیش(?!\w)"
    r"|il\s|vor\s|hace\s|há\s|ha\s|منذ\s|قبل\s|just\s|à\s|gerade\s|الآن|للتو"
)


def _has_age(folded: str) -> bool:
    """Whether folded text holds an age ("5 minutes ago", "just now")."""
    return _AGE_HINT.search(folded) is not None and (
        _RELATIVE.search(folded) is not None or _JUST_NOW.search(folded) is not None
    )


def _no_digit_stamp(folded: str) -> bool:
    """Whether folded text holds what a stamp without any digit can be: a relative age ("an
    hour ago", "منذ ساعتين", "just now") or a correction note opening with its keyword."""
    return _has_age(folded) or _CORRECTION_OPENING_LINE.match(folded) is not None


def maybe_stamp(line: str) -> bool:
    """Cheap pre-filter: a stamp line has a digit or words of a stamp without digits
    ("an hour ago", "منذ ساعتين", a correction note)."""
    if _QUICK.search(line):
        return True
    return _no_digit_stamp(fold(line[:_CORRECTION_PROBE]))
