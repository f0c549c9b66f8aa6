"""The web view in a real browser: Debian's headless Chromium driven by Playwright, against a
real uvicorn server on 127.0.0.1 serving databases built through the real pipeline.

Skipped (with the reason) when /usr/bin/chromium is missing; ``.ci/run`` installs it.
The screenshot is kept under ``artifacts/`` (git-ignored) and its path printed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newswatch.web.server import BackgroundServer
from tests.conftest import PageServer
from tests.history_db import build_alhurra, build_hostile

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Debian chromium not installed (see .ci/run)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def watch_page(page: Any) -> list[str]:
    """Record every dialog and console message the page produces (dismissing dialogs)."""
    events: list[str] = []

    def on_dialog(dialog: Any) -> None:
        events.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda msg: events.append(f"console: {msg.text}"))
    page.on("pageerror", lambda exc: events.append(f"pageerror: {exc}"))
    return events


def test_alhurra_review_in_chromium(tmp_path: Path, site: PageServer, browser: Any) -> None:
    build_alhurra(tmp_path, site)
    with BackgroundServer(tmp_path / "watch.db") as server:
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        events = watch_page(page)

        # the change list
        page.goto(server.url + "/")
        rows = page.locator("tr.change")
        assert rows.count() == 2
        assert "silent edit" in rows.nth(0).inner_text()

        # open the article, then the diff of its 18:17 update
        page.get_by_role("link", name="كارتر: شركاؤنا لديهم ما يحتاجون لهزيمة داعش").first.click()
        page.wait_for_url("**/articles/1")
        assert page.locator("tr#v2").count() == 1
        page.locator("a", has_text="diff v1→v2").click()
        page.wait_for_url("**/diff?from=1&to=2")

        stamp = page.locator("tr.stamp-line ins", has_text="تحديث 18:17 تغ")
        assert stamp.is_visible()
        style = stamp.evaluate(
            "e => { const s = getComputedStyle(e.closest('td')); const row = e.closest('table');"
            " return [s.backgroundColor, getComputedStyle(row).direction,"
            " getComputedStyle(e.closest('td')).direction]; }"
        )
        background, table_direction, cell_direction = style
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # highlighted cell
        assert table_direction == "rtl" and cell_direction == "rtl"
        # right to left: the new version's column (v2) sits left of the old one (v1)
        old_x = page.locator("table.diff th", has_text="v1").bounding_box()["x"]
        new_x = page.locator("table.diff th", has_text="v2").bounding_box()["x"]
        assert new_x < old_x
        assert page.get_by_text("update stamp moved to 2016-07-20 18:17 UTC").is_visible()

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "alhurra-1817-diff.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        print(f"\nscreenshot: {shot}")

        # search for a sentence of the old version (v1's headline, gone since v2)
        page.fill("header input[name=q]", "وزراء دفاع وخارجية التحالف الدولي ضد داعش يجتمعون")
        page.click("header button[type=submit]")
        page.wait_for_url("**/search?q=*")
        hits = page.locator("div.hit")
        assert hits.count() == 1
        assert "said in v1" in hits.first.inner_text()
        assert page.locator("div.hit mark").count() >= 5
        hits.first.locator("a").click()
        assert page.locator("div.text").get_attribute("dir") == "rtl"
        assert events == [], events
        page.close()


def test_hostile_page_never_runs_script(tmp_path: Path, site: PageServer, browser: Any) -> None:
    build_hostile(tmp_path, site)
    with BackgroundServer(tmp_path / "watch.db") as server:
        page = browser.new_page()
        events = watch_page(page)
        for path in (
            "/",
            "/articles/1?v=1",
            "/articles/1/diff?from=1&to=2",
            "/articles/1/diff?from=1&to=2&view=inline",
            "/search?q=onerror",
        ):
            page.goto(server.url + path)
            page.mouse.move(200, 200)
            page.hover("body")
            for link in page.locator("a").all():
                href = link.get_attribute("href") or ""
                assert not href.strip().lower().startswith("javascript:"), href
            assert page.locator("script, img, svg, iframe").count() == 0
            assert page.evaluate("() => window.__pageScriptRan === undefined")
        # the text is shown, as text
        page.goto(server.url + "/articles/1?v=1")
        assert "<img src=x onerror=\"alert('p1')\">" in page.locator("div.text").inner_text()
        assert events == [], events
        page.close()
