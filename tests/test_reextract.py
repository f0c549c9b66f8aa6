"""Re-extraction through the CLI: a history recorded with a deliberately worse extractor (an
``extract:`` rule that reads the whole page, furniture included) is read again from its
captures with the normal one. The false versions disappear from the new generation, the
real ones remain (the same texts a normal recording holds), the old generation stays
readable, no alert is sent; a ``kill -9`` in the middle loses nothing."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newswatch.archive import read_version
from newswatch.cli import main
from newswatch.store import CaptureFilter
from newswatch.store.sqlite import SqliteStore
from newswatch.store.sqlite.connection import SqliteConnection
from tests.conftest import PageServer, page
from tests.history_db import check_sequence

WORSE = "    extract:\n      body: body\n"  # the whole page: view counters, most-read lists


def config_text(url: str, hook_url: str, rule: str) -> str:
    return (
        "database: watch.db\n"
        "schedule:\n  adaptive: false\n"
        "sources:\n"
        "  - name: alhurra\n"
        f"    url: {url}\n"
        "    kind: article\n"
        "    interval: 1s\n"
        "    timezone: Asia/Riyadh\n"
        f"{rule}"
        "alerts:\n"
        "  - kind: log\n"
        f"  - kind: webhook\n    url: {hook_url}\n    digest: null\n"
    )


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def history(config: Path, url: str, *args: str) -> dict[str, object]:
    result = cli(config, "history", url, "--json", *args)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def hashes(found: dict[str, object]) -> list[str]:
    versions = found["versions"]
    assert isinstance(versions, list)
    return [str(v["hash"]) for v in versions]


PAGES = ("v1.html", "v1-noise.html", "v2.html", "v3.html")


def test_a_history_recorded_with_a_worse_extractor_is_read_again(
    tmp_path: Path, site: PageServer
) -> None:
    # what the normal extractor records from the same fetches: the real versions
    normal_dir = tmp_path / "normal"
    normal_dir.mkdir()
    normal = normal_dir / "config.yaml"
    normal.write_text(config_text(site.url, site.hook_url, ""), encoding="utf-8")
    check_sequence(normal, site, PAGES)
    real = hashes(history(normal, site.url))
    assert len(real) == 3  # v1 and v1-noise differ only in page furniture
    site.hooks.clear()

    config = tmp_path / "config.yaml"
    config.write_text(config_text(site.url, site.hook_url, WORSE), encoding="utf-8")
    check_sequence(config, site, PAGES)
    worse = history(config, site.url)
    assert len(hashes(worse)) == 4  # a view counter moved: a false version
    assert len(site.hooks) == 3  # and a false alert, at the time
    alerts_sent = len(site.hooks)

    config.write_text(config_text(site.url, site.hook_url, ""), encoding="utf-8")
    dry = cli(config, "reextract", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would change" in dry.output and "4 → 3 versions (1 merged)" in dry.output
    assert history(config, site.url) == worse  # a dry run writes nothing

    done = cli(config, "reextract", "--source", "alhurra")
    assert done.exit_code == 0, done.output
    assert "generation 2" in done.output and "4 → 3 versions (1 merged)" in done.output
    assert "3 → 2 changes" in done.output and "noise paragraph" in done.output
    assert "1 rebuilt as a new generation" in done.output

    now = history(config, site.url)
    assert now["generation"] == 2
    assert hashes(now) == real  # the false version is gone, the real ones remain
    changes = now["changes"]
    assert isinstance(changes, list) and [(c["from"], c["to"]) for c in changes] == [
        (1, 2),
        (2, 3),
    ]
    old = history(config, site.url, "--generation", "1")
    assert hashes(old) == hashes(worse) and old["changes"] == worse["changes"]
    listed = json.loads(cli(config, "history", site.url, "--generations", "--json").output)
    (_, second) = listed["generations"]
    assert second["report"]["merged"] == 1 and second["report"]["noise_paragraphs"] >= 2
    assert any("مشاهدة" in p for p in second["report"]["noise_quoted"])  # the view counter

    # no alert for the past, now or on the next round; nothing left queued
    assert cli(config, "check").exit_code == 0
    assert len(site.hooks) == alerts_sent
    db = sqlite3.connect(tmp_path / "watch.db")
    try:
        states = db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall()
        assert states == [("delivered", 2 * alerts_sent)]  # log and webhook
    finally:
        db.close()

    again = cli(config, "reextract")
    assert again.exit_code == 0 and "0 rebuilt as a new generation, 1 unchanged" in again.output
    assert history(config, site.url)["generation"] == 2


# ------------------------------------------------------------------ kill -9 in the middle

STORIES = 24


def story(i: int, k: int, round_: int) -> str:
    """Story ``i`` at version ``k``, with a most-read list that differs on every round."""
    updates = [f"Update {j}: talks in district {i} go on after vote {j}." for j in range(k, 0, -1)]
    base = [
        f"The council of district {i} met on Tuesday to discuss the budget for the coming "
        f"year, and members argued about schools, roads and the new library ({j})."
        for j in range(6)
    ]
    body = "".join(f"<p>{p}</p>" for p in updates + base)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Story {i} | Daily</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Story {i}</h1>{body}</article>"
        f"<div class='counter'><p>Read {round_ * 7 + i + 1200} times</p></div>"
        "</body></html>"
    )


class Site:
    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.k = 0
        self.round = 0
        self.hooks = 0
        self._lock = threading.Lock()
        server.expect_request(re.compile(r"^/story/\d+$")).respond_with_handler(self._story)
        server.expect_request("/hook", method="POST").respond_with_handler(self._hook)

    def url(self, i: int) -> str:
        return self.server.url_for(f"/story/{i}")

    def _story(self, request: Request) -> Response:
        return Response(
            story(int(request.path.rsplit("/", 1)[1]), self.k, self.round),
            content_type="text/html; charset=utf-8",
        )

    def _hook(self, request: Request) -> Response:
        with self._lock:
            self.hooks += 1
        return Response("", status=204)


def many_config(site: Site, rule: str, stories: int = STORIES) -> str:
    sources = "".join(
        f"  - name: s{i}\n    url: {site.url(i)}\n    interval: 1s\n{rule}" for i in range(stories)
    )
    return (
        "database: many.db\n"
        "fetch:\n  timeout: 5s\n  host_delay: 0s\n"
        "schedule:\n  adaptive: false\n"
        f"sources:\n{sources}"
        f"alerts:\n  - kind: webhook\n    url: {site.server.url_for('/hook')}\n    digest: null\n"
    )


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(db_path, timeout=30)
    try:
        return list(db.execute(sql).fetchall())
    finally:
        db.close()


def test_kill_9_during_reextract_loses_nothing(tmp_path: Path, httpserver: HTTPServer) -> None:
    site = Site(httpserver)
    config = tmp_path / "config.yaml"
    config.write_text(many_config(site, "    extract:\n      body: body\n"), encoding="utf-8")
    for round_, k in enumerate((0, 0, 1)):  # the same text with other furniture, then an edit
        site.k, site.round = k, round_
        result = cli(config, "check")
        assert result.exit_code == 0, result.output
    db_path = tmp_path / "many.db"
    recorded = rows(db_path, "SELECT article_id, count(*) FROM versions GROUP BY article_id")
    assert {n for _, n in recorded} == {3} and len(recorded) == STORIES
    alerts = site.hooks
    assert alerts == 2 * STORIES

    config.write_text(many_config(site, ""), encoding="utf-8")
    command = [sys.executable, "-m", "newswatch.cli", "--config", str(config), "reextract"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    made = 0
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            made = int(rows(db_path, "SELECT count(*) FROM generations WHERE generation = 2")[0][0])
        except sqlite3.OperationalError:
            made = 0
        if made >= 1:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]
    # each article has its old generation whole, or its new one whole: never a mixture
    for article_id, generation, versions in rows(
        db_path,
        "SELECT a.id, a.generation, (SELECT count(*) FROM versions v WHERE v.article_id = a.id)"
        " FROM articles a",
    ):
        assert (generation, versions) in ((1, 3), (2, 2)), article_id
    halfway = rows(db_path, "SELECT count(*) FROM articles WHERE generation = 2")[0][0]

    resumed = cli(config, "reextract")
    assert resumed.exit_code == 0, resumed.output
    assert f"{STORIES - int(str(halfway))} rebuilt as a new generation" in resumed.output
    assert rows(db_path, "SELECT DISTINCT generation FROM articles") == [(2,)]
    assert rows(db_path, "SELECT count(*), count(DISTINCT article_id) FROM past_versions") == [
        (3 * STORIES, STORIES)
    ]
    assert rows(db_path, "SELECT count(*) FROM versions") == [(2 * STORIES,)]
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert site.hooks == alerts  # nothing alerted by the re-extraction
    print(f"\nreextract kill -9: {halfway} of {STORIES} articles rebuilt before the kill")


# ------------------------------------------------------------------ SIGTERM / Ctrl-C


def catches(pid: int, signum: int) -> bool:
    """Whether process ``pid`` has a handler of its own for ``signum`` (Linux /proc)."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    (mask,) = (line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) >> (signum - 1) & 1)


def sleeping(pid: int) -> bool:
    """Whether the process is asleep (waiting, not computing), from /proc/PID/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "S"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_reextract_between_two_articles(
    tmp_path: Path, httpserver: HTTPServer, signum: signal.Signals
) -> None:
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to see when the handlers are in place")
    stories = 5
    site = Site(httpserver)
    config = tmp_path / "config.yaml"
    config.write_text(many_config(site, WORSE, stories), encoding="utf-8")
    for round_, k in enumerate((0, 0, 1)):
        site.k, site.round = k, round_
        assert cli(config, "check").exit_code == 0
    alerts = site.hooks
    config.write_text(many_config(site, "", stories), encoding="utf-8")
    db_path = tmp_path / "many.db"

    # our write lock holds the run at its first article's write, so the signal surely
    # arrives while that article is in progress, however busy the machine is
    lock = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    command = [sys.executable, "-m", "newswatch.cli", "--config", str(config), "reextract"]
    with (tmp_path / "out").open("w+") as out, (tmp_path / "err").open("w+") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err)
        try:
            deadline = time.monotonic() + 120
            while not catches(proc.pid, signal.SIGTERM):
                assert proc.poll() is None and time.monotonic() < deadline, "no handler"
                time.sleep(0.01)
            # and until it sleeps in SQLite's busy wait for our lock: the handlers are in
            # place a moment before the first article starts (a busy machine may stretch it)
            asleep = 0
            while asleep < 10 and proc.poll() is None and time.monotonic() < deadline:
                asleep = asleep + 1 if sleeping(proc.pid) else 0
                time.sleep(0.02)
            proc.send_signal(signum)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        code = proc.wait(timeout=120)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    assert code == 128 + signum, stderr
    # the article in progress was written whole, none after it (should the signal still
    # have come before the first article began, nothing was written at all)
    stopped = re.search(rf"stopped by {signum.name} after (\d) of {stories} article\(s\)", stderr)
    assert stopped, stderr
    done = int(stopped.group(1))
    assert done in (0, 1), stderr
    assert "run it again to go on where it stopped" in stderr
    if done:
        assert "reextract: 1 article(s), 1 rebuilt as a new generation" in stdout
    generations = rows(db_path, "SELECT generation, count(*) FROM articles GROUP BY generation")
    assert generations == [(1, stories - done), (2, done)][: 2 if done else 1]
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]

    resumed = cli(config, "reextract")
    assert resumed.exit_code == 0, resumed.output
    unchanged = f", {done} unchanged" if done else ""
    assert f"{stories - done} rebuilt as a new generation{unchanged}" in resumed.output
    assert rows(db_path, "SELECT DISTINCT generation FROM articles") == [(2,)]
    assert site.hooks == alerts


# ------------------------------------------------------------------ ids after a rebuild


def boxed(extra: str) -> bytes:
    """A story, and ``extra`` after its paragraphs."""
    body = "".join(
        f"<p>The council met on Tuesday to discuss the budget for the coming year, and its"
        f" members argued at length about schools, roads and the new library ({j}).</p>"
        for j in range(6)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Budget talks | Daily</title></head><body>"
        f"<article><h1>Budget talks</h1>{body}{extra}</article></body></html>"
    ).encode()


UPDATE = "Update: the mayor resigned on Wednesday evening, hours after the budget vote."


def test_a_live_change_after_a_rebuild_is_alerted_though_an_earlier_generation_had_its_ids(
    tmp_path: Path, site: PageServer
) -> None:
    # generation 1 sees a paragraph as an edit and alerts it; a rule then drops that box,
    # so generation 2 has one version, and the next version is numbered 2 again
    config = tmp_path / "config.yaml"
    config.write_text(config_text(site.url, site.hook_url, ""), encoding="utf-8")
    for extra in ("", f"<p class='box'>{UPDATE}</p>"):
        site.content = boxed(extra)
        assert cli(config, "check").exit_code == 0
    assert len(site.hooks) == 1
    drop = "    extract:\n      drop: [p.box]\n"
    config.write_text(config_text(site.url, site.hook_url, drop), encoding="utf-8")
    done = cli(config, "reextract")
    assert "1 rebuilt as a new generation" in done.output, done.output
    assert len(hashes(history(config, site.url))) == 1

    # the same text comes back for real: the same versions' hashes and number as the change
    # alerted in generation 1, yet a new change, with an id of its own, and alerted
    site.content = boxed(f"<p>{UPDATE}</p>")
    assert cli(config, "check").exit_code == 0
    now = history(config, site.url)
    assert hashes(now) == hashes(history(config, site.url, "--generation", "1"))
    assert len(site.hooks) == 2
    assert site.hooks[1]["id"] != site.hooks[0]["id"]


def raw_page(config: Path, url: str, n: int, *args: str) -> bytes:
    result = CliRunner().invoke(
        main, ["--config", str(config), "show", url, "--version", str(n), "--raw", *args]
    )
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def test_after_a_rebuild_each_version_shows_the_page_that_made_it(
    tmp_path: Path, site: PageServer
) -> None:
    """Re-extraction renumbers versions: ``show --raw`` of each new one gives the bytes of
    the fetch that made it in the new reading, and the replaced reading's links still
    resolve to the pages that made its versions."""
    config = tmp_path / "config.yaml"
    config.write_text(config_text(site.url, site.hook_url, WORSE), encoding="utf-8")
    check_sequence(config, site, PAGES)
    assert [raw_page(config, site.url, n) for n in (1, 2, 3, 4)] == [page(p) for p in PAGES]

    config.write_text(config_text(site.url, site.hook_url, ""), encoding="utf-8")
    done = cli(config, "reextract")
    assert done.exit_code == 0 and "generation 2" in done.output, done.output
    made = [page("v1.html"), page("v2.html"), page("v3.html")]  # v1-noise: v1 seen again
    assert [raw_page(config, site.url, n) for n in (1, 2, 3)] == made
    shown = json.loads(cli(config, "show", site.url, "--version", "2", "--json").output)
    assert shown["capture"]["sha256"] == hashlib.sha256(page("v2.html")).hexdigest()

    store = SqliteStore(SqliteConnection.open(tmp_path / "watch.db"))
    try:
        (article,) = store.articles()
        roles = [(c.role, c.version_n) for c in store.captures(CaptureFilter())]
        assert roles == [("made", 1), ("confirmed", 1), ("made", 2), ("made", 3)]
        for n, name in enumerate(PAGES, start=1):  # generation 1 as it was recorded
            old = read_version(store, article.id, n, generation=1)
            assert old is not None and old.body == page(name) and old.meta.role == "made"
    finally:
        store.close()
    past = [raw_page(config, site.url, n, "--generation", "1") for n in (1, 2, 3, 4)]
    assert past == [page(p) for p in PAGES]


# ------------------------------------------------------------------ on PostgreSQL


def test_reextract_through_the_cli_on_postgresql(
    tmp_path: Path, site: PageServer, pg_url: str
) -> None:
    config = tmp_path / "config.yaml"

    def configure(rule: str) -> None:
        text = config_text(site.url, site.hook_url, rule)
        config.write_text(text.replace("database: watch.db", f"database: {pg_url}"), "utf-8")

    configure(WORSE)
    check_sequence(config, site, PAGES)
    worse = history(config, site.url)
    assert len(hashes(worse)) == 4 and len(site.hooks) == 3

    configure("")
    dry = cli(config, "reextract", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    (line,) = [json.loads(x) for x in dry.stdout.splitlines()]
    assert line["verdict"] == "would_change" and line["report"]["merged"] == 1
    assert history(config, site.url) == worse

    done = cli(config, "reextract", "--source", "alhurra")
    assert done.exit_code == 0, done.output
    assert "generation 2" in done.output and "4 → 3 versions (1 merged)" in done.output
    now = history(config, site.url)
    assert now["generation"] == 2 and len(hashes(now)) == 3
    assert hashes(history(config, site.url, "--generation", "1")) == hashes(worse)
    assert cli(config, "check").exit_code == 0
    assert len(site.hooks) == 3  # nothing alerted for the past
    again = cli(config, "reextract")
    assert "0 rebuilt as a new generation, 1 unchanged" in again.output, again.output
    assert not (tmp_path / "watch.db").exists()
