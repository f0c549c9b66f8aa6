"""The SQLite backend alone: schema migrations, two connections on one file, crash safety."""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from newswatch.errors import StoreError
from newswatch.politeness import SharedBudgets
from newswatch.store import SourceSpec, open_budgets, open_store
from newswatch.store.sqlite import SqliteStore
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.schema import LATEST_VERSION, MIGRATIONS, Migration, migrate

T0 = datetime(2016, 7, 20, 13, 0, tzinfo=UTC)


# ------------------------------------------------------------------ schema


def test_migrates_empty_and_reopens_idempotently(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "n.db"
    first = open_store(path)
    first.close()
    second = open_store(path)
    second.close()
    db = sqlite3.connect(path)
    applied = db.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert applied == [(m.version,) for m in MIGRATIONS]
    assert applied[-1] == (LATEST_VERSION,)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sources", "articles", "versions", "changes", "fetches", "deliveries"} <= tables
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    unique = {r[1]: r[2] for r in db.execute("PRAGMA index_list(versions)")}
    assert unique["idx_versions_article_id_n"] == 1


def test_older_database_gets_only_the_new_steps(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    assert migrate(db, T0) == [m.version for m in MIGRATIONS]

    def add_note(db: Database) -> None:
        db.execute("ALTER TABLE articles ADD COLUMN note TEXT")

    future = (*MIGRATIONS, Migration(LATEST_VERSION + 1, "note", add_note))
    assert migrate(db, T0, future) == [LATEST_VERSION + 1]
    assert migrate(db, T0, future) == []
    assert "note" in db.table("articles").columns_dict


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    open_store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01')")
    with pytest.raises(StoreError, match="newer"):
        open_store(path)


def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError):
        open_store(path)


def test_two_connections_share_claims_and_a_held_lock_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    one = open_store(path)
    two = SqliteStore(SqliteConnection.open(path, busy_timeout_ms=50))
    one.sync_sources([SourceSpec("feed", "https://f.example/rss", "feed", 600, "UTC")], T0)
    one.add_articles("feed", [f"https://f.example/{i}" for i in range(6)], T0)
    got = [d.url for _ in range(3) for s in (one, two) for d in s.claim_due(T0, 1, 60)]
    assert len(got) == len(set(got)) == 6
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreError, match="locked"):
        two.claim_due(T0 + timedelta(hours=1), 1, 60)
    blocker.execute("ROLLBACK")
    assert len(two.claim_due(T0 + timedelta(hours=1), 1, 60)) == 1
    one.close()
    two.close()


def test_a_held_writers_lock_stalls_no_writer_beyond_its_busy_timeout(tmp_path: Path) -> None:
    """The writers' lock is waited for within the busy timeout only: a holder that stopped
    (SIGSTOP, a debugger) with the lock taken but no transaction open delays another
    writer by that timeout, never for good."""
    path = tmp_path / "shared.db"
    store = SqliteStore(SqliteConnection.open(path, busy_timeout_ms=50))
    store.sync_sources([SourceSpec("feed", "https://f.example/rss", "feed", 600, "UTC")], T0)
    store.add_articles("feed", ["https://f.example/1"], T0)
    stopped = os.open(path.with_name(path.name + "-writer"), os.O_RDWR)
    fcntl.flock(stopped, fcntl.LOCK_EX)
    claimed: list[str] = []
    thread = threading.Thread(
        target=lambda: claimed.extend(d.url for d in store.claim_due(T0, 1, 60)), daemon=True
    )
    try:
        thread.start()
        thread.join(30)
        assert claimed == ["https://f.example/1"]
    finally:
        fcntl.flock(stopped, fcntl.LOCK_UN)
        os.close(stopped)
        thread.join(30)
    store.close()


def test_plans_handed_in_together_share_a_transaction_each_all_or_nothing(
    tmp_path: Path,
) -> None:
    """Plans applied by several threads while a transaction is being written go in the
    next one together; each gets its own answer (a lost lease refuses that plan alone)."""
    from newswatch.judge.plan import CheckPolicy, Extracted, asks, plan
    from newswatch.models import Article, FetchResult

    store = open_store(tmp_path / "batch.db")
    urls = [f"https://b.example/{i}" for i in range(6)]
    store.sync_sources(
        [SourceSpec(f"s{i}", u, "article", 60, "UTC") for i, u in enumerate(urls)], T0
    )
    claims = store.claim_due(T0, 10, 600)
    assert len(claims) == 6
    plans = []
    for due in claims:
        art = Article(url=due.url, title="t " + due.url, paragraphs=["p " + due.url])
        page = FetchResult(due.url, due.url, 200, {}, b"x", None, None, None, None, [], 1.0, T0)
        got = Extracted(T0, page, art)
        content, canonical = asks(got)
        state = store.check_state(due, content_hash=content, canonical_url=canonical, now=T0)
        plans.append(plan(state, got, due, CheckPolicy(), T0).write)
    assert store.release_leases(claims[-1:]) == 1  # that check's lease is lost
    commits: list[str] = []
    conn = store.connection.conn
    conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    answers: dict[int, object] = {}

    def apply(i: int) -> None:
        answers[i] = store.apply(plans[i])

    with store.connection.lock:  # a transaction "being written": every plan waits
        threads = [threading.Thread(target=apply, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        # until they all have handed their plans in: the first holds its own batch (blocked
        # on the connection), the other five wait in the queue for the next transaction
        deadline = time.monotonic() + 60
        while len(store._checks._queue) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(store._checks._queue) == 5
    for thread in threads:
        thread.join(10)
    conn.set_trace_callback(None)
    assert [getattr(answers[i], "lease_lost", None) for i in range(6)] == [False] * 5 + [True]
    assert len(commits) < 6  # the ones that waited shared a transaction
    db = store.connection.conn
    stored = {
        r[0]
        for r in db.execute("SELECT a.url FROM versions v JOIN articles a ON a.id = v.article_id")
    }
    assert stored == set(urls[:5])
    store.close()


# ------------------------------------------------------------------ crash safety

_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime, timedelta
    from newswatch.judge.plan import CheckPolicy, Extracted, asks, plan
    from newswatch.models import Article, FetchResult
    from newswatch.store import SourceSpec, open_store

    store = open_store(sys.argv[1])
    # "STATEMENT@I#K": SIGKILL ourselves just before the K-th statement of iteration I that
    # contains STATEMENT runs, which lands inside the transaction applying the plan for sure
    trigger, _, where = sys.argv[2].partition("@")
    at_iteration, _, nth = where.partition("#")
    i = seen = 0

    def trace(sql):
        global seen
        if trigger and i == int(at_iteration) and trigger.lower() in sql.lower():
            seen += 1
            if seen == int(nth or 1):
                os.kill(os.getpid(), signal.SIGKILL)

    store.connection.conn.set_trace_callback(trace)
    url = "https://crash.example/a"
    store.sync_sources([SourceSpec("crash", url, "article", 60, "UTC")], datetime.now(UTC))
    policy = CheckPolicy(channels=("log", "webhook"))
    while True:
        i += 1
        now = datetime.now(UTC)
        (due,) = store.claim_due(now, 1, 0, force=True)
        latest = store.latest_version(due.article_id)
        if latest is not None and i % 3 == 0:
            title, paras = latest.title, latest.paragraphs
        else:
            title, paras = "t " + os.urandom(4).hex(), ["p " + os.urandom(8).hex()] * (i % 5 + 1)
        art = Article(url=url, title=title, paragraphs=paras)
        page = FetchResult(url, url, 200, {}, b"x", None, None, None, None, [], 1.0, now)
        got = Extracted(now, page, art)
        content, canonical = asks(got)
        state = store.check_state(due, content_hash=content, canonical_url=canonical, now=now)
        store.apply(plan(state, got, due, policy, now).write)
        print(i, flush=True)
    """
)

# (kill trigger, lines to read first): an external SIGKILL at whatever point the loop has
# reached, or a self-inflicted one just before a given statement of applying the plan
_ROUNDS = (
    ("", 7),
    ('INSERT INTO "changes"@5', 4),
    ("", 23),
    ("INSERT OR IGNORE INTO deliveries@4", 3),
    ('INSERT INTO "versions"@2', 1),
    ("COMMIT@8#2", 7),  # claim_due commits first, then the plan (the state read has its own)
    ("UPDATE articles SET last_checked_at@6", 5),
    ("", 15),
)


@pytest.mark.slow
def test_sigkill_mid_write_leaves_consistent_history(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.db"
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    printed = 0
    for trigger, lines in _ROUNDS:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(db_path), trigger],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = (proc.stdout, proc.stderr)
        assert out is not None and err is not None
        for _ in range(lines):
            assert out.readline(), err.read()
        if trigger:
            assert out.readline() == "", "the writer should have killed itself"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL, err.read()
        printed += lines + len(out.read().splitlines())  # lines it wrote before dying
        out.close()
        err.close()

    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    fetches = db.execute("SELECT count(*) FROM fetches").fetchone()[0]
    external = sum(1 for trigger, _ in _ROUNDS if not trigger)
    # every check it reported is there; at most one unreported commit per external kill
    assert printed <= fetches <= printed + external
    ns = [r[0] for r in db.execute("SELECT n FROM versions ORDER BY n")]
    assert len(ns) > 20 and ns == list(range(1, len(ns) + 1))
    hashes = [r[0] for r in db.execute("SELECT hash FROM versions ORDER BY n")]
    assert all(a != b for a, b in itertools.pairwise(hashes))
    changes = db.execute("SELECT from_n, to_n, id FROM changes ORDER BY to_n").fetchall()
    assert [(f, t) for f, t, _ in changes] == [(n - 1, n) for n in ns[1:]]
    per_change = db.execute("SELECT change_id, count(*) FROM deliveries GROUP BY change_id")
    assert dict(per_change.fetchall()) == {cid: 2 for _, _, cid in changes}
    store = open_store(db_path)  # and the store still opens and reads it
    (state,) = store.source_states()
    assert state.versions == len(ns) and state.changes == len(changes)
    history = json.dumps([c.as_dict() for c in store.changes(limit=5)])
    assert '"from"' in history
    store.close()


_ROBOTS_FETCHER = """
import sys
from newswatch.store import open_budgets
budgets = open_budgets(sys.argv[1])
assert budgets is not None and budgets.robots_claim("site.example", 3600)
print("claimed", flush=True)
sys.stdin.read()
"""


def test_a_robots_claim_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    """A worker process killed while fetching a site's robots.txt must not make the others
    wait out its claim: the claim names its process, and a gone process's claim is free."""
    path = str(tmp_path / "budgets.db")
    fetcher = subprocess.Popen(
        [sys.executable, "-c", _ROBOTS_FETCHER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    other = open_budgets(path)
    assert other is not None
    try:
        assert fetcher.stdout is not None and fetcher.stdout.readline() == b"claimed\n"
        assert not other.robots_claim("site.example", 3600)  # a live owner's claim holds
        fetcher.kill()
        fetcher.wait(30)  # reaped: its pid is gone
        assert other.robots_claim("site.example", 3600)
    finally:
        fetcher.kill()
        fetcher.wait(30)
        other.close()


_PLACE_HOLDER = """
import sys
from newswatch.store import open_budgets
budgets = open_budgets(sys.argv[1])
assert budgets is not None
assert budgets.take("http://site.example:80", 2, 10, 0.0) is not None
assert budgets.take("http://site.example:80", 2, 10, 0.0) is not None
print("holding", flush=True)
sys.stdin.read()
"""


def test_places_hold_across_budgets_on_one_file_and_a_killed_holder_frees_them(
    tmp_path: Path,
) -> None:
    """per_host and concurrency count every process's requests in flight on the file; a
    process killed mid-request (no give_back) must not keep its places."""
    path = str(tmp_path / "budgets.db")
    holder = subprocess.Popen(
        [sys.executable, "-c", _PLACE_HOLDER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    first, second = open_budgets(path), open_budgets(path)
    assert first is not None and second is not None
    host, other = "http://site.example:80", "http://other.example:80"
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"holding\n"
        assert first.take(host, 2, 10, 0.0) is None  # the live holder's two places count
        mine = first.take(other, 1, 3, 0.0)
        assert mine is not None
        assert second.take(other, 1, 3, 0.0) is None  # per host, across two opens
        assert second.take("http://third.example:80", 5, 3, 0.0) is None  # overall: 2 + 1
        holder.kill()
        holder.wait(30)
        taken = [second.take(host, 2, 10, 0.0), second.take(host, 2, 10, 0.0)]
        assert all(t is not None for t in taken)
        assert first.take(host, 2, 10, 0.0) is None
        first.give_back(mine[0])
        again = second.take(other, 1, 10, 0.0)
        assert again is not None
        for token in [*taken, again]:
            assert token is not None
            second.give_back(token[0])
        assert first.take(host, 2, 10, 0.0) is not None
    finally:
        holder.kill()
        holder.wait(30)
        first.close()
        second.close()


def test_a_host_delay_spaces_starts_across_budgets_on_one_file(tmp_path: Path) -> None:
    path = str(tmp_path / "budgets.db")
    first, second = open_budgets(path), open_budgets(path)
    assert first is not None and second is not None
    host = "http://site.example:80"

    def start(budgets: SharedBudgets, delay: float) -> tuple[float, float]:
        """The bounds of the start a take claims: its wait after a clock read just before
        and just after it (however slowly a busy machine runs the take)."""
        before = time.time()
        taken = budgets.take(host, 4, 10, delay)
        after = time.time()
        assert taken is not None
        return before + taken[1], after + taken[1]

    try:
        a = start(first, 5.0)
        b = start(second, 5.0)
        c = start(first, 0.0)  # no delay of its own: still after the others
        # b starts 5 s after a, c 5 s after b: each within the bounds the clock reads give
        assert b[0] - a[1] <= 5.0 <= b[1] - a[0]
        assert c[0] - b[1] <= 5.0 <= c[1] - b[0]
    finally:
        first.close()
        second.close()
