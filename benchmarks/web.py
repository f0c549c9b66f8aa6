"""How fast the web view answers with 100,000 versions in the database.

Fills a fresh database (schema by newswatch itself, rows inserted in bulk with plain
sqlite3 so the FTS triggers index every version as in production) with N articles of M
versions each and a change per new version, then serves it with a real uvicorn on
127.0.0.1 and times real HTTP requests: the change list (first page, filtered, a deep
keyset page), an article page, a diff and searches.

    .venv/bin/python benchmarks/web.py [--articles 5000] [--versions 20] [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newswatch.store import open_store
from newswatch.web.server import BackgroundServer

_TEXT = (
    "council harbour plan vote market ferry quay mayor report port authority traders "
    "waterfront debate budget school hospital minister election court police storm "
    "التحالف الدولي داعش واشنطن الموصل الوزراء الحكومة الاجتماع القوات الحملة"
)
WORDS = _TEXT.split()
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def fill(path: Path, articles: int, versions: int, seed: int = 7) -> tuple[int, int]:
    open_store(path).close()  # schema and triggers, by newswatch
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    sources = 10
    db.executemany(
        "INSERT INTO sources (id, name, url, kind, interval_seconds, timezone, enabled,"
        " created_at, updated_at) VALUES (?, ?, ?, 'feed', 600, 'UTC', 1, ?, ?)",
        [
            (i + 1, f"src{i}", f"https://src{i}.example/feed", T0.isoformat(), T0.isoformat())
            for i in range(sources)
        ],
    )
    n_versions = n_changes = 0
    clock = T0
    for a in range(1, articles + 1):
        url = f"https://src{a % sources}.example/news/{a}"
        db.execute(
            "INSERT INTO articles (id, source_id, url, title, state, first_seen_at,"
            " lease_token, consecutive_failures) VALUES (?, ?, ?, ?, 'active', ?, 0, 0)",
            [a, a % sources + 1, url, f"Story {a}: " + sentence(rng, 6), clock.isoformat()],
        )
        paragraphs = [sentence(rng, 25) for _ in range(5)]
        title = f"Story {a}: " + sentence(rng, 6)
        rows, changes = [], []
        for n in range(1, versions + 1):
            clock += timedelta(seconds=7)
            if n > 1:  # one word changed, sometimes a paragraph added on top
                i = rng.randrange(len(paragraphs))
                words = paragraphs[i].split()
                old_word = words[rng.randrange(len(words))]
                new_word = rng.choice(WORDS)
                paragraphs[i] = paragraphs[i].replace(old_word, new_word, 1)
                added = rng.random() < 0.2
                if added:
                    paragraphs.insert(0, sentence(rng, 20))
                record = {
                    "title_changed": False,
                    "paragraphs_added": int(added),
                    "paragraphs_removed": 0,
                    "paragraphs_modified": 1,
                    "new_updated_stamp": None,
                    "silent": not added,
                    "severity": "major" if added else "minor",
                    "where": "top" if added else None,
                    "correction": None,
                    "words": {"added": [new_word], "removed": [old_word]},
                }
                op = {
                    "op": "modified",
                    "old_index": i,
                    "new_index": i + int(added),
                    "old": " ".join(words),
                    "new": paragraphs[i],
                    "words": [["removed", old_word], ["added", new_word]],
                }
                diff = {"title": None, "paragraphs": [op]}
                changes.append(
                    (
                        f"{a:08d}{n:04d}",
                        a,
                        n - 1,
                        n,
                        clock.isoformat(),
                        int(added),
                        int(not added),
                        record["severity"],
                        "benchmark change",
                        json.dumps(record),
                        json.dumps(diff),
                    )
                )
            rows.append(
                (
                    a,
                    n,
                    f"{a}-{n}",
                    title,
                    json.dumps(paragraphs, ensure_ascii=False),
                    "[]",
                    "en",
                    clock.isoformat(),
                    clock.isoformat(),
                )
            )
        db.executemany(
            "INSERT INTO versions (article_id, n, hash, title, paragraphs, stamps, language,"
            " first_seen_at, last_seen_at, seen_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            rows,
        )
        db.executemany(
            "INSERT INTO changes (uid, article_id, from_n, to_n, detected_at, title_changed,"
            " paragraphs_added, paragraphs_removed, paragraphs_modified, silent, severity,"
            " summary, record_json, diff_json)"
            " VALUES (?, ?, ?, ?, ?, 0, ?, 0, 1, ?, ?, ?, ?, ?)",
            changes,
        )
        n_versions += len(rows)
        n_changes += len(changes)
        if a % 500 == 0:
            db.commit()
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return n_versions, n_changes


def timed(url: str, runs: int) -> tuple[float, float, int]:
    times = []
    size = 0
    for _ in range(runs):
        start = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            size = len(response.read())
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        n_versions, n_changes = fill(path, args.articles, args.versions)
        size_mb = path.stat().st_size / 1e6
        print(
            f"filled {n_versions:,} versions, {n_changes:,} changes, {args.articles:,} articles"
            f" in {time.perf_counter() - start:.1f}s ({size_mb:.0f} MB with the FTS index)"
        )
        middle = args.articles // 2
        deep = n_changes // 10  # a keyset page 90% of the way back
        q = urllib.parse.quote
        cases = [
            ("change list, first page", "/"),
            (
                "change list, filtered (source+kind+severity)",
                "/?source=src3&kind=added&severity=major",
            ),
            ("change list, date range", "/?since=2024-01-02&until=2024-01-03"),
            ("change list, deep keyset page", f"/?before={deep}"),
            (f"article page ({args.versions} versions)", f"/articles/{middle}"),
            ("diff, side by side", f"/articles/{middle}/diff?from=1&to={args.versions}"),
            ("diff, inline", f"/articles/{middle}/diff?from=3&to=4&view=inline"),
            ("search, rare phrase", "/search?q=" + q('"Story 2500:"')),
            ("search, two common words", "/search?q=" + q("harbour التحالف")),
            ("Atom feed", "/feed.atom"),
        ]
        with BackgroundServer(path) as server:
            timed(server.url + "/", 2)  # warm up
            print(f"{'request':<48} {'median':>9} {'p95':>9} {'bytes':>9}")
            for label, target in cases:
                median, p95, size = timed(server.url + target, args.runs)
                print(f"{label:<48} {median:>7.1f}ms {p95:>7.1f}ms {size:>9,}")


if __name__ == "__main__":
    main()
