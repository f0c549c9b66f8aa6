"""``newswatch extract FILE --url URL --json`` on every fixture page (the issue's contract)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from newswatch.cli import main
from tests.conftest import fixture_page

PAGES = ["v1.html", "v1-noise.html", "v2.html", "v2-nometa.html", "v2-cp1256.html", "v3.html"]


@pytest.mark.parametrize("name", PAGES)
def test_extract_json_matches_expected(name: str, expected: dict[str, Any]) -> None:
    want = expected["pages"][name]
    result = CliRunner().invoke(
        main, ["extract", str(fixture_page(name)), "--url", expected["url"], "--json"]
    )
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert set(got) >= {"url", "title", "paragraphs", "published", "updated", "stamps", "language"}
    assert got["url"] == expected["url"]
    assert got["title"] == want["title"]
    assert got["paragraphs"] == want["paragraphs"]
    assert got["published"] == want["published"]
    assert got["updated"] == want["updated"]
    assert got["language"] == "ar"
    text = "\n".join([got["title"], *got["paragraphs"]])
    for needle in expected["must_not_contain"]:
        assert needle not in text, needle
    contract = [{k: s[k] for k in ("kind", "text", "at", "source")} for s in got["stamps"]]
    for stamp in want.get("text_stamps", []):  # a chosen stamp also says why ("reason")
        assert {**stamp, "source": "text"} in contract


def test_extract_human_output_and_bad_input(tmp_path: Any) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["extract", str(fixture_page("v2.html"))])
    assert result.exit_code == 0
    assert "2016-07-20T18:17:00+00:00" in result.output
    missing = runner.invoke(main, ["extract", str(tmp_path / "nope.html")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    zone = runner.invoke(main, ["extract", str(fixture_page("v2.html")), "--timezone", "Mars/Base"])
    assert zone.exit_code == 2 and "Mars/Base" in zone.output
