"""Revisions against the whole history: reverts and headline tests, from a table of pure
cases, then on a real local site through the CLI, a webhook receiver and the web view."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from newswatch.cli import main
from newswatch.judge.diff import compare
from newswatch.judge.revisions import Slot, differs_only_in, judge, known_variants
from newswatch.models import Stamp
from newswatch.normalize import content_hash
from newswatch.store import open_store
from newswatch.web import create_app
from tests.conftest import PageServer, write_config

BODY = [
    f"Paragraph {n}: the council met the dock workers on Monday and agreed to talk again "
    "before the end of the month, officials said."
    for n in ("one", "two", "three", "four")
]
EDITED = [*BODY[:2], BODY[2].replace("Monday", "Tuesday"), BODY[3]]
LEAD_B = "A different lead: the dock strike is over, the union said on Monday evening."


@dataclass(frozen=True)
class V:
    n: int
    title: str
    paragraphs: list[str] = field(default_factory=lambda: list(BODY))
    updated: datetime | None = None
    stamps: list[Stamp] = field(default_factory=list)

    @property
    def hash(self) -> str:
        return content_hash(self.title, self.paragraphs)


@dataclass(frozen=True)
class Case:
    id: str
    history: list[V]
    current: int  # n of the current version
    reading: V  # its n is ignored
    known: dict[Slot, list[str]]
    want: str
    back_to: int | None = None
    variants: tuple[str, ...] = ()


CASES = [
    Case("plain-edit", [V(1, "A")], 1, V(0, "A", EDITED), {}, "new"),
    Case("first-title-rewrite", [V(1, "A")], 1, V(0, "B"), {}, "new"),
    Case("revert-of-an-edit", [V(1, "A"), V(2, "A", EDITED)], 2, V(0, "A"), {}, "revert", 1),
    Case(
        "revert-title-and-body",
        [V(1, "A"), V(2, "B", EDITED)],
        2,
        V(0, "A"),
        {},
        "revert",
        1,
    ),
    Case(
        "headline-comes-back",
        [V(1, "A"), V(2, "B")],
        2,
        V(0, "A"),
        {},
        "headline_test",
        1,
        ("A", "B"),
    ),
    Case(
        "known-variants-alternate",
        [V(1, "A"), V(2, "B")],
        1,
        V(0, "B"),
        {"title": ["A", "B"]},
        "quiet",
    ),
    Case(
        "a-new-variant",
        [V(1, "A"), V(2, "B")],
        1,
        V(0, "C"),
        {"title": ["A", "B"]},
        "headline_test",
        None,
        ("A", "B", "C"),
    ),
    Case(
        "variant-returns-over-an-edited-body",
        [V(1, "A"), V(2, "B"), V(3, "B", EDITED)],
        3,
        V(0, "A", EDITED),
        {},
        "headline_test",
        None,
        ("A", "B"),
    ),
    Case(
        "lead-test",
        [V(1, "A"), V(2, "A", [LEAD_B, *BODY[1:]])],
        2,
        V(0, "A"),
        {},
        "headline_test",
        1,
        (BODY[0], LEAD_B),
    ),
    Case(
        "body-edit-during-a-test-is-an-edit",
        [V(1, "A"), V(2, "B")],
        1,
        V(0, "A", EDITED),
        {"title": ["A", "B"]},
        "new",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_judge_table(case: Case) -> None:
    current = next(v for v in case.history if v.n == case.current)
    change = compare(current, case.reading)
    assert change is not None
    verdict = judge(case.history, current, case.reading, case.reading.hash, change, case.known)
    assert verdict.kind == case.want
    assert verdict.back_to == case.back_to
    if case.want in ("revert", "headline_test"):
        assert verdict.change is not None and verdict.change.kind == case.want
        assert verdict.change.back_to is None  # the store is told by the verdict
    if case.variants:
        assert verdict.change is not None and verdict.change.variants == case.variants


def test_slots_and_known_variants() -> None:
    assert differs_only_in(V(1, "A"), V(2, "B")) == "title"
    assert differs_only_in(V(1, "A"), V(2, "A", [LEAD_B, *BODY[1:]])) == "lead"
    assert differs_only_in(V(1, "A"), V(2, "B", EDITED)) is None
    assert differs_only_in(V(1, "A"), V(2, "A")) is None
    records = [
        {"headline_test": {"slot": "title", "variants": ["A", "B"]}},
        {"headline_test": None},
        {"headline_test": {"slot": "title", "variants": ["A", "B", "C"]}},
        {"headline_test": {"slot": "bogus", "variants": ["X"]}},
    ]
    assert known_variants(records) == {"title": ["A", "B", "C"]}


# ------------------------------------------------------------------ on a real local site


def html(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}"
        "</article></body></html>"
    ).encode()


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def check(config: Path, site: PageServer, title: str, paragraphs: list[str]) -> str:
    site.content = html(title, paragraphs)
    result = cli(config, "check")
    assert result.exit_code == 0, result.output
    return result.output


def change_hooks(site: PageServer) -> list[dict[str, Any]]:
    return [h for h in site.hooks if h.get("type") == "change"]


A_TITLE = "Dock strike talks resume"
B_TITLE = "Dock workers and council back at the table"
C_TITLE = "Harbour strike: talks resume on Monday"


def test_an_ab_headline_test_is_one_alert_and_a_new_variant_one_more(
    tmp_path: Path, site: PageServer
) -> None:
    config = write_config(tmp_path, site.url, hook_url=site.hook_url)
    for i in range(10):
        check(config, site, (A_TITLE, B_TITLE)[i % 2], BODY)
    hooks = change_hooks(site)
    kinds = [h["change"]["kind"] for h in hooks]
    # the first rewrite cannot be known as a test yet; its first return is the test
    assert kinds == ["edit", "headline_test"], kinds
    assert hooks[1]["change"]["headline_test"] == {
        "slot": "title",
        "variants": [A_TITLE, B_TITLE],
    }
    assert (hooks[1]["change"]["from"], hooks[1]["change"]["to"]) == (2, 1)

    output = check(config, site, C_TITLE, BODY)  # a new variant
    assert "headline test (3 headline variants)" in output
    for i in range(6):
        check(config, site, (A_TITLE, B_TITLE, C_TITLE)[i % 3], BODY)
    hooks = change_hooks(site)
    assert [h["change"]["kind"] for h in hooks] == ["edit", "headline_test", "headline_test"]
    assert hooks[2]["change"]["headline_test"]["variants"] == [A_TITLE, B_TITLE, C_TITLE]

    history = json.loads(cli(config, "history", site.url, "--json").output)
    assert [v["n"] for v in history["versions"]] == [1, 2, 3]
    assert [c["kind"] for c in history["changes"]] == ["edit", "headline_test", "headline_test"]
    text = cli(config, "history", site.url).output
    assert "headline test (2 headline variants)" in text
    assert f"title variants: \u2068{A_TITLE}\u2069 | \u2068{B_TITLE}\u2069" in text
    page = TestClient(create_app(open_store(tmp_path / "watch.db", readonly=True))).get(
        "/articles/1"
    )
    assert page.status_code == 200 and "headline test" in page.text
    assert f'<li dir="auto">{C_TITLE}</li>' in page.text


def test_a_revert_is_one_change_back_to_the_old_version(tmp_path: Path, site: PageServer) -> None:
    config = write_config(tmp_path, site.url, hook_url=site.hook_url)
    check(config, site, A_TITLE, BODY)
    check(config, site, A_TITLE, EDITED)
    output = check(config, site, A_TITLE, BODY)
    assert "revert (back to v1)" in output
    assert "unchanged" in check(config, site, A_TITLE, BODY)  # v1 is current again

    history = json.loads(cli(config, "history", site.url, "--json").output)
    assert [v["n"] for v in history["versions"]] == [1, 2]
    edit, revert = history["changes"]
    assert (edit["kind"], edit["from"], edit["to"]) == ("edit", 1, 2)
    assert (revert["kind"], revert["from"], revert["to"], revert["back_to"]) == ("revert", 2, 1, 1)
    assert [h["change"]["kind"] for h in change_hooks(site)] == ["edit", "revert"]
    # the edit made again later is a change from v1 to v2 again: a revert too, not v3
    assert "revert (back to v2)" in check(config, site, A_TITLE, EDITED)
    assert [
        v["n"] for v in json.loads(cli(config, "history", site.url, "--json").output)["versions"]
    ] == [1, 2]
    assert "v2\u2192v1" in cli(config, "history", site.url).output
    diff = TestClient(create_app(open_store(tmp_path / "watch.db", readonly=True))).get(
        "/articles/1/diff?from=2&to=1"
    )
    assert diff.status_code == 200 and "<del>Tuesday</del>" in diff.text
