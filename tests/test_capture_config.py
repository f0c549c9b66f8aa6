"""Capture settings: the config block (global and per source), the retention rules (a
table), and through the CLI: ``capture: off`` keeps nothing, ``keep: versions`` prunes the
confirmations after a pass and never the capture a version points to, ``sources`` and
``/metrics`` say what captures cost on disk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client import generate_latest
from prometheus_client.registry import CollectorRegistry

from newswatch.archive.retention import Retention, prune_rules
from newswatch.cli import main
from newswatch.config import parse_config
from newswatch.errors import ConfigError
from newswatch.metrics import StoreCollector
from newswatch.store import CaptureFilter, CapturePrune, open_store
from tests.conftest import PageServer, page, write_config

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
BASE = "database: x.db\nsources:\n  - name: a\n    url: https://a.example/1\n"


def test_config_blocks_override_key_by_key() -> None:
    assert parse_config(BASE).capture_for("a") == Retention()
    config = parse_config(
        "capture:\n  keep: 30d\n" + BASE + "    capture: every\n"
        "  - name: b\n    url: https://b.example/1\n"
        "    capture:\n      keep: versions\n"
        "  - name: c\n    url: https://c.example/1\n    capture: off\n"
        "  - name: d\n    url: https://d.example/1\n"
        "    capture:\n      prune_versions: true\n"
    )
    assert config.capture_for("a") == Retention("every", keep_seconds=30 * 86400)
    assert config.capture_for("b") == Retention("versions", versions_only=True)
    assert config.capture_for("c").mode == "off"
    assert config.capture_for("d") == Retention(keep_seconds=30 * 86400, prune_versions=True)


@pytest.mark.parametrize(
    "block", ["capture: sometimes\n", "capture:\n  keep: soon\n", "capture:\n  keep: 0s\n"]
)
def test_bad_capture_settings_are_refused(block: str) -> None:
    with pytest.raises(ConfigError):
        parse_config(block + BASE)


@pytest.mark.parametrize(
    ("retention", "rules"),
    [
        (Retention(), []),
        (Retention(mode="off"), []),
        (Retention(versions_only=True), [CapturePrune("s", None, ("confirmed", "fetch"))]),
        (
            Retention(keep_seconds=3600),
            [CapturePrune("s", NOW - timedelta(hours=1), ("confirmed", "fetch"))],
        ),
        (
            Retention(keep_seconds=3600, prune_versions=True),
            [CapturePrune("s", NOW - timedelta(hours=1), ("made", "confirmed", "fetch"))],
        ),
    ],
)
def test_prune_rules(retention: Retention, rules: list[CapturePrune]) -> None:
    assert prune_rules({"s": retention}, NOW) == rules


def checks(config: Path, site: PageServer, *pages: str) -> None:
    for name in pages:
        site.content = page(name)
        result = CliRunner().invoke(main, ["--config", str(config), "check"])
        assert result.exit_code == 0, result.output


def roles(config: Path) -> list[str]:
    store = open_store(config.parent / "watch.db", readonly=True)
    try:
        return [c.role for c in store.captures(CaptureFilter())]
    finally:
        store.close()


def test_capture_off_keeps_nothing(tmp_path: Path, site: PageServer) -> None:
    config = write_config(tmp_path, site.url, extra="capture: off\n")
    checks(config, site, "v1.html", "v2.html")
    assert roles(config) == []


def test_keep_versions_prunes_confirmations_and_sources_show_the_cost(
    tmp_path: Path, site: PageServer
) -> None:
    config = write_config(tmp_path, site.url, extra="capture:\n  keep: versions\n")
    checks(config, site, "v1.html", "v1.html", "v2.html", "v2-cp1256.html")
    assert roles(config) == ["made", "made"]  # the confirmations pruned after their pass

    shown = CliRunner().invoke(main, ["--config", str(config), "sources"])
    assert shown.exit_code == 0, shown.output
    assert "captures (versions): 2, 2 distinct bod(ies)" in shown.output
    assert "on disk" in shown.output and "as fetched" in shown.output

    store = open_store(config.parent / "watch.db", readonly=True)
    try:
        registry = CollectorRegistry()
        registry.register(StoreCollector(store))
        text = generate_latest(registry).decode()
    finally:
        store.close()
    assert 'newswatch_captures{source="alhurra"} 2.0' in text
    raw = len(page("v1.html")) + len(page("v2.html"))
    assert f'newswatch_capture_bytes{{form="fetched",source="alhurra"}} {float(raw)}' in text
    assert 'newswatch_capture_bytes{form="stored",source="alhurra"}' in text
