"""Moved paragraphs and the aligner's budget, through the real pipeline: a local site whose
page changes between checks, the CLI, a real webhook receiver and the web app."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from newswatch.cli import main
from newswatch.store import open_store
from newswatch.web import create_app
from tests.conftest import PageServer, write_config

PARAS = [
    f"Paragraph {name} of the harbour story: the council met the dock workers on Monday and "
    f"agreed to talk again before the end of the month, officials said."
    for name in ("one", "two", "three", "four", "five")
]


def html(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}"
        "</article></body></html>"
    ).encode()


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def check(config: Path, site: PageServer, content: bytes) -> str:
    site.content = content
    result = cli(config, "check")
    assert result.exit_code == 0, result.output
    return result.output


def test_a_moved_paragraph_is_a_move_everywhere(tmp_path: Path, site: PageServer) -> None:
    config = write_config(tmp_path, site.url, hook_url=site.hook_url)
    check(config, site, html("Harbour talks", PARAS))
    moved = [PARAS[3], *PARAS[:3], PARAS[4]]
    assert "1 paragraph(s) moved (4\u21921)" in check(config, site, html("Harbour talks", moved))

    history: dict[str, Any] = json.loads(cli(config, "history", site.url, "--json").output)
    (change,) = history["changes"]
    assert change["paragraphs_moved"] == 1 and change["moves"] == [{"from": 4, "to": 1}]
    assert (change["paragraphs_added"], change["paragraphs_removed"]) == (0, 0)
    (hook,) = [h for h in site.hooks if h.get("type") == "change"]
    assert hook["change"]["moves"] == [{"from": 4, "to": 1}]
    assert [p["op"] for p in hook["diff"]["paragraphs"]] == ["moved"]

    text = cli(config, "diff", site.url, "--no-color").output
    assert "moved: paragraph 4 \u2192 1" in text and "> Paragraph four" in text

    client = TestClient(create_app(open_store(tmp_path / "watch.db", readonly=True)))
    for view in ("side", "inline"):
        page = client.get(f"/articles/1/diff?from=1&to=2&view={view}")
        assert page.status_code == 200
        assert "moved from paragraph 4 to 1" in page.text
        assert 'class="op-moved' in page.text


def test_pathological_pairs_are_diffed_fast_in_the_check_and_the_web_view(
    tmp_path: Path, site: PageServer
) -> None:
    """Issue 16: 20k identical paragraphs took 40 s to align, one edited 40 KB paragraph of
    repeated words 1 min 52 s, and the web view recomputed it per request. Bounds are
    generous (a loaded machine); before the budget each of these took minutes."""
    config = write_config(tmp_path, site.url)
    same = "The same line of filler text about the harbour, repeated."
    check(config, site, html("Filler", [same] * 5_000 + ["word " * 8_000]))
    edited = [same] * 2_500 + [same + " Edited."] + [same] * 2_499
    words = "x " + "word " * 4_000 + "other " + "word " * 3_998 + " y"
    started = time.monotonic()
    output = check(config, site, html("Filler", [*edited, words]))
    assert time.monotonic() - started < 60
    assert "~2 paragraph(s) modified" in output

    client = TestClient(create_app(open_store(tmp_path / "watch.db", readonly=True)))
    for view in ("side", "inline"):
        started = time.monotonic()
        page = client.get(f"/articles/1/diff?from=1&to=2&view={view}")
        assert page.status_code == 200 and "<ins>Edited.</ins>" in page.text
        assert time.monotonic() - started < 30
