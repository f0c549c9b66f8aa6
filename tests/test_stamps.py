"""Stamps read from whole pages: the alhurra fixture, then one small page per source."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from newswatch.charset import decode_html
from newswatch.extract.stamps import StampReading, read_stamps
from newswatch.models import Stamp
from tests.conftest import fixture_page

FIXTURE = Path(__file__).parent / "fixtures" / "alhurra-1817"
EXPECTED: dict[str, Any] = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
PAGES: dict[str, Any] = EXPECTED["pages"]


def utc(hour: int, minute: int = 0, day: int = 20, month: int = 7, year: int = 2016) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def read_fixture(name: str) -> StampReading:
    html, _ = decode_html(fixture_page(name).read_bytes())
    return read_stamps(LexborHTMLParser(html), PAGES[name]["paragraphs"])


@pytest.mark.parametrize("name", sorted(PAGES))
def test_fixture_published_and_updated(name: str) -> None:
    reading = read_fixture(name)
    expected = PAGES[name]
    assert reading.published == datetime.fromisoformat(expected["published"])
    assert reading.updated == datetime.fromisoformat(expected["updated"])
    for stamp in expected.get("text_stamps", []):
        wanted = Stamp(stamp["kind"], stamp["text"], datetime.fromisoformat(stamp["at"]), "text")
        assert wanted in reading.stamps


def test_nometa_update_comes_from_the_text_line_alone() -> None:
    reading = read_fixture("v2-nometa.html")
    metadata_updates = [s for s in reading.stamps if s.kind == "updated" and s.source != "text"]
    assert metadata_updates == []
    assert reading.updated == utc(18, 17)


def test_fixture_stamps_are_utc_and_sourced() -> None:
    reading = read_fixture("v2.html")
    assert {s.source for s in reading.stamps} == {"jsonld", "meta", "time", "text"}
    assert all(s.at is None or s.at.utcoffset() == UTC.utcoffset(None) for s in reading.stamps)


def page(head: str = "", body: str = "") -> LexborHTMLParser:
    return LexborHTMLParser(f"<html><head>{head}</head><body>{body}</body></html>")


ARTICLE = "<article><h1>Headline</h1>{}<p>Body text of the article goes here.</p></article>"


@pytest.mark.parametrize(
    ("head", "body", "published", "updated", "source"),
    [
        (  # JSON-LD in @graph, dates with offsets
            '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
            '{"@type":"WebSite","name":"x"},{"@type":"NewsArticle","datePublished":'
            '"2016-07-20T15:04:00+02:00","dateModified":"2016-07-20T20:17:00+02:00"}]}</script>',
            "",
            utc(13, 4),
            utc(18, 17),
            "jsonld",
        ),
        (  # JSON-LD array, broken JSON (trailing comma, raw newline)
            '<script type="application/ld+json">[{"@type":"Article",\n"datePublished":'
            '"2016-07-20T13:04:00Z",\n"headline":"a\nb",}]</script>',
            "",
            utc(13, 4),
            utc(13, 4),
            "jsonld",
        ),
        (  # Open Graph / article:*
            '<meta property="article:published_time" content="2016-07-20T13:04:00Z">'
            '<meta property="og:updated_time" content="2016-07-20T18:17:00Z">',
            "",
            utc(13, 4),
            utc(18, 17),
            "meta",
        ),
        (  # Dublin Core
            '<meta name="DC.date.issued" content="2016-07-20T13:04:00Z">'
            '<meta name="dcterms.modified" content="2016-07-20T18:17:00Z">',
            "",
            utc(13, 4),
            utc(18, 17),
            "meta",
        ),
        (  # vendor names
            '<meta name="parsely-pub-date" content="2016-07-20T13:04:00Z">'
            '<meta name="sailthru.date" content="2016-07-20 13:04:00">',
            "",
            utc(13, 4),
            utc(13, 4),
            "meta",
        ),
        (  # microdata
            "",
            ARTICLE.format(
                '<span itemprop="datePublished" content="2016-07-20T13:04:00Z">20 July</span>'
                '<time itemprop="dateModified" datetime="2016-07-20T18:17:00Z">18:17</time>'
            ),
            utc(13, 4),
            utc(18, 17),
            "meta",
        ),
        (  # <time pubdate> and a class hint for the update
            "",
            ARTICLE.format(
                '<time pubdate datetime="2016-07-20T13:04:00Z">20 July</time>'
                '<time class="updated" datetime="2016-07-20T18:17:00Z">18:17</time>'
            ),
            utc(13, 4),
            utc(18, 17),
            "time",
        ),
        (  # a visible date line under the headline, no metadata at all
            "",
            ARTICLE.format('<p class="byline">Publié le 20 juillet 2016 à 13h04</p>'),
            utc(13, 4),
            utc(13, 4),
            "text",
        ),
    ],
)
def test_sources(head: str, body: str, published: datetime, updated: datetime, source: str) -> None:
    reading = read_stamps(page(head, body), [])
    assert (reading.published, reading.updated) == (published, updated)
    assert any(s.source == source and s.at == published for s in reading.stamps)


def test_visible_update_line_beats_metadata() -> None:
    tree = page(
        '<meta property="article:published_time" content="2016-07-20T13:04:00Z">'
        '<meta property="article:modified_time" content="2016-07-20T14:00:00Z">'
    )
    reading = read_stamps(tree, ["Intro.", "Updated 6:17 p.m. GMT", "More text."])
    assert reading.updated == utc(18, 17)
    assert Stamp("updated", "Updated 6:17 p.m. GMT", utc(18, 17), "text") in reading.stamps


def test_the_latest_of_several_update_lines_wins() -> None:
    tree = page('<meta property="article:published_time" content="2016-07-20T13:04:00Z">')
    reading = read_stamps(tree, ["تحديث 18:17 تغ", "نص", "تحديث 15:40 تغ"])
    assert reading.updated == utc(18, 17)


def test_stale_jsonld_is_outvoted_by_the_other_sources() -> None:
    tree = page(
        '<script type="application/ld+json">{"@type":"NewsArticle",'
        '"datePublished":"2015-01-16T14:53:35+01:00"}</script>'
        '<meta property="article:published_time" content="2017-12-01T12:01:11+01:00">',
        ARTICLE.format('<time class="published" datetime="2017-12-01T12:01:11+01:00">1 Dec</time>'),
    )
    assert read_stamps(tree, []).published == datetime(2017, 12, 1, 11, 1, 11, tzinfo=UTC)


def test_dates_in_related_lists_and_comments_are_ignored() -> None:
    body = (
        ARTICLE.format('<span class="date">20 July 2016</span>')
        + '<ul class="related"><li><a href="/b">Other</a><span class="date">1 May 2015</span></li>'
        '</ul><div class="comments"><span class="date">3 March 2014</span></div>'
    )
    reading = read_stamps(page("", body), [])
    assert reading.published == utc(0)


def test_configured_timezone_reads_naive_metadata() -> None:
    tree = page('<meta property="article:published_time" content="2016-07-20T16:04:00">')
    reading = read_stamps(tree, [], timezone="Asia/Riyadh")
    assert reading.published == utc(13, 4)
    assert reading.published_local is not None and reading.published_local.hour == 16


def test_relative_stamp_needs_a_fetch_time() -> None:
    tree = page('<meta property="article:published_time" content="2016-07-20T13:04:00Z">')
    lines = ["Updated 10 minutes ago"]
    fetched = utc(18, 27)
    assert read_stamps(tree, lines, fetched_at=fetched).updated == utc(18, 17)
    undated = read_stamps(tree, lines)
    assert undated.updated == utc(13, 4)
    assert Stamp("updated", "Updated 10 minutes ago", None, "text") in undated.stamps


def test_dates_after_the_fetch_are_rejected() -> None:
    tree = page(
        '<meta property="article:published_time" content="2016-07-20T13:04:00Z">'
        '<meta property="article:modified_time" content="2030-01-01T00:00:00Z">'
    )
    assert read_stamps(tree, [], fetched_at=utc(19)).updated == utc(13, 4)


def test_correction_line_is_recorded() -> None:
    tree = page('<meta property="article:published_time" content="2016-07-20T13:04:00Z">')
    note = "Correction: An earlier version of this article misspelled the minister's name."
    reading = read_stamps(tree, ["Text.", note])
    assert Stamp("correction", note, None, "text") in reading.stamps
    assert reading.updated == utc(13, 4)


def test_url_date_is_a_last_resort() -> None:
    tree = page('<link rel="canonical" href="https://example.org/2016/07/20/story/">')
    assert read_stamps(tree, []).published == utc(0)


def test_page_without_dates() -> None:
    reading = read_stamps(page("<title>x</title>", "<p>Nothing dated here.</p>"), [])
    assert reading == StampReading(None, None, [], None)


def test_local_day_is_read_from_the_visible_time_when_metadata_speaks_utc() -> None:
    tree = page(
        '<meta property="article:published_time" content="2023-11-09T01:49:09Z">',
        ARTICLE.format('<div class="time">PUBLISHED: November 8, 2023 at 5:49 p.m.</div>'),
    )
    reading = read_stamps(tree, [])
    assert reading.published == datetime(2023, 11, 9, 1, 49, 9, tzinfo=UTC)
    assert reading.published_local is not None
    assert reading.published_local.isoformat() == "2023-11-08T17:49:09-08:00"


def test_hatom_abbr_title_is_read() -> None:
    body = (
        '<div class="post"><h3>Python 3.6.0 is now available</h3><p>Text.</p>'
        '<span class="post-timestamp"><a href="/x"><abbr class="published" '
        'title="2016-12-23T05:11:00-05:00">5:11 AM</abbr></a></span></div>'
    )
    assert read_stamps(page("", body), []).published == utc(10, 11, day=23, month=12)


def test_blog_without_metadata_gets_its_date_line() -> None:
    body = (
        '<div id="main"><h1>Neuigkeiten</h1><div class="entry">'
        '<p class="newsdatum">[<a href="/2014/07/19/x/">Samstag, 19. Juli 2014</a>]</p>'
        "<h2>Landesparteitag</h2><p>Am Samstag fand der Parteitag statt.</p></div></div>"
    )
    assert read_stamps(page("", body), []).published == utc(0, day=19, year=2014)


def test_only_an_update_date_stands_for_publication() -> None:
    body = ARTICLE.format('<p class="info">Aktualisiert: 30.12.2016</p>')
    reading = read_stamps(page("", body), [])
    assert reading.published == reading.updated == utc(0, day=30, month=12)


def test_jsonld_date_arrays_and_nested_graph_items() -> None:
    tree = page(
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":[['
        '{"@type":"Comment","datePublished":"2019-01-01T00:00:00Z"},'
        '{"@type":["NewsArticle","Thing"],"datePublished":["2016-07-20T13:04:00Z"],'
        '"dateModified":["2016-07-20T18:17:00Z","2016-07-20T15:00:00Z"]}]]}</script>'
    )
    reading = read_stamps(tree, [])
    assert (reading.published, reading.updated) == (utc(13, 4), utc(18, 17))


def test_itemprop_meta_tags_in_the_body() -> None:
    body = ARTICLE.format(
        '<meta itemprop="datePublished" content="2016-07-20T16:04:00+03:00">'
        '<meta itemprop="dateModified" content="2016-07-20T21:17:00+03:00">'
    )
    reading = read_stamps(page("", body), [])
    assert (reading.published, reading.updated) == (utc(13, 4), utc(18, 17))
    assert reading.published_local is not None and reading.published_local.hour == 16


def test_dublin_core_dc_date_alone() -> None:
    tree = page('<meta name="DC.date" content="2016-07-20">')
    assert read_stamps(tree, []).published == utc(0)


def test_url_date_is_read_from_the_given_address() -> None:
    reading = read_stamps(
        page("", "<p>No date here.</p>"), [], url="https://x.example/2016/07/20/a"
    )
    assert reading.published == utc(0)
