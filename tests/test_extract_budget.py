"""Work budgets: pages too deep, too large or too long end quickly with a clear error, and
the check path keeps them aside as a quarantine (never a RecursionError, a hang or a version).

Bounds on time are generous on purpose (a loaded 2-core machine): the point is minutes or a
crash before, a fraction of a second now.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newswatch.config import load_config
from newswatch.errors import PageTooComplex
from newswatch.extract import extract, extract_dates
from newswatch.extract.budget import MAX_DEPTH, MAX_PARAGRAPHS
from newswatch.extract.links import extract_links
from newswatch.runtime import build_runtime
from tests.conftest import PageServer, page, write_config

URL = "https://news.example/story"
GENEROUS = 10.0  # seconds; each of these took minutes, gigabytes or a crash before


def _nest(depth: int) -> str:
    return "<html><body>" + "<div>" * depth + "deep text" + "</div>" * depth + "</body></html>"


HOSTILE = {
    "200k-deep div nest": _nest(200_000),
    "100k-deep div nest (under the element cap)": _nest(100_000),
    "20 MB one-line page": "<html><body><p>" + "word " * 4_000_000 + "</p></body></html>",
    "500k tiny paragraphs": "<html><body>" + "<p>a b</p>" * 500_000 + "</body></html>",
    "a nest the pre-scan lets through": _nest(MAX_DEPTH * 4),
    "more paragraphs than any article": "<html><body><h1>T</h1>"
    + "<p>a short line of text.</p>" * (MAX_PARAGRAPHS + 10)
    + "</body></html>",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_page_ends_quickly_with_a_clear_error(name: str) -> None:
    start = time.monotonic()
    with pytest.raises(PageTooComplex, match=r"^too complex: "):
        extract(HOSTILE[name], URL)
    assert time.monotonic() - start < GENEROUS


@pytest.mark.parametrize("name", ["200k-deep div nest", "20 MB one-line page"])
def test_dates_and_links_are_bounded_too(name: str) -> None:
    with pytest.raises(PageTooComplex):
        extract_dates(HOSTILE[name], URL)
    with pytest.raises(PageTooComplex):
        extract_links(HOSTILE[name], URL)


def test_bytes_far_beyond_the_budget_are_refused_before_decoding() -> None:
    with pytest.raises(PageTooComplex, match="bytes"):
        extract(b"<p>" + b"x" * 50_000_000, URL)


def test_ordinary_deep_and_long_pages_still_read() -> None:
    """The budgets sit far above real pages: 200 levels and 2,000 paragraphs are fine."""
    deep = _nest(200).replace("deep text", "<p>A paragraph deep in the layout, still read.</p>")
    assert extract(deep, URL).paragraphs == ["A paragraph deep in the layout, still read."]
    long = "<html><body><h1>Live</h1>" + "<p>Another update in the live story.</p>" * 2000
    assert len(extract(long + "</body></html>", URL).paragraphs) == 2000


def test_the_depth_limit_counts_inline_and_block_elements_alike() -> None:
    """MAX_DEPTH elements under <body> are refused, one fewer is read, whether the nest is
    of block elements, inline ones or both (the walk handles them in different branches)."""
    for tags in (["div"], ["b"], ["div", "b"]):
        for depth, refused in ((MAX_DEPTH - 1, False), (MAX_DEPTH, True)):
            nest = "".join(f"<{tags[i % len(tags)]}>" for i in range(depth))
            html = f"<html><body>{nest}A paragraph deep in the layout, still read.</body></html>"
            if refused:
                with pytest.raises(PageTooComplex):
                    extract(html, URL)
            else:
                assert extract(html, URL).paragraphs == [
                    "A paragraph deep in the layout, still read."
                ]


def test_check_quarantines_a_page_beyond_the_budgets(tmp_path: Path, site: PageServer) -> None:
    """The first version is kept; the hostile page becomes a quarantine with its reason."""
    config = load_config(write_config(tmp_path, site.url))
    with build_runtime(config) as runtime:
        assert runtime.checker.run_pass(force=True)[0].outcome == "first_version"
        site.content = _nest(200_000).encode()
        start = time.monotonic()
        report = runtime.checker.run_pass(force=True)[0]
        assert time.monotonic() - start < GENEROUS
        assert report.outcome == "quarantined"
        assert report.error is not None and "too complex" in report.error
        article = runtime.store.find_article(site.url)
        assert article is not None and article.versions == 1
        held = runtime.store.quarantined(article.id)
        assert len(held) == 1 and held[0].reason.startswith("too complex: ")
        site.content = page("v1.html")
        assert runtime.checker.run_pass(force=True)[0].outcome in ("unchanged", "not_modified")
