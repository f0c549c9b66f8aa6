"""Discovery modules on their own: feeds, sitemaps, index pages, and what is kept."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer

from newswatch.config import parse_config
from newswatch.discover import (
    Discovered,
    choose,
    discover_index,
    discover_sitemap,
    parse_feed,
    parse_sitemap,
    parse_w3c_date,
)
from newswatch.errors import ConfigError, DiscoveryError, ExtractError, FetchError
from newswatch.extract.links import extract_links
from newswatch.fetch import Fetcher

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><link>https://E.org/a/1.html?utm_source=rss#x</link>
<pubDate>Wed, 20 Jul 2016 18:17:00 GMT</pubDate></item>
<item><guid isPermaLink="true">https://e.org/a/2.html</guid></item>
<item><link>/a/3.html</link><pubDate>not a date</pubDate></item>
<item><link>https://e.org/a/1.html</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id>
<updated>2016-07-20T18:00:00Z</updated>
<entry><id>1</id><title>One</title><link rel="alternate" href="https://e.org/a/1"/>
<published>2016-07-20T13:00:00+03:00</published><updated>2016-07-20T18:17:00Z</updated></entry>
<entry><id>2</id><title>Two</title><link href="/a/2"/>
<published>2016-07-20T10:00:00Z</published></entry>
</feed>"""


def test_rss_items_canonical_and_dated() -> None:
    items = parse_feed(RSS, "https://e.org/feed.xml")
    assert items == [
        Discovered("https://e.org/a/1.html", datetime(2016, 7, 20, 18, 17, tzinfo=UTC)),
        Discovered("https://e.org/a/2.html", None),
        Discovered("https://e.org/a/3.html", None),
    ]


def test_atom_keeps_updated_and_falls_back_to_published() -> None:
    items = parse_feed(ATOM, "https://e.org/atom.xml")
    assert items == [
        Discovered("https://e.org/a/1", datetime(2016, 7, 20, 18, 17, tzinfo=UTC)),
        Discovered("https://e.org/a/2", datetime(2016, 7, 20, 10, 0, tzinfo=UTC)),
    ]


@pytest.mark.parametrize("body", [b"<html><body>hello</body></html>", b"", b"\x00\x01binary"])
def test_not_a_feed_is_a_clear_error(body: bytes) -> None:
    with pytest.raises(DiscoveryError, match="not an RSS or Atom feed"):
        parse_feed(body, "https://e.org/feed.xml")


NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://e.org/a/1.html?utm_campaign=x</loc><lastmod>2016-07-20T18:17Z</lastmod></url>
<url><loc>https://e.org/a/2.html</loc><news:news>
  <news:publication_date>2016-07-20T13:00:00+03:00</news:publication_date></news:news></url>
<url><loc>https://e.org/a/3.html</loc><lastmod>2016-07-19</lastmod></url>
<url><loc>mailto:x@e.org</loc></url>
</urlset>"""


def test_plain_and_news_sitemap() -> None:
    sitemap = parse_sitemap(NEWS, "https://e.org/sitemap.xml")
    assert not sitemap.is_index
    assert sitemap.entries == [
        Discovered("https://e.org/a/1.html", datetime(2016, 7, 20, 18, 17, tzinfo=UTC)),
        Discovered("https://e.org/a/2.html", datetime(2016, 7, 20, 10, 0, tzinfo=UTC)),
        Discovered("https://e.org/a/3.html", datetime(2016, 7, 19, tzinfo=UTC)),
    ]
    assert parse_sitemap(gzip.compress(NEWS), "https://e.org/s.xml.gz") == sitemap


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html/>", "not a sitemap"),
        (b"<urlset", "not a readable sitemap"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><urlset>&a;</urlset>',
            "not a readable sitemap",
        ),
        (b"\x1f\x8b garbage", "corrupt gzip"),
    ],
)
def test_bad_sitemaps_are_clear_errors(body: bytes, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        parse_sitemap(body, "https://e.org/sitemap.xml")


def test_w3c_dates() -> None:
    assert parse_w3c_date("2016-07-20") == datetime(2016, 7, 20, tzinfo=UTC)
    assert parse_w3c_date("2016-07-20T21:17:00.5+03:00") == datetime(
        2016, 7, 20, 18, 17, 0, 500000, tzinfo=UTC
    )
    assert parse_w3c_date("yesterday") is None and parse_w3c_date(None) is None


def _index(entries: list[tuple[str, str]]) -> str:
    items = "".join(f"<sitemap><loc>{u}</loc><lastmod>{d}</lastmod></sitemap>" for u, d in entries)
    return (
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    )


def _urlset(urls: list[str]) -> str:
    items = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'


def test_sitemap_index_recursion_is_bounded(httpserver: HTTPServer) -> None:
    url = httpserver.url_for
    # a root index naming 5 monthly sitemaps (one gzipped, one broken), and a nested index
    httpserver.expect_request("/sitemap.xml").respond_with_data(
        _index(
            [
                (url("/2016-05.xml"), "2016-05-31"),
                (url("/2016-07.xml.gz"), "2016-07-20"),
                (url("/2016-06.xml"), "2016-06-30"),
                (url("/broken.xml"), "2016-07-19"),
                (url("/nested.xml"), "2016-07-18"),
            ]
        ),
        content_type="application/xml",
    )
    for month in ("2016-05", "2016-06"):
        httpserver.expect_request(f"/{month}.xml").respond_with_data(
            _urlset([url(f"/{month}/a.html")]), content_type="text/xml"
        )
    httpserver.expect_request("/2016-07.xml.gz").respond_with_data(
        gzip.compress(_urlset([url("/2016-07/a.html"), url("/2016-07/b.html")]).encode()),
        content_type="application/x-gzip",
    )
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    httpserver.expect_request("/nested.xml").respond_with_data(
        _index([(url("/nested.xml"), "2016-07-18")]), content_type="application/xml"
    )
    with Fetcher() as fetcher:
        newest = discover_sitemap(fetcher, url("/sitemap.xml"), max_sitemaps=3)
        assert [d.url for d in newest] == [url("/2016-07/a.html"), url("/2016-07/b.html")]
        recent = discover_sitemap(
            fetcher, url("/sitemap.xml"), newer_than=datetime(2016, 6, 15, tzinfo=UTC)
        )
        assert [d.url for d in recent] == [
            url("/2016-07/a.html"),
            url("/2016-07/b.html"),
            url("/2016-06/a.html"),
        ]
        with pytest.raises(FetchError):
            discover_sitemap(fetcher, url("/missing.xml"))  # the root itself must be read


SECTION = """<html><head><base href="/world/"></head><body>
<nav><a href="/">Home</a><a href="/world/">World</a><a href="/sport/">Sport</a></nav>
<div class="teaser"><h2><a href="2016/07/carter-visit-baghdad.html?utm_source=home">A</a></h2>
  <a href="2016/07/carter-visit-baghdad.html#comments">12 comments</a></div>
<div class="teaser"><a href="/world/312345">B</a></div>
<aside><a href="/opinion/why-the-coalition-matters-now">C</a></aside>
<a href="mailto:desk@e.org">mail</a><a href="javascript:void(0)">js</a>
</body></html>"""


def test_index_links_by_selector_pattern_and_default() -> None:
    page = "https://e.org/world/"
    teaser = ["https://e.org/world/2016/07/carter-visit-baghdad.html", "https://e.org/world/312345"]
    assert extract_links(SECTION, page, select=".teaser") == teaser
    assert extract_links(SECTION, page, select=".teaser h2 a") == teaser[:1]
    assert extract_links(SECTION, page, pattern=r"/\d+$") == teaser[1:]
    assert extract_links(SECTION, page) == [
        *teaser,
        "https://e.org/opinion/why-the-coalition-matters-now",
    ]
    with pytest.raises(ExtractError, match="invalid CSS selector"):
        extract_links(SECTION, page, select="a[")


def test_index_discovery_fetches_the_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/world/").respond_with_data(SECTION, content_type="text/html")
    with Fetcher() as fetcher:
        found = discover_index(fetcher, httpserver.url_for("/world/"), select=".teaser")
    assert [d.url.rsplit("/", 1)[-1] for d in found] == ["carter-visit-baghdad.html", "312345"]


def _source(extra: str) -> object:
    config = parse_config(
        f"sources:\n  - name: s\n    url: https://e.org/feed\n    kind: feed\n{extra}",
        environ={},
    )
    return config.sources[0]


def test_choose_keeps_recent_matching_newest_first_within_the_cap() -> None:
    now = datetime(2016, 7, 20, 18, 0, tzinfo=UTC)
    items = [
        Discovered("https://e.org/news/old", now - timedelta(days=5)),
        Discovered("https://e.org/news/undated"),
        Discovered("https://e.org/news/recent", now - timedelta(hours=3)),
        Discovered("https://e.org/video/recent", now - timedelta(hours=1)),
        Discovered("https://e.org/news/newest", now - timedelta(minutes=5)),
    ]
    source = _source("    pattern: /news/\n    max_articles: 3\n")
    kept = choose(items, source, now - timedelta(days=2))  # type: ignore[arg-type]
    assert [d.url.rsplit("/", 1)[-1] for d in kept] == ["newest", "recent", "undated"]


CONFIG_ERRORS = [
    ("    select: .teaser\n", "config.yaml:5: sources[0].select: 'select' applies to index"),
    ("    max_articles: 0\n", "config.yaml:5: sources[0].max_articles: expected a number greater"),
    ("    max_articles: many\n", "sources[0].max_articles: expected a whole number, got 'many'"),
    ("    follow_for: forever\n", "config.yaml:5: sources[0].follow_for: expected a duration"),
    ("    pattern: '(unclosed'\n", "config.yaml:5: sources[0].pattern: expected a regular exp"),
]


@pytest.mark.parametrize(("extra", "expected"), CONFIG_ERRORS)
def test_discovery_keys_are_validated_with_lines(extra: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        _source(extra)
    assert any(expected in line for line in info.value.problems), info.value.problems


def test_discovery_keys_on_an_article_or_a_bad_selector() -> None:
    text = (
        "sources:\n  - name: a\n    url: https://e.org/a\n    max_articles: 5\n"
        "  - name: b\n    url: https://e.org/\n    kind: index\n    select: 'div[['\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, environ={})
    assert info.value.problems == [
        "config.yaml:4: sources[0].max_articles: 'max_articles' applies to feed, sitemap and "
        "index sources only",
        "config.yaml:8: sources[1].select: expected a CSS selector like 'article h2 a', "
        "got 'div[['",
    ]


SYNTHETIC_INDEX = """<html><body><main>
<a href="/world/2026/05/talks-resume-in-geneva.html">talks</a>
<a href="/world/318877">B</a>
<a href="/promo/offer-2026.html">Subscribe: 50% off</a>
<a href="/subscribe-2026.html">Subscribe</a>
<a href="/account/login-2026">Log in</a>
<a href="/world/newsletter-signup.html">Newsletter</a>
<a href="/world/offer-of-talks-rejected-12.html">an article about an offer</a>
<a href="https://e.org:8443/world/2026/05/same-host-other-port.html">other port</a>
<a href="http://e.org/world/2026/05/same-host-other-scheme.html">other scheme</a>
<a href="https://www.e.org/world/2026/05/www-is-the-same-site.html">www</a>
<a href="https://elsewhere.org/world/2026/05/another-site.html">another site</a>
</main></body></html>"""


def test_default_index_heuristic_keeps_articles_of_the_same_site_only() -> None:
    """Same scheme, host and port only, and no promotion, subscription or account pages:
    they would be followed as articles that fail (or, on another port, another server)."""
    found = extract_links(SYNTHETIC_INDEX, "https://e.org/world/")
    assert found == [
        "https://e.org/world/2026/05/talks-resume-in-geneva.html",
        "https://e.org/world/318877",
        "https://e.org/world/offer-of-talks-rejected-12.html",
        "https://www.e.org/world/2026/05/www-is-the-same-site.html",
    ]
    # a selector or pattern is the user's choice: the heuristic does not second-guess it
    assert "https://e.org/promo/offer-2026.html" in extract_links(
        SYNTHETIC_INDEX, "https://e.org/world/", pattern=r"/promo/"
    )
