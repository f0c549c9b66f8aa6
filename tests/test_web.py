"""The web view in-process (Starlette's test client over the real ASGI app) on real
databases built through the pipeline: pages, filters, keyset pages, search, feeds, escaping,
the token, and the read-only guarantee."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from newswatch.cli import main
from newswatch.errors import StoreError
from newswatch.store import ChangeFilter, open_store
from newswatch.web import create_app
from newswatch.web.security import CSP
from tests.conftest import PageServer
from tests.history_db import build_alhurra, build_hostile, check_sequence


@pytest.fixture
def alhurra(tmp_path: Path, site: PageServer) -> Path:
    build_alhurra(tmp_path, site)
    return tmp_path / "watch.db"


@pytest.fixture
def client(alhurra: Path) -> TestClient:
    return TestClient(create_app(open_store(alhurra, readonly=True)))


def test_change_list_article_and_diff(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert home.headers["content-security-policy"] == CSP
    assert home.text.count('<tr class="change">') == 2
    assert "silent edit" in home.text and "كارتر: شركاؤنا" in home.text

    article = client.get("/articles/1")
    assert article.status_code == 200
    assert '<div class="text" dir="rtl" lang="ar">' in article.text
    assert article.text.count('<tr id="v') == 3
    assert "“تحديث 18:17 تغ”</span> (updated 2016-07-20 18:17 UTC)" in article.text
    first = client.get("/articles/1?v=1")
    assert "وزراء دفاع وخارجية التحالف الدولي ضد داعش يجتمعون قرب واشنطن" in first.text

    side = client.get("/articles/1/diff?from=1&to=2")
    assert '<table class="diff side" dir="rtl">' in side.text
    assert "update stamp moved to 2016-07-20 18:17 UTC" in side.text
    assert re.search(r'class="op-added stamp-line">.*<ins>تحديث 18:17 تغ</ins>', side.text)
    inline = client.get("/articles/1/diff?from=2&to=3&view=inline")
    assert "<del>آشتون</del> <ins>كارتر</ins>" in inline.text
    assert "silent edit: no update stamp moved" in inline.text
    backwards = client.get("/articles/1/diff?from=3&to=1")
    assert backwards.status_code == 200 and "<del>تحديث 18:17 تغ</del>" in backwards.text


def test_errors_are_pages_not_tracebacks(client: TestClient) -> None:
    assert client.get("/articles/99").status_code == 404
    assert client.get("/articles/1?v=7").status_code == 404
    assert client.get("/articles/1/diff?from=1&to=9").status_code == 404
    bad = client.get("/?kind=bogus")
    assert bad.status_code == 400 and "unknown kind" in bad.text
    assert client.get("/?before=abc").status_code == 400
    assert client.get("/?since=yesterday").status_code == 400
    assert client.get("/sources/nope/feed.atom").status_code == 404
    assert client.post("/").status_code == 405


def test_since_and_until_read_like_the_cli_filters(client: TestClient) -> None:
    """The README promises the CLI's filters: ``since=7d`` is a week back from now."""
    week = client.get("/?since=7d")
    assert week.status_code == 200 and week.text.count('<tr class="change">') == 2
    assert client.get("/?since=7d&kind=silent").text.count('<tr class="change">') == 1
    assert client.get("/?until=30d").text.count('<tr class="change">') == 0
    assert client.get("/?since=2016-07-20T18:00").text.count('<tr class="change">') == 2
    bad = client.get("/?since=7 days")
    assert bad.status_code == 400 and "duration back from now" in bad.text


def test_filters_and_links(client: TestClient, site: PageServer) -> None:
    silent = client.get("/?kind=silent")
    assert silent.text.count('<tr class="change">') == 1 and "v2&nbsp;→&nbsp;v3" in silent.text
    assert client.get("/?severity=major").text.count('<tr class="change">') == 1
    assert client.get("/?source=alhurra&kind=title").text.count('<tr class="change">') == 1
    assert "No change matches" in client.get("/?until=2016-07-20").text
    by_url = client.get("/article", params={"url": site.url}, follow_redirects=False)
    assert by_url.status_code == 303 and by_url.headers["location"] == "/articles/1"


def test_keyset_pages(tmp_path: Path, site: PageServer) -> None:
    config = build_alhurra(tmp_path, site)
    # 6 changes: two edits, then four reverts between v2 and v3 (no new version numbers)
    check_sequence(config, site, ("v2.html", "v3.html", "v2.html", "v3.html"))
    store = open_store(tmp_path / "watch.db", readonly=True)
    first = store.change_page(ChangeFilter(), limit=4)
    assert [c.to_n for c in first.changes] == [3, 2, 3, 2] and first.newer is None
    assert {c.kind for c in first.changes} == {"revert"}
    assert first.older is not None
    second = store.change_page(ChangeFilter(), before=first.older, limit=4)
    assert [(c.from_n, c.to_n) for c in second.changes] == [(2, 3), (1, 2)]
    assert second.older is None and second.newer is not None
    back = store.change_page(ChangeFilter(), after=second.newer, limit=4)
    assert [c.id for c in back.changes] == [c.id for c in first.changes]
    silent = store.change_page(ChangeFilter(kinds=("silent",)), limit=1)
    assert [c.id for c in silent.changes] == [first.changes[0].id] and silent.older is not None

    client = TestClient(create_app(store, page_size=4))
    page1 = client.get("/?kind=silent")  # five silent edits: v2->v3, then the reverts
    assert page1.text.count('<tr class="change">') == 4
    assert 'href="/?kind=silent&amp;before=' in page1.text
    many = client.get("/")
    link = re.search(r'href="/\?before=(\d+)"', many.text)
    assert link is not None
    page2 = client.get(f"/?before={link.group(1)}")
    assert page2.text.count('<tr class="change">') == 2
    assert 'rel="prev" href="/?after=' in page2.text


def test_search_finds_old_sentences(client: TestClient) -> None:
    old = "يتبعه اجتماع آخر الخميس يشارك فيه وزراء خارجية تلك الدول"
    found = client.get("/search", params={"q": old})
    assert found.text.count('<div class="hit">') == 1
    assert "said in v1–v3" in found.text and "<mark>يتبعه</mark>" in found.text
    # the silent edit replaced this phrase: only v2 ever said it
    gone = " ".join(client.get("/search", params={"q": '"آشتون على هامش"'}).text.split())
    assert "said in v2 (1 of 3 version(s))" in gone
    phrase = client.get("/search", params={"q": '"الأربعاء والخميس قرب واشنطن"'})
    assert phrase.text.count('<div class="hit">') == 1
    assert "No version" in client.get("/search", params={"q": '"واشنطن قرب والخميس"'}).text
    # FTS syntax in the query is only words, never an error
    for odd in ('AND OR "', "*", "title:x", "NEAR(a b)", "'; DROP TABLE versions; --"):
        assert client.get("/search", params={"q": odd}).status_code == 200
    # harakat and tatweel in the query fold away as in the index
    assert client.get("/search", params={"q": "داعـــش"}).text.count('<div class="hit">') == 1


def test_atom_feeds_parse_and_keep_their_ids(alhurra: Path, client: TestClient) -> None:
    body = client.get("/feed.atom")
    assert body.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(body.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.id == "urn:newswatch:changes"
    ids = [e.id for e in feed.entries]
    assert len(ids) == 2 and all(i.startswith("urn:newswatch:change:") for i in ids)
    assert feed.entries[0].link.endswith("/articles/1/diff?from=2&to=3")
    assert "silent edit" in feed.entries[0].title
    assert "<del>آشتون</del>" in feed.entries[0].content[0].value
    per_source = feedparser.parse(client.get("/sources/alhurra/feed.atom").content)
    assert not per_source.bozo and [e.id for e in per_source.entries] == ids
    # a restart (a new app over the same file) gives the same entries and feed date
    again = TestClient(create_app(open_store(alhurra, readonly=True))).get("/feed.atom")
    assert again.content == body.content


def test_hostile_page_is_inert(tmp_path: Path, site: PageServer) -> None:
    build_hostile(tmp_path, site)
    client = TestClient(create_app(open_store(tmp_path / "watch.db", readonly=True)))
    pages = [
        client.get("/").text,
        client.get("/articles/1").text,
        client.get("/articles/1?v=1").text,
        client.get("/articles/1/diff?from=1&to=2").text,
        client.get("/articles/1/diff?from=1&to=2&view=inline").text,
        client.get("/search", params={"q": "onerror"}).text,
    ]
    for html in pages:
        assert "<script" not in html.lower()
        assert not re.search(r"<[^>]*\son\w+\s*=", html)  # no event handler in any tag
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.I)
        assert "<img" not in html and "<svg" not in html and "<iframe" not in html
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in pages[0]
    assert "&lt;img src=x onerror=" in pages[2]
    feed = client.get("/feed.atom").content
    parsed = feedparser.parse(feed)
    assert not parsed.bozo
    assert parsed.entries[0].title.startswith('<script>alert("title")</script>')
    assert b"<script" not in feed  # the XML holds it escaped, never as markup


def test_token(alhurra: Path) -> None:
    token = "s3cret-token-value"
    client = TestClient(create_app(open_store(alhurra, readonly=True), token=token))
    assert client.get("/").status_code == 401
    assert client.get("/", params={"token": "wrong"}).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/feed.atom", headers={"X-Newswatch-Token": token}).status_code == 200
    first = client.get("/", params={"token": token})
    assert first.status_code == 200
    assert "HttpOnly" in first.headers["set-cookie"] and token not in first.headers["set-cookie"]
    assert client.get("/articles/1").status_code == 200  # the cookie now carries it
    client.cookies.clear()
    assert client.get("/articles/1").status_code == 401


def test_view_never_writes(alhurra: Path) -> None:
    before = alhurra.read_bytes()
    store = open_store(alhurra, readonly=True)
    client = TestClient(create_app(store))
    for url in ("/", "/articles/1", "/articles/1/diff", "/search?q=x", "/feed.atom"):
        assert client.get(url).status_code == 200
    assert not hasattr(store, "sync_sources") and not hasattr(store, "apply")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        store.connection.conn.execute("DELETE FROM versions")  # type: ignore[attr-defined]
    store.close()
    assert alhurra.read_bytes() == before


def test_readonly_refuses_missing_and_old_files(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database"):
        open_store(tmp_path / "none.db", readonly=True)
    path = tmp_path / "old.db"
    open_store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM schema_migrations WHERE version > 1")
    with pytest.raises(StoreError, match="schema version 1"):
        open_store(path, readonly=True)


def test_serve_config_is_validated(tmp_path: Path, site: PageServer) -> None:
    config = build_alhurra(tmp_path, site)
    text = config.read_text() + "serve:\n  port: 99999\n  token: short\n"
    config.write_text(text)
    result = CliRunner().invoke(main, ["--config", str(config), "serve"])
    assert result.exit_code == 2
    assert "serve.port" in result.output and "serve.token" in result.output
