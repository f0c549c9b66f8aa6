"""A captured page shown in the web view runs no script: headless Chromium (as in
tests/test_browser.py) opens a version's capture through the article page, over a real
uvicorn server on 127.0.0.1, and sees its text but none of its scripts' effects."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newswatch.cli import main
from newswatch.web.server import BackgroundServer
from tests.conftest import PageServer, write_config
from tests.test_browser import ARGS, CHROMIUM, watch_page

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Debian chromium not installed (see .ci/run)"
)

SCRIPTED = b"""<!doctype html><html><head><meta charset="utf-8"><title>Budget vote delayed</title>
<script>document.title = "SCRIPT RAN"; window.ran = 1; alert("inline script ran");</script>
<script src="/evil.js"></script>
</head><body><article><h1>Budget vote delayed</h1>
<p>The council postponed the budget vote to next week after a long debate on Tuesday.</p>
<p>Members asked for more time to read the amended figures before they decide.</p>
<img src="x" onerror="document.body.dataset.ran = 'onerror'; alert('onerror ran')">
<p id="marker">captured text</p>
<script>document.getElementById("marker").textContent = "rewritten by script";</script>
</article></body></html>"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


def test_a_captured_page_runs_no_script(tmp_path: Path, site: PageServer, browser: Any) -> None:
    config = write_config(tmp_path, site.url)
    site.content = SCRIPTED
    result = CliRunner().invoke(main, ["--config", str(config), "check"])
    assert result.exit_code == 0, result.output
    with BackgroundServer(tmp_path / "watch.db") as server:
        page = browser.new_page()
        events = watch_page(page)
        page.goto(server.url + "/articles/1")
        assert hashlib.sha256(SCRIPTED).hexdigest() in page.locator("p.provenance").inner_text()
        with page.expect_navigation():
            page.get_by_role("link", name="the page as captured, inert").click()
        assert page.url.endswith("/articles/1/versions/1/capture")
        response = page.request.get(page.url)
        assert response.body() == SCRIPTED  # byte for byte what was fetched
        assert response.headers["content-security-policy"].startswith("sandbox")
        assert page.locator("#marker").inner_text() == "captured text"
        assert page.locator("h1").inner_text() == "Budget vote delayed"
        assert page.title() == "Budget vote delayed"
        assert page.evaluate("document.body.dataset.ran === undefined")
        assert not any(e.startswith(("dialog", "pageerror")) for e in events), events
        download = page.request.get(server.url + "/articles/1/versions/1/capture?download=1")
        assert "attachment" in download.headers["content-disposition"]
        page.close()
