"""Generations in the web view and ``show``: an article re-extracted (its history recorded
with an extract rule that kept page furniture, then read again with the normal extractor)
lists its generations with what the re-extraction changed and shows the earlier one,
read-only and under the same CSP (no script) as every page."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.testclient import TestClient

from newswatch.store import open_store
from newswatch.web import create_app
from newswatch.web.security import CSP
from tests.conftest import PageServer
from tests.conftest import page as fixture_page
from tests.history_db import check_sequence
from tests.test_reextract import PAGES, WORSE, cli, config_text


def text_of(page: str) -> str:
    """The shown version's text, not the page's lists."""
    return page.split('<h2 id="text">', 1)[1]


def test_an_article_lists_its_generations_and_shows_an_earlier_one(
    tmp_path: Path, site: PageServer
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(config_text(site.url, site.hook_url, WORSE), encoding="utf-8")
    check_sequence(config, site, PAGES)
    db = tmp_path / "watch.db"
    with TestClient(create_app(open_store(db, readonly=True))) as client:
        once = client.get("/articles/1")
        assert once.status_code == 200 and "Extraction generations" not in once.text
    config.write_text(config_text(site.url, site.hook_url, ""), encoding="utf-8")
    assert "1 rebuilt as a new generation" in cli(config, "reextract").output
    before = db.read_bytes()

    with TestClient(create_app(open_store(db, readonly=True))) as client:
        page = client.get("/articles/1")
        assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
        assert "<h2>Extraction generations</h2>" in page.text
        assert page.text.count('<tr id="g') == 2
        assert "generation 2</a> (current)" in page.text
        assert "4 → 3 versions (1 merged)" in page.text and "noise: “" in page.text
        assert "as the checks recorded it" in page.text  # generation 1
        assert page.text.count('<tr id="v') == 3

        old = client.get("/articles/1?generation=1")
        assert old.status_code == 200 and old.headers["content-security-policy"] == CSP
        assert old.text.count('<tr id="v') == 4  # the false version is still there
        assert "Showing generation 1" in old.text and "As generation 1 read it." in old.text
        assert "/diff?" not in old.text  # the diff view reads the current generation
        assert "?v=2&amp;generation=1#text" in old.text
        second = client.get("/articles/1?generation=1&v=2")
        assert second.status_code == 200 and "مشاهدة" in text_of(second.text)  # a counter
        assert "مشاهدة" not in text_of(client.get("/articles/1?v=2").text)
        assert client.get("/articles/1?generation=2").text == page.text
        assert client.get("/articles/1?generation=7").status_code == 404
        assert client.get("/articles/1?generation=1&v=9").status_code == 404
        for shown in (page, old, second):
            assert "<script" not in shown.text.lower()
    assert db.read_bytes() == before  # read-only

    text = cli(config, "show", site.url, "--generation", "1", "--version", "2")
    assert text.exit_code == 0 and "generation 1 (an earlier reading" in text.output
    assert "مشاهدة" in text.output
    listed = json.loads(cli(config, "show", site.url, "--generation", "1", "--json").output)
    assert listed["generation"] == 1 and listed["n"] == 4
    now = json.loads(cli(config, "show", site.url, "--json").output)
    assert now["generation"] == 2 and now["n"] == 3
    assert cli(config, "show", site.url, "--generation", "5").exit_code == 1
    raw = cli(config, "show", site.url, "--generation", "1", "--raw")  # its own capture links
    assert raw.exit_code == 0 and raw.stdout_bytes == fixture_page(PAGES[-1])
