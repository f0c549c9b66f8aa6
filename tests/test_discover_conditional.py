"""Conditional GET for discovery: feeds, sitemaps and their children are asked for with the
validators they were last read with; a 304 is not parsed and the source says so. A real
local server honours If-None-Match/If-Modified-Since; a real SQLite file keeps the state."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newswatch.cli import main
from newswatch.config import load_config
from newswatch.discover import DiscoveryReport, DiscoveryRunner, settings_key
from newswatch.fetch import Fetcher
from newswatch.store import Store, open_store

T0 = datetime(2016, 7, 20, 18, 0, tzinfo=UTC)
FIRST = "Wed, 20 Jul 2016 17:00:00 GMT"  # Last-Modified as first served
LATER = "Wed, 20 Jul 2016 17:30:00 GMT"  # and after Doc.change


@dataclass
class Doc:
    """A document the server answers conditionally, as a well-behaved publisher does."""

    body: str
    etag: str | None = '"v1"'
    last_modified: str | None = FIRST
    status: int = 200

    def respond(self, request: Request) -> Response:
        validators = {}
        if self.etag:
            validators["ETag"] = self.etag
        if self.last_modified:
            validators["Last-Modified"] = self.last_modified
        if self.status != 200:
            return Response("unavailable", status=self.status, headers=validators)
        match = request.headers.get("If-None-Match")
        since = request.headers.get("If-Modified-Since")
        if (match is not None and match == self.etag) or (
            match is None and since is not None and since == self.last_modified
        ):
            return Response(status=304, headers=validators)
        return Response(self.body, content_type="application/xml", headers=validators)

    def change(self, body: str, etag: str) -> None:
        self.body, self.etag = body, etag
        self.last_modified = LATER


def rss(*paths: str, base: str) -> str:
    items = "".join(f"<item><link>{base}{p}</link></item>" for p in paths)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    )


def urlset(*paths: str, base: str) -> str:
    items = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'


def index(*children: tuple[str, str], base: str) -> str:
    items = "".join(
        f"<sitemap><loc>{base}{p}</loc><lastmod>{d}</lastmod></sitemap>" for p, d in children
    )
    return (
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    )


CONFIG = """\
database: {db}
sources:
  - name: feed
    url: {base}/feed.xml
    kind: feed
  - name: sitemap
    url: {base}/sitemap.xml
    kind: sitemap
    follow_for: 2d
"""


@dataclass
class Site:
    server: HTTPServer
    base: str
    docs: dict[str, Doc]
    store: Store
    runner: DiscoveryRunner
    config: Path

    def discover(self, name: str) -> DiscoveryReport:
        self.server.clear_log()
        return self.runner.run(name)

    def requests(self) -> dict[str, tuple[dict[str, str], int]]:
        """Path -> (conditional headers sent, status answered) of the last discovery."""
        out = {}
        for request, response in self.server.log:
            sent = {
                k: v
                for k, v in request.headers.items()
                if k in ("If-None-Match", "If-Modified-Since")
            }
            out[request.path] = (sent, response.status_code)
        return out

    def articles(self, source: str) -> list[str]:
        return sorted(a.url.removeprefix(self.base) for a in self.store.articles(source))


@pytest.fixture
def site(tmp_path: Path, httpserver: HTTPServer) -> Iterator[Site]:
    base = httpserver.url_for("").rstrip("/")
    docs = {
        "/feed.xml": Doc(rss("/a/1", "/a/2", base=base)),
        "/sitemap.xml": Doc(
            index(("/news.xml", "2016-07-20"), ("/june.xml", "2016-07-19"), base=base),
            etag='"i1"',
        ),
        "/news.xml": Doc(urlset("/n/1", base=base), etag='"n1"'),
        "/june.xml": Doc(urlset("/j/1", "/j/2", base=base), etag=None),
    }
    for path, doc in docs.items():
        httpserver.expect_request(path).respond_with_handler(doc.respond)
    config_path = tmp_path / "config.yaml"
    config_path.write_text(CONFIG.format(db=tmp_path / "watch.db", base=base), encoding="utf-8")
    config = load_config(config_path)
    store = open_store(tmp_path / "watch.db")
    store.sync_sources([s.spec() for s in config.sources], T0)
    with Fetcher() as fetcher:
        runner = DiscoveryRunner(store, fetcher, config.sources, clock=lambda: T0)
        try:
            yield Site(httpserver, base, docs, store, runner, config_path)
        finally:
            store.close()


def test_an_unchanged_feed_is_a_304_and_not_parsed(site: Site) -> None:
    first = site.discover("feed")
    assert (first.listed, first.new, first.not_modified) == (2, 2, False)
    assert site.requests()["/feed.xml"] == ({}, 200)

    second = site.discover("feed")
    sent, status = site.requests()["/feed.xml"]
    assert sent == {"If-None-Match": '"v1"', "If-Modified-Since": FIRST}
    assert status == 304
    assert second == DiscoveryReport("feed", not_modified=True)
    assert second.line() == "discovery     feed: not modified"
    assert site.articles("feed") == ["/a/1", "/a/2"]
    state = {s.name: s for s in site.store.source_states(T0)}["feed"]
    assert state.last_discovery_not_modified and state.last_discovered == 2

    out = CliRunner().invoke(main, ["--config", str(site.config), "sources"])
    assert out.exit_code == 0, out.output
    assert "last discovery 2016-07-20 18:00:00 UTC: not modified (2 link(s) listed" in out.output

    # the publisher adds an item: a new ETag, read and parsed again
    site.docs["/feed.xml"].change(rss("/a/3", "/a/1", "/a/2", base=site.base), '"v2"')
    third = site.discover("feed")
    assert site.requests()["/feed.xml"] == (sent, 200)
    assert (third.listed, third.new, third.not_modified) == (3, 1, False)
    assert site.articles("feed") == ["/a/1", "/a/2", "/a/3"]
    state = {s.name: s for s in site.store.source_states(T0)}["feed"]
    assert not state.last_discovery_not_modified and state.last_discovered == 3
    # and the new validators are the ones sent next
    assert site.discover("feed").not_modified
    assert site.requests()["/feed.xml"][0]["If-None-Match"] == '"v2"'


def test_a_child_sitemap_is_a_304_while_its_index_changed(site: Site) -> None:
    first = site.discover("sitemap")
    assert (first.listed, first.new, first.unchanged) == (3, 3, 0)
    assert all(sent == {} and status == 200 for sent, status in site.requests().values())

    # the news sitemap gains an article; the index moves its lastmod, June stays as it was
    base = site.base
    site.docs["/news.xml"].change(urlset("/n/2", "/n/1", base=base), '"n2"')
    site.docs["/sitemap.xml"].change(
        index(("/news.xml", "2016-07-20T17:30Z"), ("/june.xml", "2016-07-19"), base=base), '"i2"'
    )
    june = site.docs["/june.xml"]
    june.body = "<garbage that must not be parsed"  # a 304 never reaches the parser
    second = site.discover("sitemap")
    log = site.requests()
    assert log["/sitemap.xml"] == ({"If-None-Match": '"i1"', "If-Modified-Since": FIRST}, 200)
    assert log["/news.xml"][1] == 200
    # June had no ETag: its Last-Modified alone is sent back
    assert log["/june.xml"] == ({"If-Modified-Since": june.last_modified}, 304)
    assert (second.listed, second.new, second.unchanged, second.not_modified) == (2, 1, 1, False)
    assert second.line().endswith("1 sitemap(s) not modified")
    assert site.articles("sitemap") == ["/j/1", "/j/2", "/n/1", "/n/2"]

    # nothing changed anywhere: the index is a 304 and its children are not asked for
    third = site.discover("sitemap")
    assert site.requests() == {
        "/sitemap.xml": ({"If-None-Match": '"i2"', "If-Modified-Since": LATER}, 304)
    }
    assert third.not_modified


def test_validators_of_an_error_or_an_unreadable_document_are_not_kept(site: Site) -> None:
    feed = site.docs["/feed.xml"]
    feed.status = 503  # with an ETag on the error page
    assert site.discover("feed").error
    assert site.store.discovery_validators("feed", _key(site, "feed")) == []

    feed.status = 200
    feed.body = "<html>maintenance</html>"  # a 200 that is no feed
    assert "not an RSS or Atom feed" in (site.discover("feed").error or "")
    assert site.store.discovery_validators("feed", _key(site, "feed")) == []

    feed.change(rss("/a/1", base=site.base), '"v3"')
    assert site.discover("feed").new == 1
    assert site.requests()["/feed.xml"] == ({}, 200)  # nothing was sent back
    assert site.discover("feed").not_modified


def test_changed_discovery_settings_read_the_document_in_full(site: Site) -> None:
    site.discover("feed")
    assert site.discover("feed").not_modified
    # a narrower pattern: the old validators belong to other settings and are not sent
    site.config.write_text(
        site.config.read_text().replace("kind: feed\n", "kind: feed\n    pattern: /a/2$\n")
    )
    sources = load_config(site.config).sources
    with Fetcher() as fetcher:
        site.runner = DiscoveryRunner(site.store, fetcher, sources, clock=lambda: T0)
        report = site.discover("feed")
    assert site.requests()["/feed.xml"] == ({}, 200)
    assert (report.listed, report.kept, report.not_modified) == (2, 1, False)


def _key(site: Site, name: str) -> str:
    source = next(s for s in load_config(site.config).sources if s.name == name)
    return settings_key(source)
