"""Extraction generations through the CLI, on a history recorded through the pipeline: the
current generation is what ``history``, ``diff`` and ``show`` read; an earlier one stays
readable with ``--generation N`` and ``--generations`` lists them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result

from newswatch.cli import main
from newswatch.judge.diff import compare
from newswatch.judge.identity import change_uid
from newswatch.store import (
    ChangeWrite,
    GenerationWrite,
    RebuiltChange,
    RebuiltVersion,
    StoredVersion,
    VersionWrite,
    open_store,
)
from tests.conftest import PageServer
from tests.history_db import build_alhurra


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def rebuilt(v: StoredVersion, n: int, seen: int) -> RebuiltVersion:
    write = VersionWrite(
        n,
        v.hash,
        v.title,
        tuple(v.paragraphs),
        v.published,
        v.updated,
        tuple(v.stamps),
        v.language,
        v.final_url,
    )
    return RebuiltVersion(write, v.first_seen_at, v.last_seen_at, seen)


def second_generation(config: Path, url: str) -> None:
    """The history read as if versions 2 and 3 were one text (v1, then v3 as v2)."""
    store = open_store(config.parent / "watch.db")
    try:
        article = store.find_article(url)
        assert article is not None
        v1, _, v3 = store.versions(article.id)
        change = compare(v1, v3)
        assert change is not None
        write = GenerationWrite(
            article_id=article.id,
            replaces=1,
            made_at=datetime(2026, 12, 2, 3, 0, tzinfo=UTC),
            versions=(rebuilt(v1, 1, 1), rebuilt(v3, 2, 2)),
            changes=(
                RebuiltChange(
                    ChangeWrite(change_uid(url, v1.hash, v3.hash, 2), 1, 2, change),
                    v3.first_seen_at,
                ),
            ),
            title=v3.title,
            report={"line": "3 → 2 versions (1 merged)", "merged": 1},
        )
        assert store.apply_generation(write).generation == 2
    finally:
        store.close()


def test_history_reads_the_current_generation_and_keeps_the_earlier(
    tmp_path: Path, site: PageServer
) -> None:
    config = build_alhurra(tmp_path, site)
    before = json.loads(cli(config, "history", site.url, "--json").output)
    assert before["generation"] == 1 and len(before["versions"]) == 3
    listed = cli(config, "history", site.url, "--generations")
    assert listed.exit_code == 0 and "generation 1" in listed.output and "current" in listed.output

    second_generation(config, site.url)
    now = json.loads(cli(config, "history", site.url, "--json").output)
    assert (now["generation"], now["current_generation"]) == (2, 2)
    assert [v["n"] for v in now["versions"]] == [1, 2]
    assert [(c["from"], c["to"]) for c in now["changes"]] == [(1, 2)]
    old = json.loads(cli(config, "history", site.url, "--generation", "1", "--json").output)
    assert (old["generation"], old["current_generation"]) == (1, 2)
    assert [v["hash"] for v in old["versions"]] == [v["hash"] for v in before["versions"]]
    assert old["changes"] == before["changes"]
    text = cli(config, "history", site.url, "--generation", "1").output
    assert "an earlier reading; the current one is 2" in text and "3 version(s)" in text

    listing = json.loads(cli(config, "history", site.url, "--generations", "--json").output)
    assert [(g["generation"], g["current"], g["versions"]) for g in listing["generations"]] == [
        (1, False, 3),
        (2, True, 2),
    ]
    assert listing["generations"][1]["report"]["merged"] == 1
    assert "3 → 2 versions (1 merged)" in cli(config, "history", site.url, "--generations").output

    # the two readings compared: diff in each generation
    current = json.loads(cli(config, "diff", site.url, "--json").output)
    assert (current["from"], current["to"]) == (1, 2)
    earlier = json.loads(cli(config, "diff", site.url, "--generation", "1", "--json").output)
    assert (earlier["from"], earlier["to"]) == (2, 3)
    shown = json.loads(cli(config, "show", site.url, "--json").output)
    assert shown["n"] == 2 and shown["hash"] == before["versions"][2]["hash"]

    missing = cli(config, "history", site.url, "--generation", "7")
    assert missing.exit_code == 1 and "no extraction generation 7 (it has 1, 2)" in missing.output
    filtered = cli(config, "history", site.url, "--generation", "1", "--kind", "silent")
    assert filtered.exit_code == 2 and "filters apply to the current generation" in filtered.stderr
    no_url = cli(config, "history", "--generations")
    assert no_url.exit_code == 2 and "need the article's URL" in no_url.stderr
