"""The extractor on the canonical fixture and on small pages built for one behaviour each."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newswatch.errors import ExtractError
from newswatch.extract import ExtractRules, extract
from newswatch.extract.title import strip_site_name
from tests.conftest import fixture_page

FIXTURE = Path(__file__).parent / "fixtures" / "alhurra-1817"
EXPECTED: dict[str, Any] = json.loads((FIXTURE / "expected.json").read_text("utf-8"))
URL = "https://news.example.org/2024/05/story.html"
LONG = (
    "The council voted on Tuesday to extend the programme for another year, officials said, "
    "after a debate that lasted most of the afternoon and drew a large crowd to the hall."
)


def page(body: str, head: str = "", lang: str = "en") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


def story(*paragraphs: str, extra: str = "") -> str:
    """An article container with enough prose to be found, plus ``extra`` markup inside."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<article class="story"><h1>Council extends programme</h1>{body}{extra}</article>'


# --------------------------------------------------------------------------- fixture


@pytest.mark.parametrize("name", sorted(EXPECTED["pages"]))
def test_fixture_title_and_paragraphs(name: str) -> None:
    expected = EXPECTED["pages"][name]
    article = extract(fixture_page(name).read_bytes(), EXPECTED["url"])
    assert article.title == expected["title"]
    assert article.paragraphs == expected["paragraphs"]


@pytest.mark.parametrize("name", sorted(EXPECTED["pages"]))
def test_fixture_has_no_page_furniture(name: str) -> None:
    article = extract(fixture_page(name).read_bytes(), EXPECTED["url"])
    for needle in EXPECTED["must_not_contain"]:
        assert needle not in article.title, needle
        for paragraph in article.paragraphs:
            assert needle not in paragraph, needle


@pytest.mark.parametrize("name", sorted(EXPECTED["pages"]))
def test_fixture_stamps(name: str) -> None:
    expected = EXPECTED["pages"][name]
    article = extract(fixture_page(name).read_bytes(), EXPECTED["url"])
    assert article.published == datetime.fromisoformat(expected["published"])
    assert article.updated == datetime.fromisoformat(expected["updated"])


def test_fixture_language_canonical_and_json_form() -> None:
    article = extract(fixture_page("v2.html").read_bytes(), EXPECTED["url"], "Asia/Riyadh")
    assert article.language == "ar"
    assert article.canonical_url == EXPECTED["url"]
    data = article.as_dict()
    assert set(data) >= {"url", "title", "paragraphs", "published", "updated", "stamps"}
    assert data["updated"] == "2016-07-20T18:17:00+00:00"


def test_windows_1256_bytes_and_text_give_the_same_article() -> None:
    raw = (FIXTURE / "v2-cp1256.html").read_bytes()
    from_bytes = extract(raw, EXPECTED["url"])
    from_text = extract(raw.decode("windows-1256"), EXPECTED["url"])
    assert from_bytes.paragraphs == from_text.paragraphs
    assert from_bytes.title == EXPECTED["pages"]["v2-cp1256.html"]["title"]


def test_pure_same_input_same_output() -> None:
    html = (FIXTURE / "v1-noise.html").read_text("utf-8")
    assert extract(html, EXPECTED["url"]) == extract(html, EXPECTED["url"])


# --------------------------------------------------------------------------- body


def test_br_br_splits_paragraphs_and_single_br_does_not() -> None:
    html = page(
        '<div class="entry-content">'
        f"{LONG}<br><br>Second paragraph of the story, with more words in it.<br>"
        "still the second one.<br/> <br/>Third paragraph closes the story for today.</div>"
    )
    assert extract(html, URL).paragraphs == [
        LONG,
        "Second paragraph of the story, with more words in it. still the second one.",
        "Third paragraph closes the story for today.",
    ]


def test_lists_blockquotes_and_subheadings_are_paragraphs() -> None:
    html = page(
        story(
            LONG,
            LONG.replace("council", "board"),
            extra="<h2>What changes</h2><ul><li>Buses run later on weekdays.</li>"
            "<li>Fares stay the same.</li></ul>"
            "<blockquote>We listened to residents, the mayor said.</blockquote>"
            f"<p>{LONG.replace('Tuesday', 'Friday')}</p>",
        )
    )
    paragraphs = extract(html, URL).paragraphs
    assert paragraphs[2:6] == [
        "What changes",
        "Buses run later on weekdays.",
        "Fares stay the same.",
        "We listened to residents, the mayor said.",
    ]
    assert "Council extends programme" not in paragraphs  # the headline is the title


def test_furniture_inside_the_article_is_dropped() -> None:
    furniture = (
        '<figure><img src="a.jpg"><figcaption>The hall on Tuesday. Photo: J. Doe</figcaption>'
        "</figure>"
        '<div class="share-tools"><a href="#">Facebook</a> <a href="#">Share by email</a></div>'
        '<p class="read-more"><a href="/other">Read more: budget talks stall</a></p>'
        '<aside class="related"><h3>Related stories</h3><ul>'
        '<li><a href="/1">Mayor opens new bridge across the river today</a></li>'
        '<li><a href="/2">School holidays to start a week earlier this year</a></li></ul></aside>'
        '<div class="ad-slot">Advertisement</div>'
        '<div class="comments"><h3>Comments</h3><p>I disagree with this decision entirely!</p>'
        "</div>"
    )
    html = page(story(LONG, LONG.upper(), extra=furniture) + "<footer>© 2024 News</footer>")
    paragraphs = extract(html, URL).paragraphs
    assert paragraphs == [LONG, LONG.upper()]


def test_main_content_found_among_navigation_and_teasers() -> None:
    teasers = "".join(
        f'<li><a href="/t{i}">Teaser headline number {i} about something else</a></li>'
        for i in range(30)
    )
    html = page(
        f'<header><nav><ul class="menu">{teasers}</ul></nav></header>'
        '<div class="layout"><div class="sidebar"><h3>Most read</h3>'
        f'<ol class="most-read">{teasers}</ol></div>'
        f'<div class="main">{story(LONG, LONG.lower(), LONG.title())}</div></div>'
        '<footer><p class="copyright">All rights reserved, News Example Ltd, 2024.</p></footer>'
    )
    article = extract(html, URL)
    assert article.paragraphs == [LONG, LONG.lower(), LONG.title()]


def test_paragraphs_split_over_sibling_wrappers_are_all_kept() -> None:
    parts = [LONG, LONG.upper(), LONG.lower(), LONG.swapcase()]
    cards = "".join(
        f'<div class="card"><div class="card-text"><p>{p}</p></div></div>' for p in parts
    )
    html = page(f'<h1>Council extends programme</h1><div id="article-body">{cards}</div>')
    assert extract(html, URL).paragraphs == parts


OTHER = (
    "Letters to the editor arrive every week from readers across the region, and this week "
    "they wrote mostly about the weather, the trains, and the price of bread at the market."
)


def two_candidates(article_attrs: str) -> str:
    """An article and a slightly longer neutral block: detection alone picks the latter."""
    article = "".join(f"<p>{p}</p>" for p in (LONG, LONG.upper(), LONG.lower()))
    other = "".join(f"<p>{p}</p>" for p in (OTHER, OTHER.upper(), OTHER.lower(), OTHER[:60]))
    links = "".join(f'<a href="/s{i}">Section number {i} of the site</a> ' for i in range(40))
    return (
        f'<div class="top-links">{links}</div>'
        f'<div class="col-a"><div {article_attrs}>{article}</div></div>'
        f'<div class="col-b"><div>{other}</div></div>'
    )


def test_itemprop_article_body_is_preferred() -> None:
    assert extract(page(two_candidates("")), URL).paragraphs[0] == OTHER
    html = page(two_candidates('itemprop="articleBody"'))
    assert extract(html, URL).paragraphs == [LONG, LONG.upper(), LONG.lower()]


def test_jsonld_article_body_points_at_the_article() -> None:
    declared = json.dumps({"@type": "NewsArticle", "articleBody": f"{LONG} {LONG.upper()}"})
    head = f'<script type="application/ld+json">{declared}</script>'
    html = page(two_candidates(""), head)
    assert extract(html, URL).paragraphs == [LONG, LONG.upper(), LONG.lower()]


def test_hidden_text_is_not_article_text() -> None:
    html = page(
        story(
            LONG,
            extra='<p style="display: none">Hidden tracking text that nobody sees.</p>'
            "<p hidden>Also hidden from every reader of the page.</p>"
            '<p><span class="sr-only">Screen reader:</span>Visible last line of the story.</p>',
        )
    )
    assert extract(html, URL).paragraphs == [LONG, "Visible last line of the story."]


def test_wordpress_post_classes_do_not_hide_the_article() -> None:
    html = page(
        '<article class="post-42 post type-post status-publish hentry tag-sharing '
        'category-social-media author-jane">'
        f'<h1 class="entry-title">Council extends programme</h1><div class="entry-content">'
        f"<p>{LONG}</p><p>{LONG.upper()}</p></div></article>"
        '<div class="sidebar"><p>About this blog: we write about local news every day.</p></div>'
    )
    assert extract(html, URL).paragraphs == [LONG, LONG.upper()]


def test_text_keeps_what_the_page_said() -> None:
    html = page(story(f"«Quoted»\u00a0text  with\u200b odd   spacing and <b>bold</b>, {LONG}"))
    (paragraph,) = extract(html, URL).paragraphs
    assert paragraph.startswith("«Quoted» text with odd spacing and bold, The council")


# --------------------------------------------------------------------------- title, language


def test_title_prefers_h1_agreeing_with_metadata() -> None:
    head = (
        '<title>Council extends programme | News Example</title><meta property="og:title" '
        'content="Council extends programme">'
    )
    html = page(story(LONG, LONG.upper()).replace("<h1>", "<h1>\u201c"), head)
    # the h1 differs only typographically from og:title, so the visible h1 is kept
    assert extract(html, URL).title == "\u201cCouncil extends programme"


def test_title_falls_back_to_og_when_h1_is_something_else() -> None:
    head = (
        "<title>Budget: council extends programme - News Example</title>"
        '<meta property="og:title" content="Budget: council extends programme">'
    )
    html = page(
        '<h1 class="logo">News Example</h1>'
        + story(LONG).replace("<h1>Council extends programme</h1>", ""),
        head,
    )
    assert extract(html, URL).title == "Budget: council extends programme"


def test_title_from_title_tag_without_site_name() -> None:
    head = "<title>Council extends programme | News Example</title>"
    html = page(story(LONG).replace("<h1>Council extends programme</h1>", ""), head)
    assert extract(html, URL).title == "Council extends programme"


def test_title_from_jsonld_headline() -> None:
    head = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "WebSite", "name": "News"}, {"@type": ["NewsArticle"], '
        '"headline": "Council extends programme", "inLanguage": "fr-FR"}]}</script>'
    )
    html = f"<html><head>{head}</head><body><div><p>{LONG}</p></div></body></html>"
    article = extract(html, URL)
    assert article.title == "Council extends programme"
    assert article.language == "fr"


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Headline here | Site", "", "Headline here"),
        ("Headline here | Section | Site", "", "Headline here"),
        ("Site - Headline with - dash", "Site", "Headline with - dash"),
        ("A long headline - Le Monde", "Le Monde", "A long headline"),
        ("Short - Headline", "", "Short - Headline"),
    ],
)
def test_strip_site_name(title: str, site: str, expected: str) -> None:
    assert strip_site_name(title, site) == expected


def test_language_from_og_locale_when_html_has_none() -> None:
    html = (
        '<html><head><meta property="og:locale" content="de_DE"></head>'
        f"<body><article><p>{LONG}</p></article></body></html>"
    )
    assert extract(html, URL).language == "de"


# --------------------------------------------------------------------------- rules, errors


def test_rules_override_detection() -> None:
    html = page(
        f'<div class="main">{story(LONG, LONG.upper())}</div>'
        '<div class="letters"><h2 class="letters-title">Readers write</h2>'
        "<p>Short letter from a reader.</p><p class='sig'>Jane, Leeds</p></div>"
    )
    rules = ExtractRules(body="div.letters", title="h2.letters-title", drop=["p.sig"])
    article = extract(html, URL, rules=rules)
    assert article.title == "Readers write"
    assert article.paragraphs == ["Readers write", "Short letter from a reader."]


def test_rules_that_match_nothing_fall_back_to_detection() -> None:
    html = page(story(LONG, LONG.upper()))
    article = extract(html, URL, rules=ExtractRules(body="#nope"))
    assert article.paragraphs == [LONG, LONG.upper()]


def test_invalid_selector_is_an_extract_error() -> None:
    with pytest.raises(ExtractError):
        extract(page(story(LONG)), URL, rules=ExtractRules(drop=["p[["]))


def test_page_without_article_is_an_extract_error() -> None:
    with pytest.raises(ExtractError):
        extract("<html><body><script>var x = 1;</script></body></html>", URL)


def test_published_local_keeps_the_zone_the_page_wrote() -> None:
    head = '<meta property="article:published_time" content="2020-02-24T22:00:00-05:00">'
    article = extract(page(story(LONG), head), URL)
    assert article.published is not None and article.published.date().isoformat() == "2020-02-25"
    assert article.published_local is not None
    assert article.published_local.date().isoformat() == "2020-02-24"
    assert "published_local" not in article.as_dict()  # the JSON contract is unchanged


def test_a_page_with_a_title_and_dates_but_no_body_is_an_article() -> None:
    html = (
        "<html><head><title>Live: storm updates</title>"
        '<meta property="article:published_time" content="2020-02-24T10:00:00Z"></head>'
        '<body><div id="root"></div><script>render()</script></body></html>'
    )
    article = extract(html, URL)
    assert article.title == "Live: storm updates" and article.paragraphs == []
    assert article.published is not None


def test_the_address_dates_a_page_with_no_other_date() -> None:
    article = extract(page(story(LONG)), "https://news.example.org/2024/05/17/story.html")
    assert article.published is not None and article.published.date().isoformat() == "2024-05-17"
