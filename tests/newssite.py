"""A simulated news site on a real local HTTP server, driven by the test between checks.

It serves an RSS feed, an Atom feed, a sitemap index (a news sitemap and a gzipped archive),
a section page and a home page, and the articles themselves; the test publishes, revises,
moves and removes articles and moves the publisher dates, then runs discovery and checks
on an injected clock.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


class FakeClock:
    """The injected clock: starts at a whole second near the real now, moves on demand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = (start or datetime.now(UTC)).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Story:
    slug: str
    title: str
    paragraphs: list[str]
    updated: datetime
    status: int = 200
    redirect: str | None = None  # a path the article URL now redirects to
    canonical: str | None = None  # a path for <link rel=canonical>
    in_feed: bool = True
    in_sitemap: bool = True
    in_section: bool = True
    feed_query: str = "?utm_source=rss&utm_medium=feed"

    @property
    def path(self) -> str:
        return f"/news/{self.slug}.html"

    def html(self) -> str:
        canonical = f'<link rel="canonical" href="{self.canonical}">' if self.canonical else ""
        body = "".join(f"<p>{p}</p>" for p in self.paragraphs)
        return (
            f"<html><head><title>{self.title} | Daily</title>{canonical}</head><body>"
            '<nav><a href="/">Home</a> <a href="/news/">News</a></nav>'
            f"<article><h1>{self.title}</h1>{body}</article>"
            "<footer>Daily Example, all rights reserved</footer></body></html>"
        )


def text(n: int, topic: str) -> list[str]:
    return [
        f"{topic}: paragraph {i} tells readers what happened and what officials said about it "
        f"on the day, with enough words to read as body text."
        for i in range(1, n + 1)
    ]


@dataclass
class NewsSite:
    server: HTTPServer
    stories: dict[str, Story] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    hooks: list[dict[str, object]] = field(default_factory=list)
    archive_date: datetime = datetime(2020, 1, 1, tzinfo=UTC)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.server.expect_request("/hook", method="POST").respond_with_handler(self._hook)
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._route)

    def url(self, path: str) -> str:
        return self.server.url_for(path)

    def add(self, story: Story) -> Story:
        with self._lock:
            self.stories[story.slug] = story
        return story

    # ------------------------------------------------------------------ documents

    def rss(self) -> str:
        items = "".join(
            f"<item><title>{s.title}</title><link>{self.url(s.path)}{s.feed_query}</link>"
            f"<guid isPermaLink='false'>{s.slug}</guid>"
            f"<pubDate>{format_datetime(s.updated)}</pubDate></item>"
            for s in self.stories.values()
            if s.in_feed
        )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Daily</title>'
            f"<link>{self.url('/')}</link>{items}</channel></rss>"
        )

    def atom(self) -> str:
        entries = "".join(
            f"<entry><title>{s.title}</title><id>tag:daily,{s.slug}</id>"
            f'<link rel="alternate" href="{s.path}#top"/>'
            f"<updated>{s.updated.isoformat()}</updated></entry>"
            for s in self.stories.values()
            if s.in_feed
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom" '
            f'xml:base="{self.url("/")}"><title>Daily</title><id>tag:daily</id>'
            f"<updated>2024-01-01T00:00:00Z</updated>{entries}</feed>"
        )

    def sitemap_index(self) -> str:
        newest = max((s.updated for s in self.stories.values()), default=self.archive_date)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{self.url('/sitemap-news.xml')}</loc>"
            f"<lastmod>{newest.isoformat()}</lastmod></sitemap>"
            f"<sitemap><loc>{self.url('/sitemap-2020.xml.gz')}</loc>"
            f"<lastmod>{self.archive_date.date().isoformat()}</lastmod></sitemap>"
            "</sitemapindex>"
        )

    def news_sitemap(self) -> str:
        urls = "".join(
            f"<url><loc>{self.url(s.path)}</loc>"
            f"<lastmod>{s.updated.isoformat()}</lastmod>"
            "<news:news><news:publication><news:name>Daily</news:name>"
            "<news:language>en</news:language></news:publication>"
            f"<news:title>{s.title}</news:title></news:news></url>"
            for s in self.stories.values()
            if s.in_sitemap
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"{urls}</urlset>"
        )

    def archive(self) -> bytes:
        doc = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{self.url('/news/old-story-2020.html')}</loc>"
            f"<lastmod>{self.archive_date.date().isoformat()}</lastmod></url></urlset>"
        )
        return gzip.compress(doc.encode())

    def section(self) -> str:
        teasers = "".join(
            f'<div class="teaser"><h2><a href="{s.slug}.html#comments">{s.title}</a></h2></div>'
            for s in self.stories.values()
            if s.in_section
        )
        return (
            "<html><head><title>News | Daily</title></head><body>"
            '<nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/sport/">Sport</a>'
            ' <a href="/about-us">About</a></nav>'
            f'<main><h1>News</h1>{teasers}</main><a href="/privacy">Privacy</a></body></html>'
        )

    def home(self) -> str:
        return (
            "<html><head><title>Daily Example</title></head><body><h1>Daily Example</h1>"
            '<ul class="most-read"><li><a href="/news/">All the news of the day</a></li></ul>'
            "<p>Welcome to the front page of Daily Example, the paper of record.</p>"
            "</body></html>"
        )

    # ------------------------------------------------------------------ serving

    def _hook(self, request: Request) -> Response:
        self.hooks.append(json.loads(request.get_data()))
        return Response("", status=200)

    def _route(self, request: Request) -> Response:
        path = request.path
        with self._lock:
            self.hits[path] += 1
            xml = "application/xml"
            if path == "/feed.xml":
                return Response(self.rss(), content_type="application/rss+xml")
            if path == "/atom.xml":
                return Response(self.atom(), content_type="application/atom+xml")
            if path == "/sitemap.xml":
                return Response(self.sitemap_index(), content_type=xml)
            if path == "/sitemap-news.xml":
                return Response(self.news_sitemap(), content_type=xml)
            if path == "/sitemap-2020.xml.gz":
                return Response(self.archive(), content_type="application/x-gzip")
            if path == "/news/":
                return Response(self.section(), content_type="text/html; charset=utf-8")
            if path == "/":
                return Response(self.home(), content_type="text/html; charset=utf-8")
            for story in self.stories.values():
                if path == story.path:
                    if story.redirect:
                        return Response("", status=302, headers={"Location": story.redirect})
                    if story.status != 200:
                        return Response("gone", status=story.status, content_type="text/html")
                    return Response(story.html(), content_type="text/html; charset=utf-8")
                if story.redirect is not None and path == story.redirect:
                    moved = Story(story.slug, story.title, story.paragraphs, story.updated)
                    return Response(moved.html(), content_type="text/html; charset=utf-8")
        return Response("not found", status=404, content_type="text/html")
