"""Broken configurations through the real command line: exit 2, file:line and field, nothing
written (no database, no WAL file) for every one of them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from newswatch.cli import main
from tests.conftest import PageServer, write_config

OK = "sources:\n  - name: a\n    url: http://127.0.0.1:9/a\n"
HOOK = "alerts:\n  - kind: webhook\n    url: http://127.0.0.1:9/hook\n"

#: nine anchors of nine aliases each: 9^9 values once expanded
BOMB = ["x-a: &a [x, x, x, x, x, x, x, x, x]\n"] + [
    f"x-{b}: &{b} [{', '.join(['*' + a] * 9)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True)
]

# (what is wrong, config text, line, text the message must hold)
BROKEN: list[tuple[str, str, int, str]] = [
    ("bad YAML: mapping in a scalar", "sources:\n  - name: a: b\n", 2, "invalid YAML"),
    ("bad YAML: unclosed flow list", "database: x.db\nsources: [a,\n", 3, "invalid YAML"),
    ("bad YAML: tab indentation", "sources:\n\t- name: a\n", 2, "invalid YAML"),
    ("unknown top-level key", OK + "databse: x.db\n", 4, "databse: unknown key"),
    ("unknown source key", OK + "    intervall: 10m\n", 4, "sources[0].intervall: unknown key"),
    ("unknown fetch key", OK + "fetch:\n  retrys: 3\n", 5, "fetch.retrys: unknown key"),
    ("unknown daemon key", OK + "daemon:\n  leese: 5m\n", 5, "daemon.leese: unknown key"),
    ("wrong type: database", "database: 5\n" + OK, 1, "database: expected a string"),
    ("wrong type: sources", "sources:\n  name: a\n", 2, "sources: expected a list"),
    ("wrong type: name", "sources:\n  - name: 12\n    url: http://e.org\n", 2, "a string"),
    ("wrong type: alerts", OK + "alerts: log\n", 4, "alerts: expected a list"),
    ("bad interval: words", OK + "    interval: 10 minutes\n", 4, "sources[0].interval"),
    ("bad interval: zero", OK + "    interval: 0s\n", 4, "sources[0].interval"),
    ("bad interval: months", OK + "    interval: 10M\n", 4, "sources[0].interval"),
    ("bad URL: no scheme", "sources:\n  - name: a\n    url: e.org/a\n", 3, "sources[0].url"),
    ("bad URL: ftp", "sources:\n  - name: a\n    url: ftp://e.org/a\n", 3, "http(s) URL"),
    ("bad webhook URL", OK + "alerts:\n  - kind: webhook\n    url: x\n", 6, "alerts[0].url"),
    ("unknown time zone", OK + "    timezone: Asia/Riyad\n", 4, "Asia/Riyadh"),
    ("time zone as offset", OK + "    timezone: GMT+3:00\n", 4, "sources[0].timezone"),
    (
        "duplicate source name",
        OK + "  - name: a\n    url: http://127.0.0.1:9/b\n",
        4,
        "duplicate name 'a'",
    ),
    ("duplicate key", OK + "    url: http://127.0.0.1:9/c\n", 4, "duplicate key"),
    (
        "missing secret",
        OK + HOOK + "    headers: {Authorization: 'Bearer ${NW_CLI_TEST_TOKEN}'}\n",
        7,
        "NW_CLI_TEST_TOKEN is not set",
    ),
    ("missing url", "sources:\n  - name: a\n", 2, "sources[0].url: required field missing"),
    ("unknown kind", OK + "    kind: rss\n", 4, "sources[0].kind"),
    ("unknown alert kind", OK + "alerts:\n  - kind: pager\n", 5, "alerts[0].kind"),
    ("bad size", OK + "fetch:\n  max_bytes: lots\n", 5, "fetch.max_bytes"),
    ("bad lease", OK + "daemon:\n  lease: 0.1s\n", 5, "daemon.lease"),
    ("bad metrics address", OK + "metrics: localhost\n", 4, "metrics: expected host:port"),
    ("no sources", "sources: []\n", 1, "sources: expected at least one source"),
    # hostile files (issue 16): each was a traceback, a hang or silently accepted
    ("deep YAML", OK + "x-deep: " + "[" * 5000 + "]" * 5000 + "\n", 4, "nested more than"),
    ("alias loop", OK + "x-loop: &a [*a]\n", 4, "inside its own anchor"),
    ("alias bomb", OK + "".join(BOMB), 9, "once aliases are expanded"),
    ("raw NUL byte", OK + "database: a\x00b.db\n", 4, "U+0000 is not allowed"),
    ("escaped NUL", OK + 'database: "a\\0b.db"\n', 4, "NUL character is not allowed"),
    ("!!binary", OK + "fetch: {user_agent: !!binary aGk=}\n", 4, "tag !!binary is not allowed"),
    ("custom tag", OK + "    kind: !feed feed\n", 4, "tag !feed is not allowed"),
    ("in-memory database", "database: ':memory:'\n" + OK, 1, "lose the whole history"),
    ("in-memory URL", "database: 'sqlite:///:memory:'\n" + OK, 1, "lose the whole history"),
    ("header CR/LF", OK + HOOK + '    headers: {X-A: "v\\r\\nX-B: 1"}\n', 7, "line break"),
    ("header name", OK + HOOK + "    headers: {'X A': v}\n", 7, "expected a header name"),
    ("huge interval", OK + "    interval: 99999999999999w\n", 4, "at most 10 years"),
    ("huge bare interval", OK + "    interval: 1.0e+300\n", 4, "at most 10 years"),
    ("infinite timeout", OK + "fetch: {timeout: .inf}\n", 4, "at most 10 years"),
    ("huge timeout", OK + HOOK + "    timeout: 100000000000000000000\n", 7, "at most 10 years"),
    ("huge max_interval", OK + "schedule: {max_interval: 1.0e+999}\n", 4, "at most 10 years"),
    ("huge size", OK + "fetch: {max_bytes: 99999999999999999999999GB}\n", 4, "at most 1TB"),
    ("huge byte count", OK + "fetch: {max_bytes: 1000000000000000000000}\n", 4, "at most 1TB"),
    (
        "huge max_articles",
        OK + "    kind: feed\n    max_articles: 10000000000000000000000\n",
        5,
        "less than or equal",
    ),
    (
        "huge failing_after",
        OK + "    failing_after: 10000000000000000000000\n",
        4,
        "less than or equal",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "message"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_broken_config_exits_2_and_writes_nothing(
    tmp_path: Path, text: str, line: int, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NW_CLI_TEST_TOKEN", raising=False)
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "check"])
    assert result.exit_code == 2, result.output
    problems = [p.strip() for p in result.stderr.splitlines()[1:]]
    assert any(p.startswith(f"{config}:{line}") and message in p for p in problems), problems
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"], "something was written"


def test_the_real_process_exits_2(tmp_path: Path) -> None:
    """Exit status and stderr as a shell or systemd sees them, not only through click."""
    config = tmp_path / "config.yaml"
    config.write_text(OK + "    interval: soon\n", encoding="utf-8")
    for command in (["check"], ["run", "--once"], ["health"]):
        done = subprocess.run(
            [sys.executable, "-m", "newswatch.cli", "--config", str(config), *command],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2, (command, done.stderr)
        assert f"{config}:4: sources[0].interval:" in done.stderr
        assert done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


def newswatch_command() -> list[str]:
    """The ``newswatch`` script as installed next to this Python (as the README installs it)."""
    script = Path(sys.executable).with_name("newswatch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "newswatch"]


@pytest.mark.parametrize(
    "order",
    [
        lambda config: ["check", "--config", config],
        lambda config: ["--config", config, "check"],
        lambda config: ["check", "--config=" + config],
    ],
    ids=["after the command", "before the command", "after, with ="],
)
def test_config_is_accepted_before_and_after_the_command(
    tmp_path: Path, site: PageServer, order: Callable[[str], list[str]]
) -> None:
    config = write_config(tmp_path, site.url)
    done = subprocess.run(
        [*newswatch_command(), *order(str(config))],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path.parent,  # no ./config.yaml here: the file given must be the one read
    )
    assert done.returncode == 0, done.stderr
    assert "checked 1 article(s)" in done.stdout, done.stdout
    assert (tmp_path / "watch.db").exists()


def test_config_after_the_command_wins_over_the_one_before(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(OK, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(OK + "    interval: soon\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(good), "health", "--config", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:4: sources[0].interval:" in result.stderr
