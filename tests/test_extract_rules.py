"""Per-source CSS rules: validated in config.yaml, applied by the checker to that source."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newswatch.config import parse_config
from newswatch.errors import ConfigError
from newswatch.extract import extract, validate_selector
from newswatch.runtime import build_runtime

ESSAY = (
    "This long sponsored essay about kitchen renovations runs on every page of the site and "
    "holds far more prose than the short news item it sits next to, so detection alone, "
    "which looks for the block with the most prose, takes it for the article."
)
PAGE = f"""<!DOCTYPE html><html lang="en"><head><title>Bridge reopens | Town News</title></head>
<body><div class="col-a"><h1>Bridge reopens</h1>
<p>The old bridge reopened on Monday after repairs.</p><p class="ad">Advertisement</p>
<p>Traffic is expected to return to normal this week.</p></div>
<div class="col-b">{"".join(f"<p>{ESSAY}</p>" for _ in range(4))}</div></body></html>"""
NEWS = [
    "The old bridge reopened on Monday after repairs.",
    "Traffic is expected to return to normal this week.",
]


def config_text(url: str, extract_block: str) -> str:
    return (
        "database: watch.db\n"
        "sources:\n"
        "  - name: town\n"
        f"    url: {url}\n"
        f"{extract_block}"
        "alerts:\n  - kind: log\n"
    )


def test_detection_alone_picks_the_essay() -> None:
    """The premise of the end-to-end test: without rules the wrong block wins."""
    assert extract(PAGE, "http://town.example/bridge").paragraphs != NEWS


def test_checker_applies_the_source_rules(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/bridge").respond_with_data(PAGE, content_type="text/html")
    block = "    extract:\n      body: div.col-a\n      title: h1\n      drop: p.ad\n"
    path = tmp_path / "config.yaml"
    path.write_text(config_text(httpserver.url_for("/bridge"), block), encoding="utf-8")
    config = parse_config(path.read_text(encoding="utf-8"), str(path))
    with build_runtime(config) as runtime:
        reports = runtime.checker.run_pass(force=True)
        assert [r.outcome for r in reports] == ["first_version"]
        (article,) = runtime.store.articles("town")
        version = runtime.store.latest_version(article.id)
    assert version is not None
    assert version.title == "Bridge reopens"
    assert version.paragraphs == NEWS


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            "    extract:\n      body: 'div[['\n",
            "config.yaml:6: sources[0].extract.body: invalid CSS",
        ),
        (
            "    extract:\n      drop: [p.ad, '##']\n",
            "config.yaml:6: sources[0].extract.drop[1]: invalid CSS",
        ),
        (
            "    extract:\n      bdy: div\n",
            "sources[0].extract.bdy: unknown key; did you mean 'body'",
        ),
        ("    extract:\n      title: ''\n", "extract.title: expected a CSS selector, got an empty"),
    ],
)
def test_bad_rules_point_at_the_line(block: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(config_text("https://town.example/bridge", block), "config.yaml")
    assert any(message in line for line in caught.value.problems), caught.value.problems


def test_one_drop_selector_or_a_list() -> None:
    one = parse_config(config_text("https://t.example/", "    extract:\n      drop: p.ad\n"))
    rules = one.sources[0].extract_rules()
    assert rules is not None and rules.drop == ["p.ad"] and rules.body is None
    assert parse_config(config_text("https://t.example/", "")).sources[0].extract_rules() is None


def test_validate_selector() -> None:
    assert validate_selector("article .story-body > p:not(.ad)") is None
    assert validate_selector("p[[") is not None
    assert validate_selector("  ") is not None
