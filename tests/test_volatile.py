"""Confirm before alerting: volatile fragments inside the body (a view counter, a refresh
time, a nonce) are learned from a second fetch and never make a version; a real edit that
holds on the second fetch is alerted once. The pure rules from tables, then a real local
site whose page changes on every request, through the CLI and a webhook receiver."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newswatch.cli import main
from newswatch.config import parse_config
from newswatch.errors import ConfigError
from newswatch.judge.diff import compare
from newswatch.judge.volatile import learn, matches, needs_confirmation, steady, template
from newswatch.models import Article
from tests.conftest import write_config

BODY = [
    f"Paragraph {n}: the council met the dock workers on Monday and agreed to talk again "
    "before the end of the month, officials said."
    for n in ("one", "two", "three", "four")
]


@pytest.mark.parametrize(
    ("first", "second", "want"),
    [
        ("12,345 views", "12,352 views", "{*} views"),
        (
            "Page refreshed at 18:17:03 GMT",
            "Page refreshed at 18:17:09 GMT",
            "Page refreshed at {*} GMT",
        ),
        (BODY[1] + " (ref a8f9c2)", BODY[1] + " (ref 77be01)", BODY[1] + " (ref {*}"),
        ("Seen 3 minutes ago", "Seen 4 minutes ago", "Seen {*} minutes ago"),
        ("12,345", "12,352", None),  # no stable word: would match anything short
        (BODY[0], "The mayor resigned on Friday after a week of protests.", None),  # a rewrite
        ("Viewed times", "Viewed 12 times", None),  # a word only added
    ],
)
def test_templates(first: str, second: str, want: str | None) -> None:
    got = template(first, second)
    assert got == want
    if got is not None:
        assert matches(got, first) and matches(got, second)
        assert not matches(got, BODY[3])


def test_learn_and_steady() -> None:
    one = [BODY[0], "12,345 views", BODY[1]]
    two = [BODY[0], "12,352 views", BODY[1]]
    assert learn(one, one) == []
    assert learn(one, two) == ["{*} views"]
    assert learn(one, [*two, BODY[2]]) is None  # a paragraph added between the fetches
    stored = [BODY[0], "12,001 views", BODY[1]]
    assert steady(["{*} views"], stored, two) == stored
    edited = [BODY[0].replace("Monday", "Tuesday"), "12,352 views", BODY[1]]
    assert steady(["{*} views"], stored, edited) == [edited[0], stored[1], stored[2]]


@pytest.mark.parametrize(
    ("new", "want"),
    [
        ([BODY[0], BODY[1].replace("Monday", "Tuesday"), BODY[2]], True),
        (
            [BODY[0].replace("Monday", "Friday"), BODY[1].replace("Monday", "Tuesday"), BODY[2]],
            True,
        ),
        ([BODY[0], BODY[1], BODY[2], BODY[3]], False),  # a paragraph added
        (
            [BODY[0], BODY[1].replace("the council met the dock workers", "nobody met"), BODY[2]],
            False,
        ),  # more than a few words
    ],
)
def test_what_is_small_enough_to_confirm(new: list[str], want: bool) -> None:
    change = compare(
        Article(url="u", title="T", paragraphs=BODY[:3]),
        Article(url="u", title="T", paragraphs=new),
    )
    assert change is not None and needs_confirmation(change) is want
    retitled = compare(
        Article(url="u", title="T", paragraphs=BODY[:3]),
        Article(url="u", title="T2", paragraphs=BODY[:3]),
    )
    assert retitled is not None and not needs_confirmation(retitled)


SOURCE = "sources:\n  - name: a\n    url: https://example.org/a\n"


@pytest.mark.parametrize(
    ("value", "seconds"), [("3s", 3.0), ("0", 0.0), ("off", 0.0), ("500ms", 0.5)]
)
def test_the_confirm_delay_is_configurable(value: str, seconds: float) -> None:
    config = parse_config(f"fetch:\n  confirm: {value}\n" + SOURCE, environ={})
    assert config.fetch.confirm == seconds
    assert parse_config(SOURCE, environ={}).fetch.confirm == 2.0


def test_a_confirm_delay_past_a_minute_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("fetch:\n  confirm: 5m\n" + SOURCE, environ={})
    assert any("fetch.confirm" in p for p in info.value.problems), info.value.problems


# ------------------------------------------------------------------ on a real local site


class LivePage:
    """An article whose view counter, refresh time and a nonce in a paragraph change on
    every request; ``edited`` makes one real one-word edit."""

    def __init__(self, server: HTTPServer) -> None:
        self.hits = 0
        self.edited = False
        self._lock = threading.Lock()
        server.expect_request("/live").respond_with_handler(self._serve)
        self.url = server.url_for("/live")

    def _serve(self, _request: Request) -> Response:
        with self._lock:
            self.hits += 1
            n = self.hits
            edited = self.edited
        third = BODY[2].replace("Monday", "Tuesday") if edited else BODY[2]
        paragraphs = [
            BODY[0],
            f"{12_000 + 7 * n:,} views",
            f"{BODY[1]} (ref {n * 7919:x}{n})",
            f"Page refreshed at 18:{n // 60:02}:{n % 60:02} GMT",
            third,
            BODY[3],
        ]
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        html = (
            "<html><head><title>Dock talks</title></head><body><article><h1>Dock talks</h1>"
            f"{body}</article></body></html>"
        )
        return Response(html, content_type="text/html; charset=utf-8")


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def test_volatile_fragments_never_alert_and_a_real_edit_alerts_once(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    hooks: list[dict[str, object]] = []
    httpserver.expect_request("/hook", method="POST").respond_with_handler(
        lambda r: (hooks.append(json.loads(r.get_data())), Response(""))[1]
    )
    page = LivePage(httpserver)
    config = write_config(
        tmp_path, page.url, hook_url=httpserver.url_for("/hook"), extra="fetch:\n  confirm: 100ms\n"
    )
    outcomes = []
    for i in range(10):
        page.edited = i >= 4  # the real edit, made in the middle of the ten checks
        result = cli(config, "check")
        assert result.exit_code == 0, result.output
        outcomes.append(result.output.split()[0])
    assert outcomes == ["first_version"] + ["unchanged"] * 3 + ["new_version"] + ["unchanged"] * 5

    changes = [h for h in hooks if h.get("type") == "change"]
    assert len(changes) == 1
    change = changes[0]["change"]
    assert isinstance(change, dict)
    assert change["words"] == {"added": ["Tuesday"], "removed": ["Monday"]}
    db = sqlite3.connect(tmp_path / "watch.db")
    assert db.execute("select count(*) from versions").fetchone()[0] == 2
    # one extra request per candidate change: the first sight of the fragments, the edit
    assert page.hits == 10 + 2

    shown = cli(config, "sources").output
    assert "volatile fragments masked: 3 learned" in shown
    assert "\u201c\u2026 views\u201d (one article)" in shown
    assert "Page refreshed at \u2026 GMT" in shown
    hint = next(line for line in shown.splitlines() if "forget them:" in line)
    command = hint.split("forget them: ", 1)[1].split()
    assert command[:3] == ["newswatch", "forget-volatile", "alhurra"]
    forgot = CliRunner().invoke(main, command[1:], catch_exceptions=False)
    assert forgot.exit_code == 0 and "3 volatile fragment(s) forgotten" in forgot.output
    assert "volatile fragments" not in cli(config, "sources").output
    unknown = CliRunner().invoke(main, ["--config", str(config), "forget-volatile", "nope"])
    assert unknown.exit_code == 2 and "no source named 'nope'" in unknown.output
