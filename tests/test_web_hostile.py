"""The web view against hostile input (issue 16): page text that is not valid XML, bad query
parameters on every route, and a forged Host header. Real databases built through the
pipeline, the real ASGI app."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
import feedparser
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from newswatch.cli import main
from newswatch.store import open_store
from newswatch.web import create_app
from newswatch.web.server import served_at
from tests.conftest import PageServer, write_config
from tests.history_db import build_alhurra

CONTROL_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour\x01 plan\x0b vote {n}\x1f</title></head><body><article>
<h1>Harbour\x01 plan\x0b vote {n}\x1f</h1>
<p>The city council voted on Tuesday\x02 evening on the disputed harbour plan after a long
debate that ran well past midnight in the old town hall, version {n}.</p>
<p>Opponents said the plan would close the fish\x07 market and push small traders out of the
waterfront for good, while supporters disagreed.</p>
<p>Supporters answered that the new quay would bring ferries back and that the market would
move only a few hundred metres along the water\x1b.</p>
</article></body></html>"""


@pytest.fixture
def alhurra(tmp_path: Path, site: PageServer) -> Path:
    build_alhurra(tmp_path, site)
    return tmp_path / "watch.db"


@pytest.fixture
def client(alhurra: Path) -> TestClient:
    return TestClient(create_app(open_store(alhurra, readonly=True)), raise_server_exceptions=False)


def test_control_characters_in_page_text_keep_every_feed_well_formed(
    tmp_path: Path, site: PageServer
) -> None:
    config = write_config(tmp_path, site.url)
    for n in (1, 2):
        site.content = CONTROL_PAGE.format(n=n).encode()
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0, result.output
    client = TestClient(create_app(open_store(tmp_path / "watch.db", readonly=True)))
    for path in ("/feed.atom", "/sources/alhurra/feed.atom"):
        body = client.get(path)
        assert body.status_code == 200
        root = SafeET.fromstring(body.content)  # strict: raises on any malformed XML
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        parsed = feedparser.parse(body.content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert len(parsed.entries) == 1
        assert "Harbour plan vote 2" in parsed.entries[0].title
    # the HTML pages still show the page (control characters dropped, not a 500)
    assert client.get("/").status_code == 200


BAD_PARAMETERS = [
    "/?before=100000000000000000000",
    "/?after=-100000000000000000000",
    "/?source=%00",
    "/?since=%00",
    "/?kind=%00",
    "/articles/100000000000000000000",
    "/articles/1?v=100000000000000000000",
    "/articles/1?v=%00",
    "/articles/100000000000000000000/diff",
    "/articles/1/diff?from=100000000000000000000",
    "/articles/1/diff?to=-100000000000000000000",
    "/articles/1/diff?from=1&to=%00",
    "/article?url=%00",
    "/article?url=http://x/%00",
    "/changes/%00",
    "/search?q=%00",
    "/search?q=a%00b",
    "/search?q=x&page=100000000000000000000",
    "/search?q=x&page=%00",
    "/sources/%00/feed.atom",
    "/feed.atom?x=%00",
]


def test_bad_parameters_are_400s_not_500s(client: TestClient) -> None:
    wrong = []
    for path in BAD_PARAMETERS:
        response = client.get(path)
        if response.status_code not in (400, 404) or "Traceback" in response.text:
            wrong.append((path, response.status_code))
    assert not wrong


def test_host_header_is_never_echoed(client: TestClient) -> None:
    for path in ("/feed.atom", "/sources/alhurra/feed.atom", "/"):
        response = client.get(path, headers={"host": "evil.example:8080"})
        assert response.status_code == 200
        assert "evil.example" not in response.text, path
    feed = ET.fromstring(client.get("/feed.atom").content)
    links = [link.get("href") or "" for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert links and all(href.startswith("/") for href in links if "diff" in href or "?" in href)


def test_configured_address_is_used_for_feed_links(alhurra: Path) -> None:
    app = create_app(open_store(alhurra, readonly=True), base_url="http://127.0.0.1:8765")
    body = TestClient(app).get("/feed.atom", headers={"host": "evil.example"}).text
    assert "evil.example" not in body
    assert 'href="http://127.0.0.1:8765/articles/1/diff?from=2&amp;to=3"' in body


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8080, "http://127.0.0.1:8080"),
        ("::1", 8080, "http://[::1]:8080"),
        ("localhost", 8080, "http://localhost:8080"),
        ("0.0.0.0", 8080, None),
        ("::", 8080, None),
        ("127.0.0.1", 0, None),
    ],
)
def test_served_at(host: str, port: int, expected: str | None) -> None:
    assert served_at(host, port) == expected
