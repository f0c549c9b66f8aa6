"""Scale: 10,000 followed articles on a local site, checked by the real pipeline.

    python benchmarks/scale.py [--articles 10000] [--workers 4] [--mutate 0.1]

The site is the synthetic news site of ``../shared/bench`` (or ``$NEWSWATCH_BENCH``) served
by Debian's nginx (installed with ``apt-get install nginx-light`` when missing and we are
root), with per-request noise in
the page furniture and gzip on, so the server costs little CPU and the figures measure the
watcher. newswatch runs as in production (SQLite in WAL mode, httpx, extraction, diff, one
transaction per check, robots.txt consulted, adaptive schedule) with the per-host delay set
to 0 and ``per_host`` = workers: one host stands in for a whole site's worth of hosts.

Rounds: every article's first check (version 1 stored), a full round where nothing changed
(extract + hash + "seen again"), then a round over the ``--mutate`` share the site revised
(new version, diff, change record, alert outbox row). Printed: pages/s per round, peak RSS,
and the scheduler's own overhead: claiming due rows and recording results, per article.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newswatch.check import Checker
from newswatch.fetch import Fetcher
from newswatch.politeness import Politeness, PolitenessSettings
from newswatch.store import (
    Applied,
    CheckState,
    DueArticle,
    SourceSpec,
    Store,
    WritePlan,
    open_store,
)

# the shared synthetic site beside the repository (../shared/bench), or $NEWSWATCH_BENCH
BENCH = Path(
    os.environ.get(
        "NEWSWATCH_BENCH", Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
    )
)


class TimedStore:
    """The checking role of a real store, with the time spent claiming, reading a check's
    state and applying its plan ("record")."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.claim_seconds = 0.0
        self.record_seconds = 0.0
        self.claimed = 0
        self.recorded = 0

    def claim_due(self, *args: Any, **kwargs: Any) -> list[DueArticle]:
        started = time.perf_counter()
        rows = self.inner.claim_due(*args, **kwargs)
        self.claim_seconds += time.perf_counter() - started
        self.claimed += len(rows)
        return rows

    def check_state(
        self,
        due: DueArticle,
        *,
        content_hash: str | None = None,
        canonical_url: str | None = None,
        windows: Mapping[str, float] | None = None,
        now: datetime,
    ) -> CheckState:
        started = time.perf_counter()
        state = self.inner.check_state(
            due, content_hash=content_hash, canonical_url=canonical_url, windows=windows, now=now
        )
        self.record_seconds += time.perf_counter() - started
        return state

    def apply(self, plan: WritePlan) -> Applied:
        started = time.perf_counter()
        applied = self.inner.apply(plan)
        self.record_seconds += time.perf_counter() - started
        self.recorded += 1
        return applied


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_nginx() -> None:
    if shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"):
        os.environ["PATH"] += os.pathsep + "/usr/sbin"
        return
    if os.geteuid() != 0:
        sys.exit("nginx is missing: apt-get install nginx-light (as root)")
    subprocess.run(["apt-get", "update", "-q"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], check=True)
    os.environ["PATH"] += os.pathsep + "/usr/sbin"


def serve_site(conn: Any, articles: int, port: int) -> None:
    """In a child process, so the page generator's memory is not counted as ours."""
    sys.path.insert(0, str(BENCH))
    from nginx_site import NginxSite  # type: ignore[import-not-found]

    site = NginxSite(articles, port, noise=True)
    conn.send(site.urls())
    try:
        while True:
            command, arg = conn.recv()
            if command == "mutate":
                conn.send(site.mutate(arg, seed=42)["mutated_ids"])
            else:
                break
    finally:
        site.stop()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--mutate", type=float, default=0.1)
    args = parser.parse_args()

    ensure_nginx()
    started = time.perf_counter()
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.Process(target=serve_site, args=(theirs, args.articles, free_port()))
    child.start()
    urls: list[str] = ours.recv()
    print(
        f"site: {args.articles} pages rendered and served by nginx in"
        f" {time.perf_counter() - started:.0f}s"
    )
    work = Path(tempfile.mkdtemp(prefix="nw-scale-"))
    store = TimedStore(open_store(work / "scale.db"))
    settings = PolitenessSettings(concurrency=args.workers, per_host=args.workers, host_delay=0.0)
    fetcher = Fetcher(politeness=Politeness(settings))
    checker = Checker(store, fetcher, channels=["log"])
    try:
        now = datetime.now(UTC)
        store.inner.sync_sources([SourceSpec("bench", urls[0], "index", 600.0, "UTC")], now)
        store.inner.add_articles("bench", urls, now)

        def round_(name: str, only: list[str] | None = None) -> None:
            store.claim_seconds = store.record_seconds = 0.0
            store.claimed = store.recorded = 0
            outcomes: dict[str, int] = {}
            t0 = time.perf_counter()
            while True:
                limit = len(only) if only is not None else 500
                reports = checker.run_pass(force=True, limit=limit, workers=args.workers, urls=only)
                for report in reports:
                    outcomes[report.outcome] = outcomes.get(report.outcome, 0) + 1
                if only is not None or sum(outcomes.values()) >= len(urls):
                    break
            elapsed = time.perf_counter() - t0
            n = sum(outcomes.values())
            overhead = (store.claim_seconds + store.record_seconds) / max(n, 1) * 1000
            print(
                f"{name:<28} {n:>6} pages {elapsed:>7.1f}s {n / elapsed:>7.1f} pages/s"
                f"  claim {store.claim_seconds / max(store.claimed, 1) * 1000:.2f} ms"
                f" + record {store.record_seconds / max(store.recorded, 1) * 1000:.2f} ms"
                f" = {overhead:.2f} ms/article  {dict(sorted(outcomes.items()))}"
            )

        print(f"workers {args.workers}, {os.cpu_count()} CPUs")
        round_("first check (new)")
        round_("unchanged round")
        ours.send(("mutate", args.mutate))
        mutated = ours.recv()
        changed = [urls[i - 1] for i in mutated]
        round_(f"changed ({len(changed)} revised)", changed)
        print(
            f"peak RSS of the watcher {peak_rss_mb():.0f} MB;"
            f" database {(work / 'scale.db').stat().st_size / 1e6:.0f} MB"
        )
    finally:
        fetcher.close()
        store.inner.close()
        ours.send(("stop", None))
        child.join(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
