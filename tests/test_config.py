"""Tests for config loading: every broken file names its line and field in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from newswatch.config import (
    Config,
    LogAlert,
    SourceConfig,
    WebhookAlert,
    default_config_path,
    load_config,
    parse_config,
    parse_duration,
    parse_size,
)
from newswatch.errors import ConfigError
from newswatch.store import SourceSpec

REPO = Path(__file__).resolve().parent.parent

GOOD_SOURCE = """\
sources:
  - name: a
    url: https://example.org/a
"""

# (yaml text, substrings that must all appear in one of the problem lines)
BROKEN: list[tuple[str, list[str]]] = [
    # bad YAML, with line:column
    ("sources:\n  - name: a: b\n", ["config.yaml:2:12: invalid YAML: mapping values"]),
    ("sources: [a,\n", ["config.yaml:2:1: invalid YAML: expected the node content"]),
    ("a: 1\n---\nb: 2\n", ["config.yaml:2:1: invalid YAML: expected a single document"]),
    # top level not a mapping
    ("- a\n- b\n", ["config.yaml:1: expected a mapping", "got a list"]),
    ("just text\n", ["config.yaml:1: expected a mapping", "got 'just text'"]),
    ("", ["config.yaml: the file is empty"]),
    # unknown keys, with hints
    (
        GOOD_SOURCE + "databse: x.db\n",
        ["config.yaml:4: databse: unknown key; did you mean 'database'?"],
    ),
    (
        GOOD_SOURCE + "    intervall: 10m\n",
        ["config.yaml:4: sources[0].intervall: unknown key; did you mean 'interval'?"],
    ),
    (
        GOOD_SOURCE + "    zzz: 1\n",
        ["config.yaml:4: sources[0].zzz: unknown key; expected one of name, url, kind"],
    ),
    # wrong types
    ("database: 5\n" + GOOD_SOURCE, ["config.yaml:1: database: expected a string, got 5"]),
    (
        "sources:\n  - name: 12\n    url: https://e.org\n",
        ["config.yaml:2: sources[0].name: expected a string, got 12"],
    ),
    ("sources:\n  name: a\n", ["config.yaml:2: sources: expected a list, got a mapping"]),
    ("sources:\n  - just-a-string\n", ["config.yaml:2: sources[0]: expected a mapping"]),
    # intervals
    (
        GOOD_SOURCE + "    interval: 10 minutes\n",
        [
            "config.yaml:4: sources[0].interval: expected a duration like 30s, 10m or 2h, "
            "got '10 minutes'"
        ],
    ),
    (GOOD_SOURCE + "    interval: 0\n", ["config.yaml:4: sources[0].interval:", "at least 1s"]),
    (GOOD_SOURCE + "    interval: 0s\n", ["config.yaml:4: sources[0].interval:", "got '0s'"]),
    (GOOD_SOURCE + "    interval: -5\n", ["config.yaml:4: sources[0].interval:", "got -5"]),
    # URLs
    (
        "sources:\n  - name: a\n    url: example.org/a\n",
        ["config.yaml:3: sources[0].url: expected an absolute http(s) URL, got 'example.org/a'"],
    ),
    (
        "sources:\n  - name: a\n    url: ftp://example.org/a\n",
        ["config.yaml:3: sources[0].url: expected an absolute http(s) URL, got 'ftp://"],
    ),
    # time zone, kind
    (
        GOOD_SOURCE + "    timezone: Asia/Riyad\n",
        ["config.yaml:4: sources[0].timezone:", "got 'Asia/Riyad'", "did you mean 'Asia/Riyadh'?"],
    ),
    (
        GOOD_SOURCE + "    kind: rss\n",
        [
            "config.yaml:4: sources[0].kind: "
            "expected one of article, feed, sitemap, index, got 'rss'"
        ],
    ),
    # names
    (
        GOOD_SOURCE
        + "  - name: b\n    url: https://e.org/b\n  - name: a\n    url: https://e.org/c\n",
        ["config.yaml:6: sources[2].name: duplicate name 'a' (first used on line 2)"],
    ),
    (
        "sources:\n  - name: my source\n    url: https://e.org\n",
        ["config.yaml:2: sources[0].name: expected a name without spaces or slashes"],
    ),
    (
        "sources:\n  - url: https://e.org\n",
        ["config.yaml:2: sources[0].name: required field missing"],
    ),
    ("sources:\n  - name: a\n", ["config.yaml:2: sources[0].url: required field missing"]),
    # sources list
    ("sources: []\n", ["config.yaml:1: sources: expected at least one source"]),
    ("database: x.db\n", ["config.yaml:1: sources: required field missing"]),
    ("sources:\n", ["config.yaml:1: sources: expected a list, got null"]),
    # duplicate YAML keys (PyYAML would silently keep the last)
    (
        GOOD_SOURCE + "    url: https://example.org/b\n",
        ["config.yaml:4: sources[0].url: duplicate key (first on line 3)"],
    ),
    (
        "database: a.db\n" + GOOD_SOURCE + "database: b.db\n",
        ["config.yaml:5: database: duplicate key"],
    ),
    # environment
    (
        GOOD_SOURCE + "fetch:\n  user_agent: bot ${NW_TEST_MISSING}\n",
        ["config.yaml:5: fetch.user_agent: environment variable NW_TEST_MISSING is not set"],
    ),
    # alerts
    (
        GOOD_SOURCE + "alerts:\n  - kind: webhook\n    name: hook\n",
        ["config.yaml:5: alerts[0].url: required field missing"],
    ),
    (
        GOOD_SOURCE + "alerts:\n  - kind: sms\n",
        ["config.yaml:5: alerts[0].kind: expected one of log, webhook, email, apprise, got 'sms'"],
    ),
    (
        GOOD_SOURCE + "alerts:\n  - name: x\n",
        [
            "config.yaml:5: alerts[0].kind: required field missing"
            " (one of log, webhook, email, apprise)"
        ],
    ),
    (
        GOOD_SOURCE + "alerts:\n  - kind: webhook\n    url: https://h.org\n    urll: x\n",
        ["config.yaml:7: alerts[0].urll: unknown key; did you mean 'url'?"],
    ),
    (
        GOOD_SOURCE + "alerts:\n  - kind: webhook\n    url: mailto:x@y.org\n",
        ["config.yaml:6: alerts[0].url: expected an absolute http(s) URL"],
    ),
    (
        GOOD_SOURCE
        + "alerts:\n  - kind: webhook\n    url: https://h.org\n    headers: {X-Id: 1}\n",
        ["config.yaml:7: alerts[0].headers.X-Id: expected a string, got 1"],
    ),
    (
        GOOD_SOURCE + "alerts:\n  - {kind: log, name: n}\n  - {kind: log, name: n}\n",
        ["config.yaml:6: alerts[1].name: duplicate name 'n' (first used on line 5)"],
    ),
    (GOOD_SOURCE + "alerts: log\n", ["config.yaml:4: alerts: expected a list, got 'log'"]),
    # fetch block
    (
        GOOD_SOURCE + "fetch:\n  max_bytes: lots\n",
        ["config.yaml:5: fetch.max_bytes: expected a size in bytes like 512KB or 10MB"],
    ),
    (
        GOOD_SOURCE + "fetch:\n  timeout: 0\n",
        ["config.yaml:5: fetch.timeout: expected a duration greater than 0s"],
    ),
    (GOOD_SOURCE + "fetch:\n  retrys: 3\n", ["config.yaml:5: fetch.retrys: unknown key"]),
    (GOOD_SOURCE + "fetch: []\n", ["config.yaml:4: fetch: expected a mapping, got an empty list"]),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_broken_config_names_line_and_field(text: str, expected: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, environ={})
    problems = info.value.problems
    assert info.value.path == "config.yaml"
    assert any(all(part in line for part in expected) for line in problems), problems
    assert all("\n" not in line and line.startswith("config.yaml") for line in problems)
    assert all("Input should" not in line and "Field required" not in line for line in problems)


def test_all_problems_are_collected_in_line_order() -> None:
    text = """\
sources:
  - name: a
    url: ftp://x
    interval: soon
  - name: a
    url: https://e.org
    kind: rss
alerts:
  - kind: pager
bogus: 1
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text, environ={})
    problems = info.value.problems
    assert [p.split(":")[1] for p in problems] == ["3", "4", "5", "7", "9", "10"], problems
    assert str(info.value) == "\n".join(problems)


def test_file_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    assert info.value.problems == [f"{missing}: file not found"]


def test_errors_name_the_file_as_given(tmp_path: Path) -> None:
    path = tmp_path / "watch.yaml"
    path.write_text("sources: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems[0].startswith(f"{path}:1: sources:")


def test_defaults() -> None:
    config = parse_config(GOOD_SOURCE, environ={})
    (source,) = config.sources
    assert source.kind == "article"
    assert source.interval == "10m"
    assert source.interval_seconds == 600.0
    assert source.timezone == "UTC"
    assert config.alerts == (LogAlert(),)
    assert config.channels() == [("log", LogAlert())]
    assert config.fetch.timeout == config.fetch.timeout_seconds == 20.0
    assert config.fetch.max_bytes == 10 * 1024 * 1024
    assert config.fetch.user_agent is None
    assert config.database == "newswatch.db"
    assert config.path == Path("config.yaml")
    assert source.spec() == SourceSpec(
        name="a",
        url="https://example.org/a",
        kind="article",
        interval_seconds=600.0,
        timezone="UTC",
    )


def test_full_config_values() -> None:
    text = """\
sources:
  - name: alhurra
    url: https://www.alhurra.com/a/x/1.html
    kind: index
    interval: 1h30m
    timezone: Asia/Riyadh
  - name: feed
    url: http://example.org/rss
    kind: feed
    interval: 90
alerts:
fetch:
  timeout: 1m
  max_bytes: 512KB
  user_agent: newswatch-test
"""
    config = parse_config(text, environ={})
    assert [s.interval_seconds for s in config.sources] == [5400.0, 90.0]
    assert config.sources[1].interval == "90s"  # shown with its unit
    assert config.sources[0].spec().timezone == "Asia/Riyadh"
    assert config.alerts == (LogAlert(),)  # an empty block keeps the default
    assert config.fetch.timeout == 60.0
    assert config.fetch.max_bytes == 512 * 1024
    assert config.source("feed") is config.sources[1]
    assert config.source("none") is None


def test_env_expansion() -> None:
    text = (
        GOOD_SOURCE
        + """\
database: ${NW_DIR}/db.sqlite
alerts:
  - kind: webhook
    url: https://hooks.example.org/${NW_HOOK:-default}
    headers:
      Authorization: Bearer ${NW_TOKEN}
      X-Literal: $${NOT_EXPANDED}
fetch:
  user_agent: ${NW_EMPTY:-fallback}
"""
    )
    environ = {"NW_DIR": "/var/lib/nw", "NW_TOKEN": "s3cret", "NW_EMPTY": ""}
    config = parse_config(text, environ=environ)
    hook = config.alerts[0]
    assert isinstance(hook, WebhookAlert)
    assert hook.url == "https://hooks.example.org/default"
    assert hook.headers == {"Authorization": "Bearer s3cret", "X-Literal": "${NOT_EXPANDED}"}
    assert hook.timeout == 10.0
    assert config.fetch.user_agent == "fallback"
    assert config.database_path == Path("/var/lib/nw/db.sqlite")


def test_anchors_under_x_keys_and_merge_keys() -> None:
    text = """\
x-arabic: &arabic {interval: 5m, timezone: Asia/Riyadh}
sources:
  - <<: *arabic
    name: a
    url: https://e.org/a
  - <<: *arabic
    name: b
    url: https://e.org/b
    interval: 0
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text, environ={})
    assert info.value.problems == [
        "config.yaml:9: sources[1].interval: expected a duration of at least 1s, got 0"
    ]
    config = parse_config(text.replace("    interval: 0\n", ""), environ={})
    assert [(s.interval_seconds, s.timezone) for s in config.sources] == [
        (300.0, "Asia/Riyadh"),
        (300.0, "Asia/Riyadh"),
    ]


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NW_TEST_UA", "from-os")
    config = parse_config(GOOD_SOURCE + "fetch:\n  user_agent: ${NW_TEST_UA}\n")
    assert config.fetch.user_agent == "from-os"


def test_database_path_relative_to_config_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.yaml"
    path.parent.mkdir()
    path.write_text("database: data/nw.db\n" + GOOD_SOURCE, encoding="utf-8")
    config = load_config(path)
    assert config.path == path
    assert config.database_path == tmp_path / "conf" / "data" / "nw.db"

    path.write_text(f"database: {tmp_path / 'abs.db'}\n" + GOOD_SOURCE, encoding="utf-8")
    assert load_config(path).database_path == tmp_path / "abs.db"


def test_channel_names() -> None:
    text = (
        GOOD_SOURCE
        + """\
alerts:
  - kind: log
  - kind: webhook
    url: https://a.example.org
  - kind: webhook
    url: https://b.example.org
    name: webhook-2
  - kind: webhook
    url: https://c.example.org
  - kind: log
    name: audit
  - kind: log
"""
    )
    names = [name for name, _ in parse_config(text, environ={}).channels()]
    # explicit names are kept; unnamed ones get kind, kind-2, ... skipping taken names
    assert names == ["log", "webhook", "webhook-2", "webhook-3", "audit", "log-2"]


def test_models_are_frozen_and_strict_when_built_in_code() -> None:
    source = SourceConfig(name="a", url="https://e.org")
    with pytest.raises(ValidationError):
        source.name = "b"
    with pytest.raises(ValidationError):
        Config(sources=(source, source))
    with pytest.raises(ValidationError):
        SourceConfig(name="a", url="https://e.org", color="red")


def test_repo_config_yaml_loads() -> None:
    config = load_config(REPO / "config.yaml", environ={})
    assert len(config.sources) >= 2
    assert {s.kind for s in config.sources} <= {"article", "feed", "sitemap", "index"}
    assert any("alhurra.com" in s.url for s in config.sources)
    assert any("bbc.com/arabic" in s.url for s in config.sources)
    assert config.database_path == REPO / "newswatch.db"


def test_default_config_path() -> None:
    assert default_config_path({}) == Path("config.yaml")
    assert default_config_path({"NEWSWATCH_CONFIG": "/etc/nw.yaml"}) == Path("/etc/nw.yaml")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("30s", 30.0),
        ("10m", 600.0),
        ("2h", 7200.0),
        ("1d", 86400.0),
        ("1h30m", 5400.0),
        ("1h 30m", 5400.0),
        ("90", 90.0),
        ("1.5h", 5400.0),
        ("250ms", 0.25),
        (45, 45.0),
        (2.5, 2.5),
    ],
)
def test_parse_duration(value: str | int | float, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "10 minutes", "m", "10M", "1x", "-5s", True, -1])
def test_parse_duration_rejects(value: str | int) -> None:
    with pytest.raises(ValueError, match="expected a duration like 30s, 10m or 2h"):
        parse_duration(value)


@pytest.mark.parametrize(
    ("value", "size"),
    [(1000, 1000), ("512KB", 524288), ("10MB", 10485760), ("1GiB", 1 << 30), ("2k", 2048)],
)
def test_parse_size(value: str | int, size: int) -> None:
    assert parse_size(value) == size
