"""One check round, newswatch against urlwatch 2.29, on the same local site in the same run.

    python benchmarks/round.py [--articles 1000] [--mutate 0.1] [--repeat 1]
                               [--workers 8] [--processes N] [--bench DIR] [--profile FILE]

The site is the synthetic news site of ``../shared/bench`` (``--bench`` or
``$NEWSWATCH_BENCH``) served by Debian's nginx with per-request noise in the page furniture
and gzip on, so the server costs little CPU and the figures measure the watchers. Both tools
are run as a user runs them, from their command line, with politeness delays 0: newswatch
``check`` over one ``article`` source per page (start-up included: imports, validating the
sources, syncing them), urlwatch with one job per page filtered by ``css: article`` and
``html2text``. After a first round that stores every page in both, each repetition runs

* an *unchanged* round (nothing was revised: both must report nothing), then
* a *changed* round after the site revised ``--mutate`` of its pages: both must report
  exactly those, newswatch as new versions with a change record.

Printed per round: seconds for each tool and the ratio (urlwatch time / newswatch time; above
1 means newswatch is faster), and the CPU seconds each used (steadier than wall time on a
machine others share; newswatch's include its worker processes). ``--profile FILE``
samples newswatch's rounds with py-spy (every process, the thread holding the interpreter
lock; raw stacks in ``FILE.unchanged`` and ``FILE.changed``) and prints where the time
went by share: start-up (imports, validating the configuration, syncing the sources),
fetching (httpx), extraction, diff, normalise and hash, the store; urlwatch is not run
then. Needs ``urlwatch==2.29`` and ``py-spy`` (``pip install -e '.[bench]'``) and nginx.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CPU: dict[str, float] = {}  # CPU seconds of each tool's last run (steadier than wall time)
# the shared synthetic site beside the repository (../shared/bench), or $NEWSWATCH_BENCH
DEFAULT_BENCH = Path(os.environ.get("NEWSWATCH_BENCH", HERE.parent.parent / "shared" / "bench"))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_site(conn: Any, bench: str, articles: int, port: int) -> None:
    """In a child process, so the page generator's memory and CPU are not counted as ours."""
    if os.path.exists("/usr/sbin/nginx"):
        os.environ["PATH"] += os.pathsep + "/usr/sbin"
    sys.path.insert(0, bench)
    from nginx_site import NginxSite  # type: ignore[import-not-found]

    site = NginxSite(articles, port, noise=True)
    conn.send(site.urls())
    try:
        while True:
            command, arg = conn.recv()
            if command == "mutate":
                fraction, seed = arg
                conn.send(site.mutate(fraction, seed=seed)["mutated_ids"])
            else:
                break
    finally:
        site.stop()


def newswatch_config(work: Path, urls: list[str], workers: int) -> Path:
    lines = [
        "database: newswatch.db",
        "fetch:",
        "  host_delay: 0s",
        f"  per_host: {workers}",
        f"  concurrency: {workers}",
        "sources:",
    ]
    for i, url in enumerate(urls):
        lines += [f"  - name: p{i}", f"    url: {url}", "    interval: 1h"]
    path = work / "newswatch.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def urlwatch_files(work: Path, urls: list[str]) -> list[str]:
    jobs = "".join(
        f"{'---' if i else ''}\nurl: {url}\nfilter:\n  - css: article\n  - html2text\n"
        for i, url in enumerate(urls)
    )
    (work / "urls.yaml").write_text(jobs, encoding="utf-8")
    (work / "urlwatch.yaml").write_text(
        "display: {new: true, error: true, unchanged: false}\n"
        "report:\n  text: {details: false, footer: false}\n"
        "  stdout: {enabled: true, color: false}\n",
        encoding="utf-8",
    )
    return [
        "--urls",
        str(work / "urls.yaml"),
        "--config",
        str(work / "urlwatch.yaml"),
        "--cache",
        str(work / "cache.db"),
    ]


def cpu_of_children() -> float:
    """CPU seconds (user + system) used by the finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_newswatch(
    config: Path, workers: int, processes: int | None, profile: str | None
) -> tuple[float, str]:
    command = [sys.executable]
    if profile:
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        command = [spy, "record", "--format", "raw", "-o", profile, "--rate", "250"]
        command += ["--subprocesses", "--gil", "--nonblocking", "--", sys.executable]
    command += ["-m", "newswatch", "--config", str(config), "-q", "check"]
    command += ["--workers", str(workers), "--no-progress"]
    if processes is not None:
        command += ["--processes", str(processes)]
    started, cpu = time.perf_counter(), cpu_of_children()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    CPU["newswatch"] = cpu_of_children() - cpu
    # exit 1 is "a check failed" (reported per article); no summary line means a crash
    if done.returncode not in (0, 1) or "article(s):" not in done.stdout:
        sys.exit(f"newswatch failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, done.stdout


def run_urlwatch(args: list[str]) -> tuple[float, str]:
    urlwatch = shutil.which("urlwatch") or str(Path(sys.executable).parent / "urlwatch")
    started, cpu = time.perf_counter(), cpu_of_children()
    done = subprocess.run([urlwatch, *args], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    CPU["urlwatch"] = cpu_of_children() - cpu
    if done.returncode != 0:
        sys.exit(f"urlwatch failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, done.stdout


def newswatch_changed(db: Path, since_change: int) -> set[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT a.url FROM changes c JOIN articles a ON a.id = c.article_id WHERE c.id > ?",
            [since_change],
        ).fetchall()
    return {row[0] for row in rows}


def last_change_id(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()
    return int(row[0])


def urlwatch_changed(output: str) -> set[str]:
    return set(re.findall(r"CHANGED: (\S+)", output))


# what a sample counts as: the first category whose marker is anywhere in its stack
CATEGORIES = [
    ("start-up: imports", ("<frozen importlib._bootstrap>",)),
    ("start-up: config", ("newswatch/config/",)),
    ("start-up: sync sources", ("sync_sources",)),
    ("store", ("newswatch/store/", "sqlite_utils/", "sqlite3/")),
    ("extraction", ("newswatch/extract/", "selectolax")),
    ("diff + classify", ("newswatch/diff.py", "newswatch/judge/")),
    ("normalise + hash", ("newswatch/normalize.py",)),
    ("fetch: httpx", ("httpx/", "httpcore/", "h11/", "newswatch/fetch/")),
    ("logging", ("logging/",)),
    ("run loop + politeness", ("newswatch/run/", "newswatch/politeness")),
]


def shares(raw: Path) -> str:
    """Where the on-CPU samples of a py-spy raw file went, by :data:`CATEGORIES`."""
    counts: dict[str, int] = {}
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        name = next((c for c, marks in CATEGORIES if any(m in stack for m in marks)), "other")
        counts[name] = counts.get(name, 0) + int(n)
    total = sum(counts.values()) or 1
    return ", ".join(
        f"{name} {100 * n / total:.0f}%" for name, n in sorted(counts.items(), key=lambda x: -x[1])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--mutate", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=1, help="unchanged+changed pairs")
    parser.add_argument("--workers", type=int, default=8, help="newswatch check --workers")
    parser.add_argument("--processes", type=int, help="newswatch check --processes")
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="the bench site")
    parser.add_argument("--profile", metavar="FILE", help="cProfile newswatch's rounds")
    args = parser.parse_args()
    if not (args.bench / "nginx_site.py").exists():
        sys.exit(f"no nginx_site.py in {args.bench} (give --bench DIR or $NEWSWATCH_BENCH)")

    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.Process(
        target=serve_site, args=(theirs, str(args.bench), args.articles, free_port())
    )
    child.start()
    urls: list[str] = ours.recv()
    work = Path(tempfile.mkdtemp(prefix="nw-round-"))
    failures = 0
    try:
        config = newswatch_config(work, urls, args.workers)
        db = work / "newswatch.db"
        uw = urlwatch_files(work, urls)
        print(f"{len(urls)} pages, {os.cpu_count()} CPUs, newswatch --workers {args.workers}")
        t_nw, out = run_newswatch(config, args.workers, args.processes, None)
        t_uw, _ = run_urlwatch(uw)
        first = out.strip().splitlines()[-1] if out.strip() else "(no output)"
        print(f"first round (store every page): newswatch {t_nw:.2f}s, urlwatch {t_uw:.2f}s")
        print(f"    newswatch: {first}")
        for rep in range(args.repeat):
            for name in ("unchanged", "changed"):
                expected: set[str] = set()
                if name == "changed":
                    ours.send(("mutate", (args.mutate, 42 + rep)))
                    expected = {urls[i - 1] for i in ours.recv()}
                mark = last_change_id(db)
                profile = f"{args.profile}.{name}" if args.profile else None
                t_nw, _ = run_newswatch(config, args.workers, args.processes, profile)
                found_nw = newswatch_changed(db, mark)
                if profile:
                    t_uw, found_uw = float("nan"), expected
                    print(f"    newswatch profile ({name}): {shares(Path(profile))}")
                else:
                    t_uw, out_uw = run_urlwatch(uw)
                    found_uw = urlwatch_changed(out_uw)
                ok_nw, ok_uw = found_nw == expected, found_uw == expected
                failures += (not ok_nw) + (not ok_uw)
                print(
                    f"{name:<9} round {rep + 1}: newswatch {t_nw:6.2f}s  urlwatch {t_uw:6.2f}s"
                    f"  ratio {t_uw / t_nw:4.2f}x  (CPU {CPU['newswatch']:.1f}s vs"
                    f" {CPU.get('urlwatch', float('nan')):.1f}s)"
                    f"  revised {len(expected)}: newswatch found"
                    f" {len(found_nw)}{'' if ok_nw else ' WRONG'}, urlwatch"
                    f" {len(found_uw)}{'' if ok_uw else ' WRONG'}"
                )
                if not ok_nw:
                    print(f"    missed {sorted(expected - found_nw)[:5]}")
                    print(f"    false  {sorted(found_nw - expected)[:5]}")
    finally:
        ours.send(("stop", None))
        child.join(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
