"""``database:`` names a SQLite file or a PostgreSQL server, and nothing else.

A bad URL is a config error with its line; an unreachable server a clear error naming the
field, without the password; a PostgreSQL URL never becomes a SQLite file of that name. The
same commands then work on PostgreSQL as on SQLite (the throwaway test cluster).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from newswatch.cli import main
from newswatch.config import parse_config
from newswatch.errors import ConfigError
from newswatch.store import open_store
from newswatch.store.location import DatabaseLocation, locate, shown
from newswatch.web.app import create_app
from tests.conftest import PageServer, write_config
from tests.pgcluster import free_port

SOURCE = "sources:\n  - name: a\n    url: https://a.example/x\n    kind: article\n"


@pytest.mark.parametrize(
    ("value", "kind", "resolved"),
    [
        ("newswatch.db", "sqlite", "/etc/nw/newswatch.db"),
        ("/var/lib/nw/nw.db", "sqlite", "/var/lib/nw/nw.db"),
        ("sqlite:///data/nw.db", "sqlite", "/etc/nw/data/nw.db"),
        ("sqlite:////var/lib/nw.db", "sqlite", "/var/lib/nw.db"),
        (":memory:", "sqlite", ":memory:"),
        ("notes:v2.db", "sqlite", "/etc/nw/notes:v2.db"),  # a colon in a file name
        ("postgresql://nw@127.0.0.1/nw", "postgresql", "postgresql://nw@127.0.0.1/nw"),
        ("postgres://nw:pw@db:5432/nw", "postgresql", "postgresql://nw:pw@db:5432/nw"),
        ("postgresql://nw@[::1]:5432/nw", "postgresql", "postgresql://nw@[::1]:5432/nw"),
        ("postgresql:///nw?host=/run/postgresql", "postgresql", None),
        ("postgresql://nw@h1:5432,h2:5433/nw", "postgresql", None),
    ],
)
def test_what_a_database_value_names(value: str, kind: str, resolved: str | None) -> None:
    location = locate(value)
    assert location.kind == kind
    assert location.resolved(Path("/etc/nw")) == (resolved or value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("postgresql:/user@127.0.0.1/nw", "is not a URL (write postgresql://...)"),
        ("sqlite:/nw.db", "is not a URL (write sqlite://...)"),
        ("mysql://u@h/nw", "unsupported database URL scheme mysql://"),
        ("sqlite://nw.db", "a SQLite URL is sqlite:///path/to/file.db"),
        ("postgresql://nw@h:99999/nw", "port '99999' is not a number"),
        ("postgresql://nw@h:x/nw", "port 'x' is not a number"),
        ("postgresql://nw@[::1/nw", "an IPv6 host is written in brackets"),
        ("postgresql://nw@h/a/b", "the database name 'a/b' holds a '/'"),
        ("postgresql://nw@h/my db", "has no spaces"),
    ],
)
def test_a_bad_database_value_is_a_config_error_with_its_line(value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"{SOURCE}database: '{value}'\n", "conf.yaml")
    (problem,) = caught.value.problems
    assert problem.startswith("conf.yaml:5: database: ") and message in problem, problem


def test_a_password_never_shows_in_a_message() -> None:
    assert shown("postgresql://nw:s3cret@db/nw") == "postgresql://nw:***@db/nw"
    assert shown("postgresql://nw@db/nw") == "postgresql://nw@db/nw"
    with pytest.raises(ConfigError) as caught:
        parse_config(f"database: postgresql://nw:s3cret@db:0/nw\n{SOURCE}", "c.yaml")
    assert "s3cret" not in str(caught.value) and "nw:***@db:0" in str(caught.value)


def test_the_password_comes_from_the_environment(tmp_path: Path) -> None:
    text = f"database: postgresql://nw:${{NW_PG_PASSWORD}}@db.internal/nw\n{SOURCE}"
    config = parse_config(text, str(tmp_path / "c.yaml"), environ={"NW_PG_PASSWORD": "p@ss"})
    assert config.database_url == "postgresql://nw:p@ss@db.internal/nw"
    assert locate(config.database) == DatabaseLocation(
        "postgresql", url="postgresql://nw:p@ss@db.internal/nw"
    )


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def pg_config(directory: Path, site: PageServer, url: str) -> Path:
    path = write_config(directory, site.url, hook_url=site.hook_url)
    text = path.read_text(encoding="utf-8").replace("database: watch.db", f"database: {url}")
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unreachable_server_never_becomes_a_sqlite_file(
    tmp_path: Path, site: PageServer
) -> None:
    config = pg_config(tmp_path, site, f"postgresql://nw:s3cret@127.0.0.1:{free_port()}/nw")
    for command in ("check", "history", "sources"):
        result = cli(config, command)
        assert result.exit_code == 1, result.output
        assert "database: cannot connect to postgresql://nw:***@127.0.0.1:" in result.output
        assert "s3cret" not in result.output
    assert sorted(os.listdir(tmp_path)) == ["config.yaml"]  # no file named after the URL
    assert site.hits == 0


def test_the_canonical_case_on_postgresql_through_the_cli(
    tmp_path: Path, site: PageServer, pg_url: str
) -> None:
    config = pg_config(tmp_path, site, pg_url)
    for name in ("v1.html", "v1-noise.html", "v2.html", "v3.html"):
        site.serve(name)
        result = cli(config, "check")
        assert result.exit_code == 0, result.output
    result = cli(config, "history", site.url, "--json")
    assert result.exit_code == 0, result.output
    history = json.loads(result.output)
    assert [v["n"] for v in history["versions"]] == [1, 2, 3]
    assert [(c["from"], c["to"], c["silent"]) for c in history["changes"]] == [
        (1, 2, False),
        (2, 3, True),
    ]
    assert len(site.hooks) == 2  # one webhook per change, from the PostgreSQL outbox
    assert [h["change"]["to"] for h in site.hooks] == [2, 3]
    shown_diff = cli(config, "diff", site.url)
    assert shown_diff.exit_code == 0 and shown_diff.output.strip()
    sources = cli(config, "sources")
    assert sources.exit_code == 0 and "alhurra" in sources.output
    shown_version = cli(config, "show", site.url, "--version", "2", "--json")
    assert shown_version.exit_code == 0 and json.loads(shown_version.output)["n"] == 2
    exported = cli(config, "export", "--what", "versions", "--format", "jsonl")
    exported_rows = [json.loads(line) for line in exported.stdout.strip().split("\n")]
    assert exported.exit_code == 0, exported.output
    assert [r.get("n") for r in exported_rows] == [1, 2, 3], [list(r)[:6] for r in exported_rows]
    healthy = cli(config, "health", "--max-lag", "1h", "--json")
    assert healthy.exit_code == 0, healthy.output
    assert sorted(os.listdir(tmp_path)) == ["config.yaml"]

    # the web view and its feeds read the same history, read-only
    view = TestClient(create_app(open_store(pg_url, readonly=True)))
    assert view.get("/").text.count('<tr class="change">') == 2
    found = view.get("/search", params={"q": "داعـــش"}).text
    assert found.count('<div class="hit">') == 1
    assert len(feedparser.parse(view.get("/feed.atom").content).entries) == 2
