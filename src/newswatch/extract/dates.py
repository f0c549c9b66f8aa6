"""Pure date/time parsing for stamps: machine values (ISO 8601, RFC 2822) and human text.

News pages write dates in every language and every order ("20 تموز/يوليو 2016",
"July 20, 2016 6:17 p.m. EDT", "20.07.2016, 18:17 Uhr", "۲۰ ژوئیه ۲۰۱۶"). Generic parsers
either miss these or guess wildly from any number, so this module only recognises complete
shapes and reports which characters it used (``spans``): a caller can then judge whether a
line is *mostly* a date. Nothing here touches the network, a database or the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Arabic-Indic (U+0660..) and Persian (U+06F0..) digits to ASCII; Arabic comma to ASCII.
_DIGITS = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "\u060c": ",",  # Arabic comma
        "\u066b": ".",  # Arabic decimal separator
        "\u066c": ",",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2013": "-",
        "\u2014": "-",
        "\u0640": "",  # tatweel
        "\u200f": "",
        "\u200e": "",
        "\u061c": "",
        "\u200c": " ",  # ZWNJ (Persian) separates words for our purpose
        "İ": "i",
        **{chr(c): "" for c in range(0x064B, 0x0653)},  # Arabic harakat
    }
)

# the characters _DIGITS maps (all outside ASCII): str.translate looks every character of a
# text up in a dict, a character-class search is one C loop
_FOLDED = re.compile("[" + re.escape("".join(chr(code) for code in _DIGITS)) + "]")

MIN_YEAR = 1990
MAX_YEAR = 2100


def fold(text: str) -> str:
    """Lowercase, ASCII digits, invisible marks dropped: the form every pattern here reads.

    Spans reported by :func:`find_datetime` index into ``fold(text)``; ``fold`` is
    idempotent, so callers fold once and pass the folded text around.
    """
    if text.isascii() or _FOLDED.search(text) is None:  # nothing to map: skip translate
        return text.lower()
    return text.translate(_DIGITS).lower()


# --------------------------------------------------------------------------- vocabularies

# fmt: off
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "januar", "jänner", "jän", "enero", "ene", "gennaio",
        "gen", "janeiro", "januari", "января", "январь", "янв", "ocak", "styczeń", "stycznia",
        "يناير", "كانون الثاني", "جانفي", "ژانویه", "ianuarie"),
    2: ("february", "feb", "février", "fevrier", "févr", "fevr", "februar", "febrero", "febbraio",
        "fevereiro", "fev", "februari", "февраля", "февраль", "фев", "şubat", "subat", "luty",
        "lutego", "فبراير", "شباط", "فيفري", "فوریه", "februarie"),
    3: ("march", "mar", "mars", "märz", "maerz", "mär", "marzo", "março", "marco", "maart",
        "марта", "март", "mart", "marzec", "marca", "مارس", "آذار", "اذار", "martie"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile", "апреля", "апрель", "апр",
        "nisan", "kwiecień", "kwietnia", "أبريل", "ابريل", "إبريل", "نيسان", "أفريل", "افريل",
        "آوریل", "aprilie"),
    5: ("may", "mai", "mayo", "maggio", "mag", "maio", "mei", "мая", "май", "mayıs", "mayis",
        "maj", "maja", "مايو", "أيار", "ايار", "ماي", "مه"),
    6: ("june", "jun", "juin", "juni", "junio", "giugno", "giu", "junho", "июня", "июнь", "июн",
        "haziran", "czerwiec", "czerwca", "يونيو", "يونيه", "حزيران", "جوان", "ژوئن", "iunie"),
    7: ("july", "jul", "juillet", "juil", "juli", "julio", "luglio", "lug", "julho", "июля",
        "июль", "июл", "temmuz", "lipiec", "lipca", "يوليو", "يوليه", "تموز", "جويلية",
        "ژوئیه", "ژوییه", "iulie"),
    8: ("august", "aug", "août", "aout", "agosto", "ago", "augustus", "августа", "август", "авг",
        "ağustos", "agustos", "sierpień", "sierpnia", "أغسطس", "اغسطس", "آب", "أوت", "اوت"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "set",
        "setembro", "сентября", "сентябрь", "сен", "eylül", "eylul", "wrzesień", "września",
        "سبتمبر", "أيلول", "ايلول", "سپتامبر", "septembrie"),
    10: ("october", "oct", "octobre", "oktober", "okt", "octubre", "ottobre", "ott", "outubro",
         "out", "октября", "октябрь", "окт", "ekim", "październik", "października", "أكتوبر",
         "اكتوبر", "تشرين الأول", "تشرين الاول", "اکتبر", "octombrie"),
    11: ("november", "nov", "novembre", "noviembre", "novembro", "ноября", "ноябрь", "ноя",
         "kasım", "kasim", "listopad", "listopada", "نوفمبر", "تشرين الثاني", "نوامبر",
         "noiembrie"),
    12: ("december", "dec", "décembre", "decembre", "déc", "dezember", "dez", "diciembre", "dic",
         "dicembre", "dezembro", "декабря", "декабрь", "дек", "aralık", "aralik", "grudzień",
         "grudnia", "ديسمبر", "كانون الأول", "كانون الاول", "دسامبر", "decembrie"),
}
# fmt: on
MONTHS: dict[str, int] = {name: num for num, names in _MONTH_NAMES.items() for name in names}

# Fixed offsets for abbreviations; names of places map to IANA zones (DST-aware).
# fmt: off
_OFFSETS: dict[str, float] = {
    "gmt": 0, "utc": 0, "ut": 0, "z": 0, "wet": 0, "west": 1, "bst": 1, "cet": 1, "cest": 2,
    "mez": 1, "mesz": 2, "eet": 2, "eest": 3, "msk": 3, "мск": 3, "tsi": 3, "trt": 3, "ast": 3,
    "gst": 4, "ist": 5.5, "pkt": 5, "ict": 7, "wib": 7, "hkt": 8, "sgt": 8, "awst": 8,
    "jst": 9, "kst": 9, "aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13,
    "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6, "mst": -7, "pdt": -7, "pst": -8,
    "akdt": -8, "akst": -9, "hst": -10, "brt": -3, "art": -3,
    "hne": -5, "hae": -4, "hnc": -6, "hac": -5,
    "تغ": 0, "ت.غ": 0, "ت غ": 0, "ت. غ": 0, "غرينتش": 0, "غرينيتش": 0, "جرينتش": 0,
    "جرينيتش": 0, "غرینویچ": 0,
}
_PLACES: dict[str, str] = {
    "et": "America/New_York", "ct": "America/Chicago", "mt": "America/Denver",
    "pt": "America/Los_Angeles", "heure de paris": "Europe/Paris", "uhr mez": "Europe/Berlin",
    "مكة المكرمة": "Asia/Riyadh", "مكة": "Asia/Riyadh", "الرياض": "Asia/Riyadh",
    "السعودية": "Asia/Riyadh", "القدس": "Asia/Jerusalem", "بيروت": "Asia/Beirut",
    "القاهرة": "Africa/Cairo", "مصر": "Africa/Cairo", "دمشق": "Asia/Damascus",
    "بغداد": "Asia/Baghdad", "عمان": "Asia/Amman", "الدوحة": "Asia/Qatar",
    "أبوظبي": "Asia/Dubai", "ابوظبي": "Asia/Dubai", "أبو ظبي": "Asia/Dubai", "دبي": "Asia/Dubai",
    "الإمارات": "Asia/Dubai", "الكويت": "Asia/Kuwait", "المنامة": "Asia/Bahrain",
    "مسقط": "Asia/Muscat", "الرباط": "Africa/Casablanca", "المغرب": "Africa/Casablanca",
    "تونس": "Africa/Tunis", "الجزائر": "Africa/Algiers", "طرابلس": "Africa/Tripoli",
    "الخرطوم": "Africa/Khartoum", "صنعاء": "Asia/Aden", "تهران": "Asia/Tehran",
    "موسكو": "Europe/Moscow", "москве": "Europe/Moscow",
}
# fmt: on

_ZONE_WORDS = sorted(list(_OFFSETS) + list(_PLACES), key=len, reverse=True)
_ZONE_ALT = "|".join(re.escape(z) for z in _ZONE_WORDS)
# "بتوقيت غرينتش", "(GMT+3)", "UTC+03:00", "GMT -5", "+0300", "heure de Paris"
# right after the clock (or date): "بتوقيت غرينتش", "(GMT+3)", "UTC+03:00", "heure de Paris"
_ZONE = re.compile(
    r"\s*,?\s*(?:\(\s*)?(?:(?:حسب\s+)?(?:بتوقيت|توقيت)\s+|به\s+وقت\s+|heure\s+de\s+|time\s+|saat\s+|по\s+)?"
    rf"(?P<name>{_ZONE_ALT})(?![\w])"
    r"(?:\s*(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?)?\s*\)?",
)
_OFFSET_ONLY = re.compile(r"\s*(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})(?!\d)")


def literal_alternation(words: Iterable[str], lead: str = "") -> str:
    r"""A regex alternation of literal ``words`` written as a trie ("ja(?:n(?:uary|...)?)"):
    it matches as the plain alternation with the longer words first does (at one position
    the words that fit are prefixes of each other, and the trie tries the longer ones first,
    backtracking to the shorter), but the engine tests a few characters per position where
    the plain one tries every word in turn (hundreds of month names).

    ``lead`` is put right after the first character of every word: an assertion about what
    precedes a word (``(?<![\w].)``: no word character before the first) placed there lets
    a search skip to the words' first characters in one loop, where an opening assertion is
    tried at every position."""
    root: dict[str, dict[str, Any]] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any], after: str = "") -> str:
        ends = "" in node
        alternatives = [re.escape(char) + after + emit(node[char]) for char in sorted(node) if char]
        if not alternatives:
            return ""
        if len(alternatives) == 1 and not ends:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")" + ("?" if ends else "")

    return emit(root, lead)


_MONTH_ALT = literal_alternation(MONTHS)
_ORD = r"(?:st|nd|rd|th|er|e|º|ª|-?го|\.)?"
_SEP_MONTH = r"(?:\s*/\s*(?:" + _MONTH_ALT + r"))?"  # "تموز/يوليو": the second name is decoration
# The patterns below that open with a number test what precedes it after its first digit
# ("\d(?<![\w]\d)" is "(?<![\w])\d"): a pattern that opens with a character class lets the
# engine skip to the next digit in one loop, where an opening assertion is tried at every
# position, and these run over every date line several times (same matches, 2-4x faster).
_DAY_MONTH_YEAR = re.compile(
    rf"(?P<d>\d(?<![\w]\d)\d?){_ORD}\s*(?:de\s+|of\s+|-\s*)?"
    rf"(?P<m>{_MONTH_ALT})(?![\w]){_SEP_MONTH}\.?\s*,?\s*(?:de\s+|del\s+|-\s*)?(?P<y>\d{{4}})?(?!\d)"
)
_MONTH_DAY_YEAR = re.compile(
    rf"(?<![\w])(?P<m>{_MONTH_ALT})(?![\w]){_SEP_MONTH}\.?\s*(?P<d>\d{{1,2}}){_ORD}(?!\d)"
    r"(?:\s*,?\s*(?P<y>\d{4})(?!\d))?"
)
_YMD = re.compile(
    r"(?P<y>\d(?<![\d.]\d)\d{3})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?![\d])"
)
_DMY = re.compile(
    r"(?P<a>\d(?<![\d.:]\d)\d?)\s*(?P<sep>[-/.])\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4}|\d{2})(?![\d:])"
)
_CLOCK = re.compile(
    r"(?P<h>\d(?<![\d.:/]\d)\d?)\s*(?:(?P<sep>[:h]|\.(?=\d{2}\s*(?:uhr|h\b|a\.?m|p\.?m|(?:gmt|utc|bst|cet|cest|mez|mesz|edt|est|cdt|cst|pdt|pst|ist)(?![\w]))))\s*(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2}))?|(?=\s*(?:a\.?m\.?|p\.?m\.?)(?![\w])))"
    r"(?![\d/])\s*(?P<ap>a\.?\s?m\.?|p\.?\s?m\.?|صباحا|صباحًا|صباحاً|مساء|مساءً|مساءا|ص|م|ق\.ظ|ب\.ظ)?"
    r"(?:\s*(?:uhr|h|ч\.?|hs|horas?|hrs?))?(?![\w])"
)


# Solar Hijri (Persian) months: Persian pages date in this calendar ("۳۰ تیر ۱۳۹۵")
# fmt: off
_JALALI_NAMES: dict[int, tuple[str, ...]] = {
    1: ("فروردین", "فروردين"), 2: ("اردیبهشت", "ارديبهشت"), 3: ("خرداد",),
    4: ("تیر", "تير"), 5: ("مرداد", "امرداد"), 6: ("شهریور", "شهريور"), 7: ("مهر",),
    8: ("آبان", "ابان"), 9: ("آذر", "اذر"), 10: ("دی", "دي"), 11: ("بهمن",), 12: ("اسفند",),
}
# fmt: on
_JALALI_MONTHS = {name: num for num, names in _JALALI_NAMES.items() for name in names}
_JALALI_ALT = "|".join(sorted(_JALALI_MONTHS, key=len, reverse=True))
_JALALI = re.compile(
    rf"(?P<d>\d(?<![\w]\d)\d?)\s*(?P<m>{_JALALI_ALT})(?![\w])\s*,?\s*(?P<y>1[34]\d\d)(?!\d)"
)
# a numeric year/month/day of these years is a Solar Hijri one (1370-1420: 1991-2041; the
# lunar Hijri years they overlap are 1950-1999, before almost every dated news page)
_JALALI_YEARS = range(1370, 1421)


def jalali_to_gregorian(jy: int, jm: int, jd: int) -> date | None:
    """The Gregorian day of a Solar Hijri date (the 33-year arithmetic rule), None if
    invalid."""
    if not (1 <= jm <= 12 and 1 <= jd <= (31 if jm <= 6 else 30)):
        return None
    shifted = jy + 1595
    days = 365 * shifted + shifted // 33 * 8 + (shifted % 33 + 3) // 4 + jd
    days += (jm - 1) * 31 if jm < 7 else (jm - 7) * 30 + 186
    found = date.fromordinal(days + _JALALI_ORDINAL)
    return found if MIN_YEAR <= found.year <= MAX_YEAR else None


_JALALI_ORDINAL = -356033  # 1 Farvardin 1398 is 21 March 2019


@dataclass(frozen=True, slots=True)
class DateParts:
    """What :func:`find_datetime` read from a text, and the character spans it used."""

    day: date | None
    clock: time | None
    zone: tzinfo | None
    spans: tuple[tuple[int, int], ...]


def zone_named(name: str) -> tzinfo | None:
    """A tzinfo for an IANA name or a known abbreviation; None when unknown."""
    key = name.strip().lower()
    if key in _OFFSETS:
        return timezone(timedelta(hours=_OFFSETS[key]))
    if key in _PLACES:
        return ZoneInfo(_PLACES[key])
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = int(raw)
    if len(raw) == 2:
        value += 2000 if value < 70 else 1900
    return value


def _valid_date(y: int | None, m: int, d: int) -> date | None:
    if y is None or not (MIN_YEAR <= y <= MAX_YEAR):
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _find_day(
    text: str, *, default_year: int | None, dayfirst: bool
) -> tuple[date | None, tuple[int, int] | None]:
    """The first complete calendar date in folded ``text`` and its span."""
    best: tuple[int, date, tuple[int, int]] | None = None

    def offer(found: date | None, span: tuple[int, int]) -> None:
        nonlocal best
        if found is not None and (best is None or span[0] < best[0]):
            best = (span[0], found, span)

    match = _YMD.search(text)
    if match:
        y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
        jalali = y in _JALALI_YEARS
        offer(jalali_to_gregorian(y, m, d) if jalali else _valid_date(y, m, d), match.span())
    match = _JALALI.search(text) if not text.isascii() else None
    if match:
        found = jalali_to_gregorian(int(match["y"]), _JALALI_MONTHS[match["m"]], int(match["d"]))
        offer(found, match.span())
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        for match in pattern.finditer(text):
            year = _year(match["y"]) or default_year
            found = _valid_date(year, MONTHS[match["m"]], int(match["d"]))
            if found is not None:
                offer(found, match.span())
                break
    match = _DMY.search(text)
    if match:
        a, b, year = int(match["a"]), int(match["b"]), _year(match["y"])
        day_first = dayfirst or match["sep"] == "." or a > 12
        if b > 12:
            day_first = False
        d, m = (a, b) if day_first else (b, a)
        offer(_valid_date(year, m, d), match.span())
    if best is None:
        return None, None
    return best[1], best[2]


def _find_clock(
    text: str, skip: tuple[int, int] | None
) -> tuple[time | None, tuple[int, int] | None]:
    for match in _CLOCK.finditer(text):
        if skip and match.start() < skip[1] and match.end() > skip[0]:
            continue
        hour, minute = int(match["h"]), int(match["mi"] or 0)
        second = int(match["s"] or 0)
        ap = (match["ap"] or "").replace(".", "").replace(" ", "")
        if not match["mi"] and not ap:
            continue
        if ap in ("pm", "م", "مساء", "مساءً", "مساءا", "بظ") and hour < 12:
            hour += 12
        elif ap in ("am", "ص", "صباحا", "صباحًا", "صباحاً", "قظ") and hour == 12:
            hour = 0
        if match["sep"] == "h" and not match["mi"]:
            continue
        if hour > 23 or minute > 59 or second > 59:
            continue
        return time(hour, minute, second), match.span()
    return None, None


def _find_zone(text: str, start: int) -> tuple[tzinfo | None, tuple[int, int] | None]:
    """A zone written right at ``start`` (after the clock or date): name, name+offset, offset."""
    match = _ZONE.match(text, start)
    if match:
        zone = zone_named(match["name"])
        if isinstance(zone, timezone) and match["sign"]:
            base = zone.utcoffset(None)
            extra = timedelta(hours=int(match["oh"]), minutes=int(match["om"] or 0))
            zone = timezone(base + (extra if match["sign"] == "+" else -extra))
        return zone, match.span()
    match = _OFFSET_ONLY.match(text, start)
    if match:
        delta = timedelta(hours=int(match["oh"]), minutes=int(match["om"]))
        if delta <= timedelta(hours=14):
            return timezone(delta if match["sign"] == "+" else -delta), match.span()
    return None, None


def find_datetime(
    text: str, *, default_year: int | None = None, dayfirst: bool = True
) -> DateParts:
    """Read a calendar date, a clock time and a zone from human text (any of them may miss).

    ``default_year`` completes dates written without a year ("20 juillet"); ``dayfirst``
    settles ``03/04/2016`` (day first everywhere but in US English).
    """
    folded = fold(text)
    day, day_span = _find_day(folded, default_year=default_year, dayfirst=dayfirst)
    clock, clock_span = _find_clock(folded, day_span)
    spans = [s for s in (day_span, clock_span) if s is not None]
    zone: tzinfo | None = None
    if clock_span is not None:
        zone, zone_span = _find_zone(folded, clock_span[1])
        if zone_span is not None:
            spans.append(zone_span)
    return DateParts(day, clock, zone, tuple(sorted(spans)))


# --------------------------------------------------------------------------- machine values

_ISO_FIX = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]?(\d{1,2}:\d{2}(?::\d{2})?)?(?:[.,]\d+)?\s*(.*)$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?(Z|[+-]\d{2}:?\d{2})?$")
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")


def _zone_suffix(raw: str) -> tzinfo | None:
    """tzinfo for an ISO suffix; None for no suffix; raises ValueError for an unreadable one."""
    raw = raw.strip()
    if not raw:
        return None
    if raw.upper() == "Z":
        return UTC
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", raw)
    if match:
        delta = timedelta(hours=int(match[2]), minutes=int(match[3] or 0))
        return timezone(delta if match[1] == "+" else -delta)
    named = zone_named(raw) if len(raw) < 12 else None
    if named is None:
        raise ValueError(raw)
    return named


def aware(value: datetime, zone: tzinfo) -> datetime:
    """``value`` as written (its own zone kept: its calendar day is the page's), naive read
    as wall time in ``zone``."""
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def parse_machine(value: str, zone: tzinfo = UTC) -> datetime | None:
    """A metadata date value (ISO 8601 and its sloppy variants, RFC 2822, epoch), aware.

    The instant keeps the offset it was written with; naive values are read as wall time in
    ``zone``, a date alone as midnight there. Falls back to :func:`find_datetime` for human
    dates in metadata ("July 20, 2016").
    """
    raw = value.strip().translate(_DIGITS)
    if not raw or len(raw) > 120:
        return None
    found: datetime | None = None
    match = _ISO_FIX.match(raw.replace("/", "-", 2) if re.match(r"^\d{4}/\d", raw) else raw)
    if match:
        try:
            day = date.fromisoformat(match[1])
            clock = time.fromisoformat(match[2].zfill(5)) if match[2] else time(0)
            found = aware(datetime.combine(day, clock, tzinfo=_zone_suffix(match[3])), zone)
        except ValueError:
            found = None
    if found is None and (compact := _COMPACT.match(raw)):
        y, mo, d, h, mi, s, suffix_raw = compact.groups()
        try:
            naive = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
            found = aware(naive.replace(tzinfo=_zone_suffix(suffix_raw or "")), zone)
        except ValueError:
            found = None
    if found is None and _EPOCH.match(raw):
        seconds = int(raw[:10])
        found = datetime.fromtimestamp(seconds, UTC)
    if found is None and re.search(r"[a-zA-Z]{3},?\s+\d", raw):
        try:
            rfc = parsedate_to_datetime(raw)
            found = aware(rfc, zone)
        except (TypeError, ValueError, IndexError):
            found = None
    if found is None:
        parts = find_datetime(raw, dayfirst=True)
        if parts.day is not None:
            found = combine(parts, zone)
    if found is None or not (MIN_YEAR <= found.year <= MAX_YEAR):
        return None
    return found


def combine(parts: DateParts, zone: tzinfo, day: date | None = None) -> datetime | None:
    """An aware instant from parts: their zone first, else ``zone``; ``day`` if theirs misses."""
    on = parts.day or day
    if on is None:
        return None
    return aware(datetime.combine(on, parts.clock or time(0)), parts.zone or zone)
