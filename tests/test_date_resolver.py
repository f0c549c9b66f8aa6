"""The date resolver: which candidate wins (markup, dateline, text stamps, address, image) and
the reason it says; addresses in every form; stamp lines the classes of issue 12 named.

Synthetic pages only, one behaviour each; no site is named.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswatch.extract import extract, extract_dates
from newswatch.extract.markup import url_date
from newswatch.extract.textstamps import stamps_in_lines

PROSE = (
    "The council voted on Tuesday to extend the programme for another year, officials said, "
    "after a debate that lasted most of the afternoon and drew a large crowd to the hall."
)


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head><title>Story</title>{head}</head><body>{body}</body></html>"


def story(*lines: str, before: str = "") -> str:
    inner = "".join(f"<p>{line}</p>" for line in lines)
    return page(f"<article><h1>Council extends programme</h1>{before}<div>{inner}</div></article>")


# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("address", "day"),
    [
        ("https://news.example/2024/03/14/council-story/", "2024-03-14"),
        ("https://news.example/news/2024-03-14-council-story", "2024-03-14"),
        ("https://news.example/news/14-03-2024/council-story", "2024-03-14"),
        ("https://news.example/archiv/14.03.2024/council.html", "2024-03-14"),
        ("https://news.example/news/council-story_20240314_1.html", "2024-03-14"),
        ("https://news.example/20240314/council-story", "2024-03-14"),
        ("https://news.example/2024/3/4/council", "2024-03-04"),
        # not dates: an id holding digits, a month alone, a query string
        ("https://news.example/news/120200622120908039/council", None),
        ("https://news.example/2024/03/council", None),
        ("https://news.example/story?date=2024-03-14", None),
        ("https://news.example/news/31-02-2024/council", None),
    ],
)
def test_dates_in_addresses(address: str, day: str | None) -> None:
    found = url_date(address)
    assert (found.date().isoformat() if found else None) == day


def test_a_page_whose_only_date_is_a_day_first_address() -> None:
    html = story(PROSE, PROSE.upper())
    article = extract(html, "https://news.example/news/14-03-2024/council-story")
    assert article.published == datetime(2024, 3, 14, tzinfo=UTC)


# --------------------------------------------------------------------------- weighing


def test_a_dated_text_stamp_with_a_time_outranks_the_day_in_the_address() -> None:
    html = story("Published 14 March 2024 18:17 GMT", PROSE)
    article = extract(html, "https://news.example/2024/03/13/council-story/")
    assert article.published == datetime(2024, 3, 14, 18, 17, tzinfo=UTC)


def test_a_dateline_opening_the_story_dates_a_page_without_markup() -> None:
    html = story(f"BERLIN, 27.1.2022 – {PROSE}", PROSE.upper())
    for reading in (extract(html, "https://news.example/a"), extract_dates(html, "https://x/a")):
        assert reading.published == datetime(2022, 1, 27, tzinfo=UTC)


@pytest.mark.parametrize(
    ("opening", "day"),
    [
        (f"01.02.2022 \u201eThe labour market started the year well,\u201c {PROSE}", (2022, 2, 1)),
        (f"(21. November 2022) {PROSE}", (2022, 11, 21)),
        (f"Karlsruhe, (12.11.2021). {PROSE}", (2021, 11, 12)),
    ],
)
def test_a_story_opening_with_its_date_and_no_dash_is_dated_by_it(
    opening: str, day: tuple[int, int, int]
) -> None:
    html = story(opening, PROSE.upper())
    for reading in (extract(html, "https://news.example/a"), extract_dates(html, "https://x/a")):
        assert reading.published == datetime(*day, tzinfo=UTC)


def test_a_year_opening_a_sentence_is_no_dateline() -> None:
    html = story(f"2021 was a hard year for the council. {PROSE}", PROSE.upper())
    assert extract_dates(html, "https://news.example/a").published is None


def _redated(shown: str) -> str:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "2021-11-22T18:42:22+01:00",'
        ' "dateModified": "2023-01-01T10:00:00+01:00"}</script>'
        '<meta property="article:published_time" content="2021-11-22T17:42:22Z">'
    )
    return page(f"<article><h1>Story</h1>{shown}<p>{PROSE}</p></article>", head)


def test_the_date_readers_see_wins_when_the_markup_confirms_the_story_was_redated() -> None:
    html = _redated("<time>1 January 2023</time>")
    for reading in (extract(html, "https://news.example/a"), extract_dates(html, "https://x/a")):
        assert reading.published_local is not None
        assert reading.published_local.date().isoformat() == "2023-01-01"
        chosen = next(s for s in reading.stamps if s.reason and s.kind == "published")
        assert "first draft" in chosen.reason


def test_a_shown_date_the_markup_does_not_confirm_stays_outvoted() -> None:
    html = _redated("<time>5 December 2022</time>")
    reading = extract_dates(html, "https://news.example/a")
    assert reading.published_local is not None
    assert reading.published_local.date().isoformat() == "2021-11-22"


def test_a_year_from_a_nearby_link_does_not_complete_the_date_line() -> None:
    html = page(
        "<article><h1>Story</h1><div class='meta'><span>14 March</span>"
        "<a href='/review'>2019 in review</a></div>"
        f"<p>{PROSE}</p></article>"
    )
    reading = extract_dates(html, "https://news.example/2024/03/14/story")
    assert reading.published == datetime(2024, 3, 14, tzinfo=UTC)
    # a date that is a link, or a year linked to its archive, is still the line's own
    for line in (
        "By <a href='/jane'>Jane Doe</a> on <a href='/p/1'>14 March 2019</a>",
        "14 March <a href='/archive/2019/'>2019</a>",
    ):
        html = page(
            f"<article><h1>Story</h1><div class='meta'>{line}</div><p>{PROSE}</p></article>"
        )
        assert extract_dates(html, "https://news.example/story").published == datetime(
            2019, 3, 14, tzinfo=UTC
        )


def test_an_event_schedule_by_the_headline_is_no_stamp() -> None:
    html = page(
        "<article><div class='head'><h1>Story</h1>"
        "<div class='info'>Webinar 19.1.23, 10:00-11:30 Uhr</div></div>"
        f"<div class='body'><div class='post-date'>20.12.2022</div><p>{PROSE}</p></div></article>"
    )
    for reading in (extract(html, "https://news.example/a"), extract_dates(html, "https://x/a")):
        assert reading.published == datetime(2022, 12, 20, tzinfo=UTC)
    assert stamps_in_lines(["Updated 14 March 2024, 9.30 - 11.00 h"]) == []


def test_the_markups_only_date_outranks_a_date_line_found_anywhere() -> None:
    head = '<meta itemprop="dateModified" content="2020-02-14 10:47:36">'
    html = page(f"<div><p>{PROSE}</p><div class='box'><span>2012-10-26</span></div></div>", head)
    for reading in (extract(html, "https://news.example/a"), extract_dates(html, "https://x/a")):
        assert reading.published == datetime(2020, 2, 14, 10, 47, 36, tzinfo=UTC)
    # the address still speaks first: it is where the story was filed
    assert extract_dates(html, "https://x/2020/01/30/a").published == datetime(
        2020, 1, 30, tzinfo=UTC
    )


def test_a_posts_author_line_dates_a_page_with_no_markup() -> None:
    html = page(
        "<table><tr><td>Latest: <a href='/t9'>Rules</a> 24/03/16, 02:31 pm</td></tr></table>"
        "<div class='post'><h3>Forum rules</h3>"
        "<p class='author'>by <strong>lupa</strong> on 26/10/13, 03:48 pm</p>"
        f"<div class='post-entry'><p>{PROSE}</p></div></div>"
    )
    assert extract_dates(html, "https://x/t7-rules").published == datetime(
        2013, 10, 26, 15, 48, tzinfo=UTC
    )


def test_a_page_rendered_from_script_data_is_dated_by_it() -> None:
    state = (
        '<script>window.__STATE__ = JSON.parse("{\\"story\\":{\\"body\\":\\"...\\",'
        '\\"createdAt\\":\\"2022-01-31T15:58:43+01:00\\"}}")</script>'
    )
    html = page(f"<div id='app'><p>{PROSE}</p></div>{state}")
    reading = extract_dates(html, "https://news.example/a")
    assert reading.published == datetime(2022, 1, 31, 14, 58, 43, tzinfo=UTC)
    # a day alone in app data (a calendar's, a build's) is no publication date
    plain = page(
        f'<div id=\'app\'><p>{PROSE}</p></div><script>x = {{"createdAt": "2022-01-31"}}</script>'
    )
    assert extract_dates(plain, "https://news.example/a").published is None


@pytest.mark.parametrize(
    "sentence",
    [
        "This entry was posted on Saturday, December 3rd, 2011 at 10:15 am and is filed under"
        " <a href='/c/news'>News</a>. You can follow any responses to this entry through the"
        " <a href='/feed'>RSS 2.0</a> feed.",
        "Dieser Beitrag wurde am Samstag, 3. Dezember 2011 um 10:15 Uhr veröffentlicht und unter"
        " <a href='/c/recht'>Recht</a> gespeichert. Sie können Kommentare zu diesem Eintrag über"
        " den <a href='/feed'>RSS-2.0</a>-Feed verfolgen.",
    ],
)
def test_a_blog_posts_metadata_sentence_dates_it(sentence: str) -> None:
    html = page(
        f"<div class='post'><h2>Story</h2><div class='entry'><p>{PROSE}</p><p>{PROSE}</p></div>"
        f"<p class='postmetadata'><small>{sentence}</small></p></div>"
    )
    for reading in (extract(html, "https://x/2011/12/a/"), extract_dates(html, "https://x/a")):
        assert reading.published == datetime(2011, 12, 3, 10, 15, tzinfo=UTC)


def test_the_image_address_is_the_last_resort() -> None:
    head = '<meta property="og:image" content="https://news.example/files/2016/05/04/a.png">'
    html = page(f"<div><p>{PROSE}</p></div>", head)
    assert extract_dates(html, "https://news.example/report").published == datetime(
        2016, 5, 4, tzinfo=UTC
    )


def test_the_chosen_stamps_say_why() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "2024-03-14T09:00:00Z", "dateModified": "2024-03-15T10:00:00Z"}'
        '</script><meta property="article:published_time" content="2024-03-14T09:00:00Z">'
        '<meta name="date" content="2020-01-01">'
    )
    html = page(f"<article><h1>Story</h1><p>{PROSE}</p></article>", head)
    article = extract(html, "https://news.example/a")
    reasons = {s.kind: s.reason for s in article.stamps if s.reason}
    assert reasons["published"].startswith(
        "chosen as published: JSON-LD + meta tags say 2024-03-14"
    )
    assert reasons["updated"].startswith("chosen as updated:")
    chosen = next(s for s in article.stamps if s.reason and s.kind == "published")
    assert chosen.as_dict()["reason"] == chosen.reason
    others = [s.as_dict() for s in article.stamps if not s.reason]
    assert others and all("reason" not in d for d in others)


def test_a_date_column_inside_the_article_is_the_articles() -> None:
    html = page(
        "<article><h1>Story</h1><div class='row'><aside class='col-2'><ul>"
        "<li class='item'>Science</li><li class='item item-date'>26.02.2020</li></ul></aside>"
        f"<div class='col-8'><p>{PROSE}</p></div></div></article>"
        "<aside class='sidebar'><p>Other story, 01.01.2019</p></aside>"
    )
    assert extract_dates(html, "https://news.example/a").published == datetime(
        2020, 2, 26, tzinfo=UTC
    )


# --------------------------------------------------------------------------- stamp lines


def test_two_stamps_on_one_byline_line_give_both() -> None:
    html = page(
        "<article><h1>Story</h1>"
        "<div class='byline'>Published 20 July 2016 10:02 Updated 21 July 2016 18:17</div>"
        f"<p>{PROSE}</p></article>"
    )
    article = extract(html, "https://news.example/a")
    assert article.published == datetime(2016, 7, 20, 10, 2, tzinfo=UTC)
    assert article.updated == datetime(2016, 7, 21, 18, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    "line",
    [
        "Created: 20 July 2016 10:02 | Updated: 21 July 2016 18:17",
        "Date created 20.07.2016 10:02, last modified 21.07.2016 18:17",
        "Créé le 20 juillet 2016 à 10h02, mis à jour le 21 juillet 2016 à 18h17",
        "Erstellt am 20.07.2016, 10:02 Uhr, aktualisiert am 21.07.2016, 18:17 Uhr",
        "Creado el 20 de julio de 2016 10:02 · Actualizado el 21 de julio de 2016 18:17",
        "Creato il 20 luglio 2016 10:02 | Aggiornato il 21 luglio 2016 18:17",
        "Создано 20 июля 2016, 10:02 | Обновлено 21 июля 2016, 18:17",
        "Oluşturulma: 20 Temmuz 2016 10:02 | Güncelleme: 21 Temmuz 2016 18:17",
        "تاريخ الإنشاء 20 يوليو 2016 10:02 | آخر تحديث 21 يوليو 2016 18:17",
        "تاریخ ایجاد ۲۰ ژوئیه ۲۰۱۶ ۱۰:۰۲ | به‌روزرسانی ۲۱ ژوئیه ۲۰۱۶ ۱۸:۱۷",
        "Utworzono 20 lipca 2016 10:02 | Aktualizacja 21 lipca 2016 18:17",
        "Date de création 20/07/2016 10:02 - Dernière modification 21/07/2016 18:17",
        "Fecha de creación 20/07/2016 10:02 Última modificación 21/07/2016 18:17",
        "Создан 20.07.2016 10:02, изменён 21.07.2016 18:17",
    ],
)
def test_created_and_updated_labels_are_told_apart(line: str) -> None:
    found = stamps_in_lines([line])
    assert [(s.kind, s.at) for s in found] == [
        ("published", datetime(2016, 7, 20, 10, 2, tzinfo=UTC)),
        ("updated", datetime(2016, 7, 21, 18, 17, tzinfo=UTC)),
    ]


def test_a_german_posted_on_sentence_is_a_publish_stamp() -> None:
    found = stamps_in_lines(["Dieser Artikel wurde am 14. Dezember 2015 um 14:48 veröffentlicht"])
    assert [(s.kind, s.at) for s in found] == [
        ("published", datetime(2015, 12, 14, 14, 48, tzinfo=UTC))
    ]


def test_a_time_only_update_line_between_byline_and_body_is_read() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "datePublished": "2016-07-20T13:04:00Z"}</script>'
    )
    html = page(
        "<div class='head'><h1>Council extends programme</h1><p>By Jane Doe</p>"
        "<p>Updated 18:17 GMT</p></div>"
        f"<div class='text'><p>{PROSE}</p><p>{PROSE.upper()}</p></div>",
        head,
    )
    article = extract(html, "https://news.example/a")
    assert article.paragraphs == [PROSE, PROSE.upper()]
    assert article.updated == datetime(2016, 7, 20, 18, 17, tzinfo=UTC)


def test_a_time_only_update_in_a_date_element_is_dated_from_the_article() -> None:
    head = '<meta property="article:published_time" content="2016-07-20T13:04:00Z">'
    html = page(
        "<article><h1>Story</h1><span class='updated-time'>Updated 18:17 GMT</span>"
        f"<p>{PROSE}</p></article>",
        head,
    )
    assert extract_dates(html, "https://news.example/a").updated == datetime(
        2016, 7, 20, 18, 17, tzinfo=UTC
    )


def test_a_stamps_text_holds_the_stamp_not_the_furniture() -> None:
    html = page(
        "<article><h1>Story</h1><div class='meta'>By Demo Desk 2024-03-14 83897 views</div>"
        f"<p>{PROSE}</p></article>"
    )
    article = extract(html, "https://news.example/a")
    texts = [s.text for s in article.stamps if s.source == "text"]
    assert texts == ["2024-03-14"]
    assert article.published == datetime(2024, 3, 14, tzinfo=UTC)
