"""``newswatch migrate``: a real history SQLite -> PostgreSQL -> SQLite, through the CLI.

The history is built by the real pipeline (the Alhurra fixture checked v1 -> v2 -> v3 with a
webhook receiving the alerts); after each hop ``history --json`` must print exactly what it
printed before, every table must verify, an interrupted copy must resume, and a target that
differs from its source must be reported, not passed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from newswatch.archive import read_capture
from newswatch.cli import main
from newswatch.store import CaptureFilter, Store, copy_history, open_store
from tests.conftest import PageServer, write_config
from tests.history_db import check_sequence


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def pointed_at(config: Path, database: str, directory: Path) -> Path:
    """A copy of ``config`` whose ``database:`` is ``database``."""
    directory.mkdir(exist_ok=True)
    text = config.read_text(encoding="utf-8").replace("database: watch.db", f"database: {database}")
    path = directory / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def history_outputs(config: Path, url: str) -> list[str]:
    return [cli(config, "history", url, "--json").output, cli(config, "history", "--json").output]


@pytest.fixture
def sqlite_history(tmp_path: Path, site: PageServer) -> Path:
    config = write_config(tmp_path, site.url, hook_url=site.hook_url)
    check_sequence(config, site, ("v1.html", "v2.html", "v3.html"))
    assert len(site.hooks) == 2
    return config


def test_round_trip_keeps_history_json_identical(
    tmp_path: Path, site: PageServer, sqlite_history: Path, pg_url: str
) -> None:
    before = history_outputs(sqlite_history, site.url)
    assert '"versions"' in before[0]

    to_pg = cli(sqlite_history, "migrate", "--to", pg_url)
    assert to_pg.exit_code == 0, to_pg.output
    assert "every table verified" in to_pg.output and "MISMATCH" not in to_pg.output
    on_pg = pointed_at(sqlite_history, pg_url, tmp_path / "pg")
    assert history_outputs(on_pg, site.url) == before

    home = tmp_path / "home" / "taken.db"
    back = cli(on_pg, "migrate", "--to", f"sqlite:///{home}")
    assert back.exit_code == 0, back.output
    on_sqlite = pointed_at(sqlite_history, str(home), tmp_path / "again")
    assert history_outputs(on_sqlite, site.url) == before

    # both copies search, and the PostgreSQL one keeps numbering after the copied ids
    reader = open_store(pg_url, readonly=True)
    assert [hit.url for hit in reader.search("كارتر")] == [site.url]
    reader.close()
    store: Store = open_store(pg_url)
    added = store.add_articles("alhurra", ["https://example.org/new"], datetime.now(UTC))
    assert added == 1 and store.find_article("https://example.org/new") is not None
    store.close()
    assert [hit.url for hit in open_store(home, readonly=True).search("كارتر")] == [site.url]


def test_an_interrupted_copy_resumes_and_a_tampered_one_is_reported(
    tmp_path: Path, sqlite_history: Path, pg_url: str
) -> None:
    source = str(tmp_path / "watch.db")

    def stop_in_versions(table: str, rows: int) -> None:
        if table == "versions" and rows == 2:
            raise KeyboardInterrupt  # a user's ^C half-way through

    with pytest.raises(KeyboardInterrupt):
        copy_history(source, pg_url, batch=1, progress=stop_in_versions)
    with psycopg.connect(pg_url) as conn:
        (kept,) = conn.execute("SELECT count(*) FROM versions").fetchone() or (0,)
    assert kept == 2  # the batches written before the interruption stayed

    resumed = copy_history(source, pg_url, batch=1)
    assert resumed.ok
    copied = {t.name: t.copied for t in resumed.tables}
    assert copied["versions"] == 1 and copied["sources"] == 0  # only what was missing

    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE versions SET title = 'tampered' WHERE n = 2")
    again = cli(sqlite_history, "migrate", "--to", pg_url)
    assert again.exit_code == 1
    assert "MISMATCH" in again.output and "versions" in again.output


def test_bad_targets_are_clear_errors(sqlite_history: Path) -> None:
    bad = cli(sqlite_history, "migrate", "--to", "mysql://u@h/nw")
    assert bad.exit_code == 2 and "--to: unsupported database URL scheme mysql://" in bad.output
    same = cli(sqlite_history, "migrate", "--to", "watch.db")
    assert same.exit_code == 1 and "the same database" in same.output


def test_frames_against_a_base_copy_in_any_order_and_read_back(
    tmp_path: Path, site: PageServer, pg_url: str
) -> None:
    """A confirmation's body is a frame against the body that made its version; the copy
    writes a table's rows in key order, one row a batch here, so frames land before their
    bases as often as not, and every capture must still read back byte for byte."""
    config = write_config(tmp_path, site.url)
    page, served = site.content, []
    for nonce in ("n1", "n2", "n3", "n4"):
        site.content = page.replace(b"</body>", f"<script nonce={nonce}>1</script></body>".encode())
        served.append(site.content)
        assert cli(config, "check").exit_code == 0
    source = config.parent / "watch.db"
    home = tmp_path / "back.db"
    copy_history(source, pg_url, batch=1)
    copy_history(pg_url, home, batch=1)
    for url in (source, pg_url, home):
        reader = open_store(url, readonly=True)
        try:
            caps = reader.captures(CaptureFilter())
            assert [c.role for c in caps] == ["made", "confirmed", "confirmed", "confirmed"]
            bodies = [reader.capture_body(c.body_sha256) for c in caps]
            framed = [b is not None and b.base is not None for b in bodies]
            assert framed == [False, True, True, True]
            for capture, body in zip(caps, served, strict=True):
                raw = read_capture(reader, capture.id)
                assert raw is not None and raw.body == body
        finally:
            reader.close()
