"""The PostgreSQL store on a real throwaway cluster: migrations under an advisory lock, claims
with SKIP LOCKED, fencing, native types, folded full-text search, clear connection errors.

The behaviour both backends share is in the store contract suite; these are what only a
server database has (concurrent hosts, its own types and text search, its URL).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from newswatch.errors import StoreError
from newswatch.judge.plan import CheckPolicy, Extracted, Planned, asks, plan
from newswatch.models import Article, FetchResult
from newswatch.politeness import RobotsRules
from newswatch.store import Applied, DueArticle, SourceSpec, open_budgets
from newswatch.store.postgres import PostgresStore, open_postgres
from newswatch.store.postgres.budgets import SWEEP_EVERY_S
from newswatch.store.postgres.connection import shown_url
from newswatch.store.postgres.schema import LATEST_VERSION
from newswatch.store.postgres.search import Query, fold, snippet
from tests.pgcluster import PgCluster, free_port

T0 = datetime(2016, 7, 20, 13, 0, tzinfo=UTC)


def writable(url: str) -> PostgresStore:
    opened = open_postgres(url)
    assert isinstance(opened, PostgresStore)
    return opened


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    opened = writable(pg_url)
    yield opened
    opened.close()


def feed(store: PostgresStore, n: int) -> list[str]:
    store.sync_sources([SourceSpec("feed", "https://f.example/rss", "feed", 600, "UTC")], T0)
    urls = [f"https://f.example/{i}" for i in range(n)]
    assert store.add_articles("feed", urls, T0) == n
    return urls


def record(
    store: PostgresStore, due: DueArticle, at: datetime, title: str, paragraphs: list[str]
) -> tuple[Planned, Applied]:
    """One check of a page with this text: the store's state read, the planner, the apply."""
    art = Article(url=due.url, title=title, paragraphs=paragraphs, language="ar")
    page = FetchResult(due.url, due.url, 200, {}, b"x", None, None, None, None, [], 1.0, at)
    got = Extracted(at, page, art)
    content, canonical = asks(got)
    state = store.check_state(due, content_hash=content, canonical_url=canonical, now=at)
    made = plan(state, got, due, CheckPolicy(), at)
    return made, store.apply(made.write)


# ------------------------------------------------------------------ schema


def test_two_hosts_opening_a_new_database_at_once_migrate_it_once(pg_url: str) -> None:
    barrier = threading.Barrier(2)

    def host(_: int) -> list[int]:
        barrier.wait()
        opened = open_postgres(pg_url)
        opened.close()
        return opened.migrated

    with ThreadPoolExecutor(2) as pool:
        applied = sorted(pool.map(host, range(2)))
    assert applied == [[], list(range(1, LATEST_VERSION + 1))]
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        assert rows == [(v,) for v in range(1, LATEST_VERSION + 1)]
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = 'versions'"
            ).fetchall()
        )
    assert types["first_seen_at"] == "timestamp with time zone"
    assert types["paragraphs"] == "jsonb" and types["search"] == "tsvector"


def test_a_newer_database_is_refused_and_readonly_needs_a_current_one(pg_url: str) -> None:
    with pytest.raises(StoreError, match="run 'newswatch check'"):
        open_postgres(pg_url, readonly=True)  # nothing here yet
    open_postgres(pg_url).close()
    reader = open_postgres(pg_url, readonly=True)
    assert not isinstance(reader, PostgresStore)
    with pytest.raises(StoreError, match="read-only"), reader.connection.transaction() as conn:
        conn.execute("DELETE FROM sources")  # the sessions themselves refuse any write
    assert reader.source_names() == []
    reader.close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    with pytest.raises(StoreError, match="newer"):
        open_postgres(pg_url)


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    url = f"postgresql://nw:s3cret@127.0.0.1:{free_port()}/nw"
    with pytest.raises(StoreError) as caught:
        open_postgres(url)
    message = str(caught.value)
    assert message.startswith("database: cannot connect to postgresql://nw:***@127.0.0.1:")
    assert "s3cret" not in message
    assert shown_url("postgresql://u@h/db") == "postgresql://u@h/db"


# ------------------------------------------------------------------ claims and fencing


def test_concurrent_claims_skip_locked_rows_and_take_each_article_once(
    store: PostgresStore, pg_url: str
) -> None:
    urls = feed(store, 60)
    hosts = [store, writable(pg_url), writable(pg_url)]

    def worker(i: int) -> list[str]:
        got: list[str] = []
        while batch := hosts[i % 3].claim_due(T0, 4, 60):
            got.extend(d.url for d in batch)
        return got

    with ThreadPoolExecutor(6) as pool:
        claimed = [url for part in pool.map(worker, range(6)) for url in part]
    for other in hosts[1:]:
        other.close()
    assert sorted(claimed) == sorted(urls)


def test_a_claim_does_not_wait_for_rows_another_transaction_holds(
    store: PostgresStore, pg_url: str
) -> None:
    feed(store, 3)
    with psycopg.connect(pg_url) as blocker:  # another host, mid-claim on the first article
        blocker.execute("SELECT id FROM articles ORDER BY id LIMIT 1 FOR UPDATE")
        got = store.claim_due(T0, 10, 60)
        assert [d.url for d in got] == ["https://f.example/1", "https://f.example/2"]
    assert [d.url for d in store.claim_due(T0, 10, 60)] == ["https://f.example/0"]


def test_a_late_result_of_an_expired_lease_is_refused(store: PostgresStore, pg_url: str) -> None:
    feed(store, 1)
    (late,) = store.claim_due(T0, 1, 30)
    other = writable(pg_url)  # a second host re-claims once the lease expired
    (fresh,) = other.claim_due(T0 + timedelta(seconds=31), 1, 30)
    assert fresh.lease_token == late.lease_token + 1
    _, stale = record(store, late, T0 + timedelta(seconds=40), "old", ["late"])
    assert stale.lease_lost and store.versions(late.article_id) == []
    made, done = record(other, fresh, T0 + timedelta(seconds=41), "new", ["fresh"])
    assert (made.version_n, done.lease_lost) == (1, False)
    other.close()
    (version,) = store.versions(fresh.article_id)
    assert version.paragraphs == ["fresh"] and version.first_seen_at == T0 + timedelta(seconds=41)


# ------------------------------------------------------------------ search


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("داعـــش", "داعش"),  # tatweel
        ("وَزِيرُ الدِّفَاعِ", "وزير الدفاع"),  # harakat
        ("Élysée, «Paris»: l'État", "elysee paris l etat"),  # Latin diacritics, punctuation
        ("STRASSE straße", "strasse strasse"),  # case folding
        ("  ", ""),
    ],
)
def test_fold_matches_the_sqlite_index(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_query_words_and_phrases() -> None:
    query = Query.parse('كارتر "وزراء  دفاع" AND *')
    assert query.words == ("كارتر", "and") and query.phrases == ("وزراء دفاع",)
    assert Query.parse('" * "').empty
    marked = snippet(query, "t", ["قال كارتر إن وزراء دفاع التحالف"])
    assert "\ue000كارتر\ue001" in marked and "\ue000وزراء\ue001" in marked


def test_search_folds_arabic_and_keeps_phrases(store: PostgresStore) -> None:
    feed(store, 2)
    first, second = store.claim_due(T0, 2, 60)
    body = ["يلتقي عشرات من وزراء الدفاع والخارجية", "الأربعاء والخميس قرب واشنطن"]
    record(store, first, T0, "وزراء دفاع التحالف", body)
    record(store, second, T0, "خبر آخر", ["لا شيء هنا عن داعش"])
    assert [h.url for h in store.search("الخميس")] == []  # a whole word, not a prefix
    assert [h.url for h in store.search('"الأربعاء والخميس قرب"')] == [first.url]
    assert store.search('"واشنطن قرب والخميس"') == []  # the words, not in that order
    assert [h.url for h in store.search("داعـــش")] == [second.url]  # tatweel folded
    assert [h.url for h in store.search("وَزراء")] == [first.url]  # harakat folded
    (hit,) = store.search("وزراء")
    assert (hit.first_n, hit.last_n, hit.matching, hit.versions) == (1, 1, 1, 1)
    assert "\ue000وزراء\ue001" in hit.snippet
    for odd in ('AND OR "', "*", "title:x", "NEAR(a b)", "'; DROP TABLE versions; --", "!&|"):
        assert store.search(odd) == []


def test_restart_of_the_server_is_survived(store: PostgresStore, pg_cluster: PgCluster) -> None:
    feed(store, 2)
    pg_cluster.restart()  # every pooled connection is cut
    assert len(store.claim_due(T0, 10, 60)) == 2


def test_recording_beside_a_sync_of_every_source_never_deadlocks(
    store: PostgresStore, pg_url: str
) -> None:
    """Another host starting (it syncs every source) while checks are being recorded: the
    two take the source and article rows in one order, so neither is a deadlock victim."""
    specs = [
        SourceSpec(f"s{i}", f"https://s{i}.example/a", "article", 60, "UTC") for i in range(30)
    ]
    store.sync_sources(specs, T0)
    other = writable(pg_url)
    stop = threading.Event()
    failures: list[BaseException] = []

    def host_starting() -> None:
        try:
            while not stop.is_set():
                other.sync_sources(specs, T0)
        except BaseException as exc:  # reported below
            failures.append(exc)

    syncing = threading.Thread(target=host_starting)
    syncing.start()
    try:
        deadline = time.monotonic() + 60
        for round_ in range(1, 4):
            at = T0 + timedelta(minutes=2 * round_)
            pending = {a.id for a in store.articles()}
            while pending and time.monotonic() < deadline:
                # rows the sync holds are skipped (SKIP LOCKED), taken in a later claim
                for due in store.claim_due(at, 30, 60, force=True):
                    _, done = record(store, due, at, "t", [f"p {round_}"])
                    assert not done.lease_lost
                    pending.discard(due.article_id)
    finally:
        stop.set()
        syncing.join(60)
        other.close()
    assert failures == []
    assert [len(store.versions(a.id)) for a in store.articles()] == [3] * len(specs)


_HOLDER = """
import sys
from newswatch.store import open_budgets
budgets = open_budgets(sys.argv[1], hold_seconds=3600)
assert budgets is not None and budgets.take("site.example", 1, 10, 0.0) is not None
print("held", flush=True)
sys.stdin.read()
"""


def test_a_place_held_by_a_killed_host_is_free_long_before_its_hold(pg_url: str) -> None:
    """A host killed mid-fetch (``kill -9``) never gives its place back; the site's budget
    must not stay taken for the whole hold (it stalled every other host for the fetch
    timeout plus a margin): the place goes with its process's session."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, pg_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    other = open_budgets(pg_url)
    assert other is not None
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        assert other.take("site.example", per_host=1, concurrency=10, delay=0.0) is None
        time.sleep(SWEEP_EVERY_S)  # a live holder's place survives a sweep too
        assert other.take("site.example", per_host=1, concurrency=10, delay=0.0) is None
        holder.kill()
        holder.wait(30)
        deadline = time.monotonic() + 120  # the server notices the closed session soon
        while (taken := other.take("site.example", 1, 10, 0.0)) is None:
            assert time.monotonic() < deadline, "the dead host's place was never freed"
            time.sleep(0.1)
        assert other.take("site.example", 1, 10, 0.0) is None  # and the limit still holds
        other.give_back(taken[0])
    finally:
        holder.kill()
        holder.wait(30)
        other.close()


_ROBOTS_FETCHER = """
import sys
from newswatch.store import open_budgets
budgets = open_budgets(sys.argv[1])
assert budgets is not None and budgets.robots_claim("site.example", 3600)
print("claimed", flush=True)
sys.stdin.read()
"""


def test_a_robots_claim_of_a_killed_host_is_free_long_before_it_runs_out(pg_url: str) -> None:
    """A host killed while fetching a site's robots.txt never puts a copy: every other host
    waited out its whole claim (30 s in the daemon) before fetching the site at all. The
    claim goes with its owner's session, as a place does; a live owner's claim holds."""
    fetcher = subprocess.Popen(
        [sys.executable, "-c", _ROBOTS_FETCHER, pg_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    other = open_budgets(pg_url)
    assert other is not None
    try:
        assert fetcher.stdout is not None and fetcher.stdout.readline() == b"claimed\n"
        assert not other.robots_claim("site.example", 3600)
        time.sleep(1.0)  # a live owner's claim holds (its presence is still there)
        assert not other.robots_claim("site.example", 3600)
        fetcher.kill()
        fetcher.wait(30)
        deadline = time.monotonic() + 120  # the hour-long claim must not be waited out
        while not other.robots_claim("site.example", 3600):
            assert time.monotonic() < deadline, "the dead host's robots.txt claim held"
            time.sleep(0.1)
        third = open_budgets(pg_url)  # the new claim is live: nobody else takes it
        assert third is not None
        try:
            assert not third.robots_claim("site.example", 3600)
        finally:
            third.close()
    finally:
        fetcher.kill()
        fetcher.wait(30)
        other.close()


def test_a_live_hosts_robots_claim_still_runs_out(pg_url: str) -> None:
    """A live owner slow to fetch robots.txt holds its claim only for its seconds."""
    one, two = open_budgets(pg_url), open_budgets(pg_url)
    assert one is not None and two is not None
    try:
        assert one.robots_claim("site.example", 0.2)
        time.sleep(0.5)
        assert two.robots_claim("site.example", 3600)
        assert not one.robots_claim("site.example", 3600)
    finally:
        one.close()
        two.close()


def test_politeness_budgets_are_shared_by_every_host(pg_url: str) -> None:
    """Two hosts' budgets on one database: one site's per-host limit, its delay, a
    Retry-After and one robots.txt fetch hold for both together."""
    one, two = open_budgets(pg_url), open_budgets(pg_url)
    assert one is not None and two is not None
    try:
        first = one.take("site.example", per_host=1, concurrency=10, delay=30.0)
        assert first is not None and first[1] == pytest.approx(0, abs=1)
        assert two.take("site.example", per_host=1, concurrency=10, delay=30.0) is None
        assert two.take("other.example", per_host=1, concurrency=10, delay=0.0) is not None
        one.give_back(first[0])
        later = two.take("site.example", per_host=1, concurrency=10, delay=30.0)
        assert later is not None and later[1] == pytest.approx(30, abs=2)  # the delay held
        until = datetime.now(UTC) + timedelta(minutes=5)
        one.block("site.example", until)
        shared = two.blocked_until("site.example")
        assert shared is not None and abs((shared - until).total_seconds()) < 0.01
        assert one.robots_claim("site.example", 60) and not two.robots_claim("site.example", 60)
        one.robots_put(
            "site.example", RobotsRules.from_response(200, "User-agent: *\nDisallow: /x"), 60
        )
        copy = two.robots_get("site.example")
        assert copy is not None and copy.fresh and "Disallow: /x" in copy.text
    finally:
        one.close()
        two.close()
