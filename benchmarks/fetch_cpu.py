"""CPU per fetch: newswatch's Fetcher against a bare httpx client, on the same pages.

    python benchmarks/fetch_cpu.py URLS.json [--threads 8] [--repeat 3] [--profile FILE]

``URLS.json`` is a JSON list of page URLs (a local site, e.g. the round benchmark's nginx
site). The Fetcher is built as ``newswatch check`` builds it (:func:`build_fetcher`, one
``article`` source per URL, politeness delays 0, ``per_host`` and ``concurrency`` the thread
count); the reference is ``httpx.Client().get(url).content`` in the same threads. Each
repetition runs both, alternating which goes first, and prints the process's CPU seconds
(user + system, ``resource.getrusage``) per fetch: steadier than wall time on a machine
others share. The bodies are checked to be the same size in both (the site adds noise, so
not the same bytes). ``--profile FILE`` runs the Fetcher once more on one thread under
cProfile and writes its stats to ``FILE``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import resource
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from newswatch.config.loader import parse_config
from newswatch.runtime import build_fetcher


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def config_text(urls: list[str], threads: int) -> str:
    lines = [
        "database: newswatch.db",
        "fetch:",
        "  host_delay: 0s",
        f"  per_host: {threads}",
        f"  concurrency: {threads}",
        "sources:",
    ]
    for i, url in enumerate(urls):
        lines += [f"  - name: p{i}", f"    url: {url}", "    interval: 1h"]
    return "\n".join(lines) + "\n"


def timed(get: Callable[[str], int], urls: list[str], threads: int) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, bytes) of fetching every URL with ``threads`` threads."""
    started, wall = cpu(), time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        size = sum(pool.map(get, urls))
    return cpu() - started, time.perf_counter() - wall, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("urls", type=Path)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    urls: list[str] = json.loads(args.urls.read_text(encoding="utf-8"))
    config = parse_config(config_text(urls, args.threads))
    fetcher = build_fetcher(config)
    bare = httpx.Client()

    def ours(url: str) -> int:
        return len(fetcher.fetch(url).content)

    def reference(url: str) -> int:
        return len(bare.get(url).content)

    runs: dict[str, list[float]] = {"newswatch": [], "httpx": []}
    sizes: dict[str, int] = {}
    timed(ours, urls[:50], args.threads)  # warm: robots.txt, connections, imports
    timed(reference, urls[:50], args.threads)
    for rep in range(args.repeat):
        order = [("newswatch", ours), ("httpx", reference)]
        for name, get in order if rep % 2 == 0 else order[::-1]:
            spent, wall, sizes[name] = timed(get, urls, args.threads)
            runs[name].append(spent / len(urls) * 1000)
            print(f"{name:>9}: {runs[name][-1]:.3f} ms CPU per fetch, {wall:.2f} s wall")
    ratio = [a / b for a, b in zip(runs["newswatch"], runs["httpx"], strict=True)]
    low = {name: min(values) for name, values in runs.items()}
    print(
        f"best of {args.repeat}: newswatch {low['newswatch']:.3f} ms, httpx {low['httpx']:.3f} ms"
        f" (x{low['newswatch'] / low['httpx']:.2f}; per pair x{min(ratio):.2f}-x{max(ratio):.2f})"
    )
    if abs(sizes["newswatch"] - sizes["httpx"]) > len(urls) * 64:
        sys.exit(f"bodies differ: {sizes}")
    if args.profile:
        profile = cProfile.Profile(time.thread_time)  # CPU, not time spent waiting
        profile.runcall(lambda: [ours(url) for url in urls])
        profile.dump_stats(args.profile)
    fetcher.close()
    bare.close()


if __name__ == "__main__":
    main()
