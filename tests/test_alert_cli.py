"""``newswatch alerts test RULE`` and ``newswatch alerts list``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from newswatch.cli import main
from tests.receivers import HttpSink


def write(tmp_path: Path, sink: HttpSink) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: watch.db\n"
        "sources:\n  - {name: alhurra, url: 'https://www.alhurra.com/a/1.html'}\n"
        "alerts:\n"
        f"  - name: desk\n    kind: webhook\n    url: {sink.url('/desk')}\n"
        "    sources: ['alhurra*']\n    on: [title_changed, silent_edit]\n"
        "    min_severity: major\n"
        f"  - name: down\n    kind: webhook\n    url: {sink.url('/down')}\n    digest: null\n",
        encoding="utf-8",
    )
    return config


def test_alerts_test_sends_a_sample_through_the_rule(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    sink = HttpSink(httpserver)
    config = write(tmp_path, sink)
    result = CliRunner().invoke(main, ["--config", str(config), "alerts", "test", "desk"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "desk: sent"
    [got] = sink.at("/desk")
    body = got.json()
    assert body["source"] == "newswatch-test"
    assert body["title"] == "كارتر: شركاؤنا لديهم ما يحتاجون لهزيمة داعش"
    assert got.headers["Idempotency-Key"] == f"{body['id']}:desk"
    assert sink.at("/down") == []  # only the rule named
    assert not (tmp_path / "watch.db").exists()  # a test writes nothing


def test_alerts_test_reports_a_failing_rule_and_an_unknown_one(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    sink = HttpSink(httpserver)
    sink.status["/down"] = 502
    config = write(tmp_path, sink)
    failed = CliRunner().invoke(main, ["--config", str(config), "alerts", "test", "down"])
    assert failed.exit_code == 1
    assert "down: FAILED: webhook" in failed.output and "HTTP 502" in failed.output
    unknown = CliRunner().invoke(main, ["--config", str(config), "alerts", "test", "nope"])
    assert unknown.exit_code == 2
    assert "no alert rule named 'nope'" in unknown.output and "desk, down" in unknown.output


def test_alerts_list_shows_routing(tmp_path: Path, httpserver: HTTPServer) -> None:
    config = write(tmp_path, HttpSink(httpserver))
    result = CliRunner().invoke(main, ["--config", str(config), "alerts", "list"])
    assert result.exit_code == 0, result.output
    assert "desk: channel(s) desk" in result.output
    assert "sources alhurra*; min severity major; digest after 5 per 600s" in result.output
    assert "on silent_edit, title_changed" in result.output
    assert "down: channel(s) down" in result.output and "no digest" in result.output
