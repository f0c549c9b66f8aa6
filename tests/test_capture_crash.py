"""kill -9 the daemon while it captures: no half-written capture, none lost.

The crash test's site (tests/test_crash.py: stories that keep gaining update paragraphs)
watched by a real ``newswatch run``, killed with SIGKILL at random moments of busy cycles.
After every kill the file passes ``PRAGMA integrity_check``, every version has the capture
that made it, each capture's body is there and reads back to its SHA-256, and no capture
or body exists without the rows it belongs to.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newswatch.archive import read_version
from newswatch.archive.reading import read_body
from newswatch.store import CaptureFilter, open_store
from tests.test_crash import STORIES, Site, fetch_count, integrity, start, stored_versions

ROUNDS = 12


def check_captures(db_path: Path) -> int:
    """Every version's capture readable and whole; returns how many captures there are."""
    db = sqlite3.connect(db_path, timeout=10)
    try:
        orphans = db.execute(
            "SELECT count(*) FROM captures c LEFT JOIN fetches f ON f.id = c.fetch_id"
            " LEFT JOIN capture_bodies b ON b.sha256 = c.body_sha256"
            " WHERE f.id IS NULL OR b.sha256 IS NULL"
        ).fetchone()[0]
        unmade = db.execute(
            "SELECT count(*) FROM versions v WHERE NOT EXISTS (SELECT 1 FROM captures c"
            " WHERE c.article_id = v.article_id AND c.version_n = v.n AND c.role = 'made')"
        ).fetchone()[0]
    finally:
        db.close()
    assert (orphans, unmade) == (0, 0)
    store = open_store(db_path, readonly=True)
    try:
        for record in store.articles():
            for v in store.versions(record.id):
                raw = read_version(store, record.id, v.n)
                assert raw is not None and f"v{v.title.rsplit('v', 1)[1]}".encode() in raw.body
        captures = store.captures(CaptureFilter())
        for capture in captures:
            read_body(store, capture)  # raises unless the body matches its SHA-256
        return len(captures)
    finally:
        store.close()


@pytest.mark.slow
def test_kill_9_during_capture_leaves_no_half_capture(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = Site(httpserver)
    rng = random.Random(14)
    sources = "".join(
        f"  - name: s{i}\n    url: {site.url(i)}\n    interval: 1s\n" for i in range(STORIES)
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: crash.db\n"
        "fetch:\n  timeout: 2s\n  host_delay: 0s\n  confirm: 0.2s\n"
        "daemon:\n  lease: 3s\n"
        f"sources:\n{sources}"
        "alerts:\n  - kind: log\n",
        encoding="utf-8",
    )
    db_path = tmp_path / "crash.db"
    log = tmp_path / "daemon.log"
    captures = 0
    for _ in range(ROUNDS):
        if db_path.exists():
            done = stored_versions(db_path)
            for i in range(STORIES):
                if done[i] and done[i][-1] == site.current[i]:
                    site.current[i] += 1
        before = fetch_count(db_path)
        proc = start(config, log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if fetch_count(db_path) > before:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.6))
        assert proc.poll() is None, log.read_text()[-3000:]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(60)
        assert integrity(db_path) == "ok"
        captures = check_captures(db_path)
    versions = sum(len(ks) for ks in stored_versions(db_path).values())
    assert versions > STORIES and captures >= versions
    print(f"\ncapture crash test: {ROUNDS} kill -9, {versions} versions, {captures} captures")
