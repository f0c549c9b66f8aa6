"""The terminal review commands on a real database built through the pipeline: history
filters, diff formats, show, export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newswatch.cli import main
from newswatch.errors import NewswatchError
from newswatch.history import parse_when
from tests.conftest import PageServer
from tests.history_db import build_alhurra


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


@pytest.fixture
def config(tmp_path: Path, site: PageServer) -> Path:
    return build_alhurra(tmp_path, site)


def changes_json(config: Path, *args: str) -> list[dict[str, object]]:
    result = cli(config, "history", "--json", *args)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output)["changes"])


def test_history_filters(config: Path) -> None:
    assert [c["to"] for c in changes_json(config)] == [3, 2]
    assert [c["to"] for c in changes_json(config, "--kind", "silent")] == [3]
    assert [c["to"] for c in changes_json(config, "--kind", "title")] == [2]
    assert [c["to"] for c in changes_json(config, "--kind", "stamped", "--kind", "added")] == [2]
    assert [c["to"] for c in changes_json(config, "--severity", "minor")] == [3]
    assert [c["to"] for c in changes_json(config, "--source", "alhurra")] == [3, 2]
    unknown = cli(config, "history", "--json", "--source", "elsewhere")
    assert unknown.exit_code == 2 and "no source named 'elsewhere'" in unknown.stderr
    assert [c["to"] for c in changes_json(config, "--since", "1h")] == [3, 2]
    assert changes_json(config, "--until", "2016-07-20") == []
    bad = CliRunner().invoke(main, ["--config", str(config), "history", "--since", "soon"])
    assert bad.exit_code == 1 and "not a date" in bad.output


def test_history_of_one_article_filtered(config: Path, site: PageServer) -> None:
    result = cli(config, "history", site.url, "--json", "--kind", "silent")
    data = json.loads(result.output)
    assert [v["n"] for v in data["versions"]] == [1, 2, 3]
    assert [(c["from"], c["to"]) for c in data["changes"]] == [(2, 3)]


def test_parse_when() -> None:
    now = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
    assert parse_when("2024-05-01", now) == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_when("2024-05-01", now, end=True) == datetime(2024, 5, 2, tzinfo=UTC)
    assert parse_when("2024-05-01T18:17+03:00", now) == datetime(2024, 5, 1, 15, 17, tzinfo=UTC)
    assert parse_when("2h", now) == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    with pytest.raises(NewswatchError):
        parse_when("yesterday-ish", now)


def test_diff_formats(config: Path, site: PageServer) -> None:
    text = cli(config, "diff", site.url, "--from", "1", "--to", "2", "--no-color")
    assert text.exit_code == 0 and "تحديث 18:17 تغ" in text.output
    as_json = json.loads(cli(config, "diff", site.url, "--format", "json").output)
    assert as_json["change"]["silent"] is True
    assert as_json["diff"]["paragraphs"][0]["words"][1] == ["removed", "آشتون"]
    html = cli(config, "diff", site.url, "--from", "1", "--to", "2", "--format", "html").output
    assert html.startswith("<!doctype html>")
    assert 'dir="rtl"' in html and "<style>" in html and "Content-Security-Policy" in html
    assert "<ins>تحديث 18:17 تغ</ins>" in html and "stamp-line" in html


def test_show(config: Path, site: PageServer, expected: dict[str, object]) -> None:
    pages = expected["pages"]
    assert isinstance(pages, dict)
    latest = json.loads(cli(config, "show", site.url, "--json").output)
    assert latest["n"] == 3 and latest["updated"] == "2016-07-20T18:17:00+00:00"
    first = json.loads(cli(config, "show", site.url, "--version", "1", "--json").output)
    assert first["paragraphs"] == pages["v1.html"]["paragraphs"]
    assert any(s["source"] == "jsonld" for s in first["stamps"])
    text = cli(config, "show", site.url, "--version", "2")
    assert "تحديث 18:17 تغ" in text.output and "v2" in text.output
    none = CliRunner().invoke(main, ["--config", str(config), "show", site.url, "--version", "9"])
    assert none.exit_code == 1 and "no version 9 (versions 1 to 3)" in none.output


def test_export_jsonl_and_csv(config: Path, tmp_path: Path) -> None:
    versions = cli(config, "export", "--what", "versions")
    rows = [json.loads(line) for line in versions.stdout.splitlines()]
    assert [r["n"] for r in rows] == [1, 2, 3]
    assert rows[1]["paragraphs"][6] == "تحديث 18:17 تغ"
    changes = cli(config, "export", "--format", "csv", "--kind", "silent")
    table = list(csv.DictReader(io.StringIO(changes.stdout)))
    assert len(table) == 1 and table[0]["silent"] == "1" and table[0]["to"] == "3"
    assert json.loads(table[0]["words_added"]) == ["كارتر"]
    out = tmp_path / "versions.csv"
    cli(config, "export", "--what", "versions", "--format", "csv", "-o", str(out))
    read = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(read) == 3 and read[0]["paragraphs"].count("\n\n") == 8


def typed(*args: str) -> Result:
    """A command as users type it: options (``--config`` too) after the command."""
    return CliRunner().invoke(main, list(args))


def test_export_of_versions_takes_dates_and_refuses_change_filters(
    config: Path, tmp_path: Path
) -> None:
    cfg = str(config)
    recent = typed("export", "--what", "versions", "--since", "1d", "--config", cfg)
    assert recent.exit_code == 0 and len(recent.stdout.splitlines()) == 3
    old = typed("export", "--what", "versions", "--until", "2000-01-01", "--config", cfg)
    assert old.exit_code == 0 and old.stdout == ""
    out = tmp_path / "never.jsonl"
    refused = typed(
        "export", "--what", "versions", "--kind", "silent", "-o", str(out), "--config", cfg
    )
    assert refused.exit_code == 2 and "--kind and --severity select changes" in refused.stderr
    assert not out.exists()
    rows = [json.loads(line) for line in typed("export", "--config", cfg).stdout.splitlines()]
    assert {(r["kind"], r["reason"]) for r in rows} == {("edit", None)}


def test_removed_means_the_article_and_paragraphs_removed_the_text(
    config: Path, site: PageServer
) -> None:
    cfg = str(config)
    site.status = 404
    assert typed("check", "--config", cfg).exit_code == 0
    gone = typed("history", site.url, "--json", "--config", cfg)
    assert json.loads(gone.output)["state"] == "removed"
    assert "state: removed since" in typed("history", site.url, "--config", cfg).output
    site.status = 200
    assert typed("check", "--config", cfg).exit_code == 0

    def kinds(*kind: str) -> list[tuple[int, int]]:
        args = [a for k in kind for a in ("--kind", k)]
        result = typed("history", "--json", *args, "--config", cfg)
        assert result.exit_code == 0, result.output
        return [(c["from"], c["to"]) for c in json.loads(result.output)["changes"]]

    back = typed("history", site.url, "--json", "--config", cfg)
    assert json.loads(back.output)["state"] == "active"
    assert kinds("removed") == [(3, 3)]
    assert kinds("restored") == [(3, 3)]
    assert kinds("paragraphs-removed") == []  # the fixture's edits never cut a paragraph
    assert kinds("added") == kinds("paragraphs-added") == [(1, 2)]  # the old spelling works
    exported = [json.loads(line) for line in typed("export", "--config", cfg).stdout.splitlines()]
    gone = [r for r in exported if r["kind"] != "edit"]
    assert [(r["kind"], r["from"], r["to"]) for r in gone] == [
        ("removed", 3, 3),
        ("restored", 3, 3),
    ]
    assert "404" in gone[0]["reason"] and gone[1]["reason"]
    header = typed("export", "--format", "csv", "--config", cfg).stdout.splitlines()[0]
    assert "kind,reason" in header
