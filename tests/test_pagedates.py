"""``extract_dates()``, the dates-only API: the same published/updated as ``extract()``.

Each page is read both ways; the dates-only reader skips the body scoring, so these pages
put stamp lines where the body extractor takes them (article paragraphs) and where it does
not (sidebars, related lists, hidden text, page furniture).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch.extract import StampReading, extract, extract_dates
from newswatch.extract.textstamps import may_be_stamp_line, stamps_in_lines
from tests.conftest import fixture_page

FIXTURE = Path(__file__).parent / "fixtures" / "alhurra-1817"
URL = "https://news.example/2016/story"
PROSE = (
    "<p>The council met on Tuesday evening to discuss the bridge, which has been closed "
    "to traffic since the spring floods damaged two of its piers.</p>"
    "<p>Engineers told members that repairs would take at least another six months, and "
    "that the cost had risen by a third since the first estimate.</p>"
    "<p>Residents who crowded into the chamber asked for a temporary footbridge.</p>"
)
META = (
    '<meta property="article:published_time" content="2016-07-20T13:04:00Z">'
    '<meta property="article:modified_time" content="2016-07-20T14:00:00Z">'
)
SIDEBAR = (
    '<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Another story about a '
    "closed road in town</a> Updated 21:40 GMT</li></ul></aside>"
)


def utc(hour: int, minute: int = 0, day: int = 20, month: int = 7, year: int = 2016) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def html(head: str, body: str) -> str:
    return (
        f"<html><head><title>Bridge repairs delayed</title>{head}</head><body>{body}</body></html>"
    )


def article(inside: str) -> str:
    return f"<article><h1>Bridge repairs delayed</h1>{inside}</article>"


# (name, page): a spread of where stamps sit; each must read the same both ways
PAGES: list[tuple[str, str]] = [
    ("metadata only", html(META, article(PROSE))),
    ("update line in the text", html(META, article(PROSE + "<p>Updated 6:17 p.m. GMT</p>"))),
    (
        "update line on top, Arabic",
        html(META, article("<p>تحديث 18:17 تغ</p>" + PROSE)),
    ),
    ("update line in a sidebar only", html(META, article(PROSE) + SIDEBAR)),
    (
        "update line in a hidden block",
        html(META, article(PROSE + '<p style="display:none">Updated 23:50 GMT</p>')),
    ),
    (
        "update line in a share bar",
        html(META, article(PROSE + '<div class="share-tools"><p>Updated 23:50 GMT</p></div>')),
    ),
    (
        "no metadata, dated by its text lines",
        html("", article(PROSE + "<p>Published 20 July 2016, updated 21 July 2016</p>")),
    ),
    (
        "byline under the headline, no metadata",
        html("", article('<p class="byline">Publié le 20 juillet 2016 à 13h04</p>' + PROSE)),
    ),
    (
        "time elements and a related list",
        html(
            "",
            article('<time pubdate datetime="2016-07-20T13:04:00Z">20 July</time>' + PROSE)
            + '<ul class="related"><li><a href="/b">Other</a><time>2015-05-01</time></li></ul>',
        ),
    ),
    (
        "correction note",
        html(META, article(PROSE + "<p>Correction, 21 July 2016: the cost rose by a third.</p>")),
    ),
    (
        "German stand line",
        html(META, article(PROSE + "<p>Stand: 20.07.2016, 18:17 Uhr</p>")),
    ),
    (
        "stray stamp label in a layout block",
        html(META, article(PROSE + "<div><span>Updated 23:50 GMT</span></div>")),
    ),
    ("no date anywhere", html("", article(PROSE))),
]


def same(reading: StampReading, page: str, fetched_at: datetime | None = None) -> None:
    full = extract(page, URL, fetched_at=fetched_at)
    assert (reading.published, reading.updated, reading.published_local) == (
        full.published,
        full.updated,
        full.published_local,
    )


@pytest.mark.parametrize(("name", "page"), PAGES, ids=[name for name, _ in PAGES])
def test_dates_only_reads_what_extract_reads(name: str, page: str) -> None:
    same(extract_dates(page, URL), page)


@pytest.mark.parametrize(
    "name", ["v1.html", "v1-noise.html", "v2.html", "v2-nometa.html", "v3.html"]
)
def test_fixture_pages_read_the_same(name: str) -> None:
    raw = fixture_page(name).read_bytes()
    reading = extract_dates(raw, URL, "Asia/Riyadh")
    full = extract(raw, URL, "Asia/Riyadh")
    assert (reading.published, reading.updated) == (full.published, full.updated)
    assert reading.published is not None


def test_the_visible_update_line_is_read_and_the_sidebar_ignored() -> None:
    page = html(META, article(PROSE + "<p>Updated 6:17 p.m. GMT</p>") + SIDEBAR)
    reading = extract_dates(page, URL)
    assert (reading.published, reading.updated) == (utc(13, 4), utc(18, 17))
    assert not any("21:40" in stamp.text for stamp in reading.stamps)


def test_relative_update_with_a_fetch_time() -> None:
    page = html(META, article(PROSE + "<p>Updated 10 minutes ago</p>"))
    fetched = utc(18, 27)
    reading = extract_dates(page, URL, fetched_at=fetched)
    assert reading.updated == utc(18, 17)
    same(reading, page, fetched)
    # an age with no fetch time dates nothing: the metadata stands
    assert extract_dates(page, URL).updated == utc(14)


def test_bytes_in_a_legacy_charset() -> None:
    raw = (FIXTURE / "v2-cp1256.html").read_bytes()
    reading = extract_dates(raw, URL, "Asia/Riyadh")
    assert reading.updated == extract(raw, URL, "Asia/Riyadh").updated


def test_page_without_dates_is_no_error() -> None:
    assert extract_dates("<html><body><p>Nothing here.</p></body></html>", URL) == StampReading(
        None, None, [], None
    )


@pytest.mark.parametrize(
    ("line", "stamp", "maybe"),
    [
        ("Updated 6:17 p.m. GMT", True, True),
        ("تحديث 18:17 تغ", True, True),
        ("Published 20 July 2016 | Updated 21 July 2016", True, True),
        ("Correction: an earlier version misspelled the name.", True, True),
        ("Mis à jour le 20 juillet 2016 à 18h17", True, True),
        ("Updated 10 minutes ago", True, True),
        ("منذ 5 دقائق", True, True),
        ("The council met on 20 July 2016 and decided nothing.", False, False),
        ("Bridge closed since 2015", False, False),
        ("He said it was updated often, 20 times a day, by hand and by machines.", False, True),
        ("x" * 200 + " updated 20 July 2016", False, False),
    ],
)
def test_the_cheap_line_test_lets_every_stamp_line_through(
    line: str, stamp: bool, maybe: bool
) -> None:
    """``may_be_stamp_line`` is one keyword search: it may pass a line that is no stamp
    (a keyword in prose), never drop one that is."""
    assert bool(stamps_in_lines([line], fetched_at=utc(19))) is stamp
    assert may_be_stamp_line(line) is maybe
