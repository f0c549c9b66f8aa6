"""Canonical URLs: one spelling per article, table-tested."""

from __future__ import annotations

import pytest

from newswatch.urls import canonicalize, is_section_url, redact_credentials, split_credentials

CASES = [
    # scheme, host, default ports
    ("HTTPS://WWW.Example.ORG/a/1.html", "https://www.example.org/a/1.html"),
    ("https://example.org:443/a", "https://example.org/a"),
    ("http://example.org:80/a", "http://example.org/a"),
    ("http://example.org:8080/a", "http://example.org:8080/a"),
    ("https://example.org:80/a", "https://example.org:80/a"),
    ("https://user:pw@example.org/a", "https://example.org/a"),
    ("https://example.org./a", "https://example.org/a"),
    ("https://example.org", "https://example.org/"),
    # fragments and tracking parameters
    ("https://example.org/a#comments", "https://example.org/a"),
    ("https://example.org/a?utm_source=rss&utm_medium=feed", "https://example.org/a"),
    ("https://example.org/a?UTM_Campaign=x&id=3", "https://example.org/a?id=3"),
    ("https://example.org/a?fbclid=abc&gclid=d&mc_cid=e&ocid=f", "https://example.org/a"),
    ("https://example.org/a?id=3&_ga=1.2&msclkid=x#top", "https://example.org/a?id=3"),
    # remaining parameters sorted, blank values kept, encoding made uniform
    ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
    ("https://example.org/a?b=2&a=1&a=0", "https://example.org/a?a=0&a=1&b=2"),
    ("https://example.org/a?q=&p=1", "https://example.org/a?p=1&q="),
    ("https://example.org/s?q=a+b", "https://example.org/s?q=a%20b"),
    ("https://example.org/s?q=a%20b", "https://example.org/s?q=a%20b"),
    # paths: dot segments, percent-encoding, non-ASCII
    ("https://example.org/a/./b/../c", "https://example.org/a/c"),
    ("https://example.org/a/%7ex", "https://example.org/a/%7Ex"),
    ("https://example.org/ar/مقال", "https://example.org/ar/%D9%85%D9%82%D8%A7%D9%84"),
    (
        "https://example.org/ar/%d9%85%d9%82%d8%a7%d9%84",
        "https://example.org/ar/%D9%85%D9%82%D8%A7%D9%84",
    ),
    ("https://example.org/a b", "https://example.org/a%20b"),
    # a trailing slash is kept as given
    ("https://example.org/news/", "https://example.org/news/"),
    ("https://example.org/news", "https://example.org/news"),
    # not watchable
    ("mailto:desk@example.org", None),
    ("javascript:void(0)", None),
    ("ftp://example.org/a", None),
    ("#top", None),
    ("", None),
    ("https:///nohost", None),
    ("http://[::1/a", None),
]


@pytest.mark.parametrize(("url", "want"), CASES)
def test_canonicalize(url: str, want: str | None) -> None:
    assert canonicalize(url) == want


RELATIVE = [
    ("/a/2.html?utm_source=x", "https://example.org/news/", "https://example.org/a/2.html"),
    ("2.html", "https://example.org/news/", "https://example.org/news/2.html"),
    ("../b", "https://example.org/news/world/", "https://example.org/news/b"),
    ("//cdn.example.org/x", "https://example.org/", "https://cdn.example.org/x"),
    ("?page=2", "https://example.org/news/", "https://example.org/news/?page=2"),
    ("https://other.org/x", "https://example.org/", "https://other.org/x"),
]


@pytest.mark.parametrize(("url", "base", "want"), RELATIVE)
def test_relative_links_resolve_against_the_page(url: str, base: str, want: str) -> None:
    assert canonicalize(url, base) == want


def test_canonical_form_is_stable() -> None:
    for url, want in CASES:
        if want is not None:
            assert canonicalize(want) == want, url


SECTIONS = [
    ("https://e.org/news/world/2024/05/story-1.html", "https://e.org/", True),
    ("https://e.org/news/world/2024/05/story-1.html", "https://e.org/index.html", True),
    ("https://e.org/news/world/2024/05/story-1.html", "https://e.org/news/world/", True),
    ("https://e.org/news/world/story-1.html", "https://e.org/en/", True),
    ("https://e.org/news/world/story-1.html", "https://e.org/news/world/story-2.html", False),
    ("https://e.org/2024/05/story-1", "https://e.org/story-1", False),
    ("https://e.org/a/312345.html", "https://e.org/a/312345-carter.html", False),
    ("https://e.org/story", "https://e.org/other-story", False),
]


@pytest.mark.parametrize(("article", "final", "want"), SECTIONS)
def test_is_section_url(article: str, final: str, want: bool) -> None:
    assert is_section_url(article, final) is want


@pytest.mark.parametrize(
    ("url", "bare", "user", "password", "redacted"),
    [
        ("https://e.org/a", "https://e.org/a", None, None, "https://e.org/a"),
        (
            "http://reader:hunter2@e.org:8080/feed?x=1",
            "http://e.org:8080/feed?x=1",
            "reader",
            "hunter2",
            "http://reader:***@e.org:8080/feed?x=1",
        ),
        (
            "http://us%40er:p%3Aw@e.org/",
            "http://e.org/",
            "us@er",
            "p:w",
            "http://us%40er:***@e.org/",
        ),
        ("http://token@e.org/", "http://e.org/", "token", None, "http://***@e.org/"),
        ("http://a:b@[::1]:9/", "http://[::1]:9/", "a", "b", "http://a:***@[::1]:9/"),
    ],
)
def test_credentials_split_and_redacted(
    url: str, bare: str, user: str | None, password: str | None, redacted: str
) -> None:
    assert split_credentials(url) == (bare, user, password)
    assert redact_credentials(url) == redacted
    assert redact_credentials(redacted) == redacted  # redacting twice changes nothing
