"""What raw capture costs on disk: bytes of database per 1,000 versions, with and without.

    python benchmarks/capture_size.py [--articles 300] [--rounds 3] [--real 725]
                                      [--bench DIR] [--data DIR]

Two sites, each watched twice from scratch by ``newswatch check`` (as a user runs it), once
with ``capture: off`` and once with the default ``capture: versions``:

* the synthetic site of ``../shared/bench`` (``--bench`` or ``$NEWSWATCH_BENCH``): pages of
  60-120 KB; ``--rounds`` rounds, the site revising every page between rounds (so each
  round makes a version of every page), then one more round with nothing revised (every
  fetch confirms its version: a capture row, no second body);
* the real pages of ``../shared/data`` (``--data``; up to ``--real`` of them), served as
  they were saved: one round (a version each), then an unchanged one.

Printed per site and mode: versions, captures, database bytes (after a checkpoint and
VACUUM, so free pages are not counted) and bytes per 1,000 versions; then what capture
adds per 1,000 versions and the share of it the body store takes (compressed bodies).
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_BENCH = Path(os.environ.get("NEWSWATCH_BENCH", HERE.parent.parent / "shared" / "bench"))
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return bytes(response.read())


class BenchSite:
    """The synthetic site, in its own process (its CPU is not ours)."""

    def __init__(self, bench: Path, articles: int) -> None:
        if not (bench / "newsserver.py").exists():
            raise SystemExit(f"no bench site at {bench} (give --bench DIR)")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(bench / "newsserver.py"),
                "--port",
                str(self.port),
                "--articles",
                str(articles),
                "--noise",
                "--workers",
                "8",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                get(self.base + "/_control/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the bench site did not start") from None
                time.sleep(0.1)

    def urls(self) -> list[str]:
        found = json.loads(get(self.base + "/_control/urls"))
        urls = found["urls"] if isinstance(found, dict) else found
        return [u if u.startswith("http") else self.base + u for u in urls]

    def reset(self) -> None:
        get(self.base + "/_control/reset")

    def revise_all(self, seed: int) -> None:
        get(f"{self.base}/_control/mutate?fraction=1.0&seed={seed}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


class SavedPages:
    """The real pages, each at its own path, served as saved (gzip files inflated)."""

    def __init__(self, data: Path, limit: int) -> None:
        files = sorted(p for p in data.glob("*/html/*") if p.is_file())[:limit]
        self.pages = {
            f"/{i}.html": gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
            for i, p in enumerate(files)
        }
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def urls(self) -> list[str]:
        return [self.base + path for path in self.pages]

    def stop(self) -> None:
        self.server.shutdown()


def write_config(directory: Path, urls: list[str], mode: str) -> Path:
    sources = "".join(
        f"  - name: p{i}\n    url: {url}\n    interval: 1s\n" for i, url in enumerate(urls)
    )
    config = directory / "config.yaml"
    config.write_text(
        "database: size.db\n"
        f"capture: {mode}\n"
        "schedule:\n  adaptive: false\n"
        "fetch:\n  host_delay: 0s\n  per_host: 16\n  concurrency: 16\n  robots: false\n"
        "  confirm: off\n"
        f"sources:\n{sources}"
        "alerts:\n  - kind: log\n",
        encoding="utf-8",
    )
    return config


def check(config: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "newswatch.cli", "--config", str(config), "check", "--force"],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if "checked" not in done.stdout:
        raise SystemExit(f"newswatch check failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def measure(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        one = lambda sql: int(conn.execute(sql).fetchone()[0] or 0)  # noqa: E731
        figures = {
            "versions": one("SELECT count(*) FROM versions"),
            "captures": one("SELECT count(*) FROM captures"),
            "bodies": one("SELECT count(*) FROM capture_bodies"),
            "stored": one("SELECT sum(stored) FROM capture_bodies"),
            "fetched": one("SELECT sum(body_size) FROM captures"),
        }
    finally:
        conn.close()
    figures["bytes"] = db.stat().st_size + sum(
        p.stat().st_size for p in db.parent.glob(db.name + "-*")
    )
    return figures


def run_site(name: str, urls: list[str], rounds: int, revise: object | None) -> None:
    results: dict[str, dict[str, int]] = {}
    for mode in ("off", "versions"):
        if revise is not None:
            revise(-1)  # back to the first version of every page
        with tempfile.TemporaryDirectory(prefix="newswatch-size-") as work:
            config = write_config(Path(work), urls, mode)
            for r in range(rounds):
                if r and revise is not None:
                    revise(r)
                check(config)
            check(config)  # nothing revised: every fetch confirms its version
            results[mode] = measure(Path(work) / "size.db")
    print(f"\n{name}: {len(urls)} pages, {rounds} round(s) + 1 unchanged")
    print(
        f"  {'capture':<9} {'versions':>8} {'captures':>8} {'bodies':>7} {'DB bytes':>12}"
        f" {'per 1,000 versions':>19}"
    )
    for mode, f in results.items():
        per = f["bytes"] * 1000 / max(f["versions"], 1)
        print(
            f"  {mode:<9} {f['versions']:>8} {f['captures']:>8} {f['bodies']:>7}"
            f" {f['bytes']:>12,} {per / 1e6:>15.1f} MB"
        )
    off, on = results["off"], results["versions"]
    added = (on["bytes"] / max(on["versions"], 1) - off["bytes"] / max(off["versions"], 1)) * 1000
    print(
        f"  raw capture adds {added / 1e6:.1f} MB per 1,000 versions"
        f" ({on['fetched'] / 1e6:.1f} MB fetched, {on['stored'] / 1e6:.1f} MB stored:"
        f" {on['fetched'] / max(on['stored'], 1):.1f}x smaller compressed and deduplicated)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--real", type=int, default=725)
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()

    site = BenchSite(args.bench, args.articles)
    try:

        def revise(r: int) -> None:
            if r < 0:
                site.reset()
            else:
                site.revise_all(seed=r)

        run_site("bench site", site.urls(), args.rounds, revise)
    finally:
        site.stop()
    saved = SavedPages(args.data, args.real)
    try:
        run_site("real pages (../shared/data)", saved.urls(), 1, None)
    finally:
        saved.stop()


if __name__ == "__main__":
    main()
