"""Fault injection: every kind of bad answer ends in a recorded error or a sensible result.

Each case runs the same three checks of one article against :mod:`tests.faultserver`:

1. the real article (v1) is served: it becomes version 1;
2. the fault is served: the check must end within the fetch deadline plus slack, within a
   bounded amount of memory (tracemalloc), with the expected outcome and a clear message
   recorded in the fetch log, and without a bogus version or change;
3. a real later version (v3) is served: it still lands, as a change from the last good one.

A last test runs the daemon over all faults at once next to a healthy source, which must go
on being checked.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newswatch.check import CheckReport
from newswatch.config import load_config
from newswatch.run import EngineSettings, daemon_engine
from newswatch.runtime import Runtime, build_runtime
from tests.conftest import page
from tests.faultserver import FaultServer, gzip_bomb

TIMEOUT = 2.0  # fetch deadline used by these tests
MAX_BYTES = 2 * 1024 * 1024
MEMORY_BOUND = 48 * 1024 * 1024  # peak Python allocations during one faulty check
V2_TITLE = "كارتر: شركاؤنا لديهم ما يحتاجون لهزيمة داعش"

CONSENT_WALL = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Before you continue</title></head><body><div class="consent-overlay">
<h1>We value your privacy</h1>
<p>We and our 842 partners use cookies and similar technologies to store and access
information on your device. Click Accept all to consent, or manage your choices.</p>
<button>Accept all</button><button>Manage options</button></div></body></html>"""

SOFT_404 = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>الصفحة غير موجودة | الحرة</title></head><body><main>
<h1>عذرا، الصفحة غير موجودة</h1>
<p>Sorry, the page you requested was not found. It may have been moved or deleted.</p>
<p><a href="/">العودة إلى الصفحة الرئيسية</a></p></main></body></html>""".encode()


def _malformed(html: bytes) -> bytes:
    """Closing tags dropped, tags misnested, stray brackets and an unterminated attribute."""
    text = html.decode("utf-8")
    text = text.replace("</p>", "").replace("</div>", "").replace("</li>", "")
    text = text.replace("<body>", '<body><b><i>x</b></i> << >> <div class="unterminated>')
    return text.encode("utf-8")


def _truncated(html: bytes) -> bytes:
    """A document cut off mid-way (the HTTP response itself is complete)."""
    cut = int(len(html) * 0.7)
    return html[:cut]


def _shrunk(html: bytes) -> bytes:
    """The article with all but its first paragraph gone (a half-rendered page)."""
    text = html.decode("utf-8")
    first = text.index("<p>") if "<p>" in text else 0
    start = text.find("<p", text.find("</p>", first))
    end = text.rfind("</p>")
    return (text[:start] + text[end + 4 :]).encode("utf-8") if start > 0 else html


def _cp1256_without_meta() -> bytes:
    return re.sub(rb'<meta charset="windows-1256">\s*', b"", page("v2-cp1256.html"))


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # where the fault is served
    outcome: str  # expected outcome of the faulty check
    message: str = ""  # regex the recorded error must match
    body: bytes | None = None  # a page served with a 200 instead of a raw fault handler
    content_type: str = "text/html"
    title: str | None = None  # for sensible results: the title the version must have


CASES = [
    Case(
        "malformed html", "/page", "new_version", body=_malformed(page("v2.html")), title=V2_TITLE
    ),
    Case(
        "truncated html", "/page", "new_version", body=_truncated(page("v2.html")), title=V2_TITLE
    ),
    Case("binary labelled html", "/binary", "error", r"binary data labelled text/html"),
    Case("nul bytes labelled html", "/nul-bytes", "error", r"binary data labelled"),
    Case("50 MB page, chunked", "/huge", "error", r"body exceeds 2097152 bytes"),
    Case("50 MB page, Content-Length", "/huge-length", "error", r"Content-Length 52428800"),
    Case("gzip bomb", "/gzip-bomb", "error", r"body exceeds 2097152 bytes"),
    Case("endless chunked stream", "/endless", "error", r"timed out"),
    Case("redirect loop", "/loop-a", "error", r"redirect loop"),
    Case("accepts, never answers", "/never-answers", "error", r"timed out"),
    Case("reset mid-body", "/reset", "error", r"reset|closed|incomplete|peer"),
    Case("body shorter than Content-Length", "/short-body", "error", r"incomplete|closed|peer"),
    Case(
        "wrong charset header",
        "/page",
        "new_version",
        body=page("v2-cp1256.html"),
        content_type="text/html; charset=utf-8",
        title=V2_TITLE,
    ),
    Case(
        "no charset anywhere",
        "/page",
        "new_version",
        body=_cp1256_without_meta(),
        content_type="text/html",
        title=V2_TITLE,
    ),
    Case("empty 200", "/empty", "error", r"no article found"),
    Case("consent wall", "/page", "quarantined", r"consent|no body text", body=CONSENT_WALL),
    Case("soft 404", "/page", "quarantined", r"soft 404|no body text", body=SOFT_404),
    Case("shrunken page", "/page", "quarantined", r"shrunk to", body=_shrunk(page("v1.html"))),
]


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    gzip_bomb()  # built before any deadline runs: building it is not the server's answer time
    with FaultServer() as server:
        yield server


def _config(directory: Path, sources: dict[str, str], interval: str = "1h") -> Path:
    lines = [
        "database: faults.db",
        "schedule: {adaptive: false}",  # `interval` as a fixed period (fixture from 2016)
        "fetch:",
        f"  timeout: {TIMEOUT:g}s",
        f"  max_bytes: {MAX_BYTES}",
        # one local server stands in for many sites: no shared per-host budget between them
        "  per_host: 64",
        "  host_delay: 0s",
    ]
    lines.append("sources:")
    for name, url in sources.items():
        lines += [f"  - name: {name}", f"    url: {url}", f"    interval: {interval}"]
        lines.append("    timezone: Asia/Riyadh")
    path = directory / "config.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _one(runtime: Runtime) -> CheckReport:
    reports = runtime.checker.run_pass(force=True)
    assert len(reports) == 1
    return reports[0]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault(case: Case, faults: FaultServer, tmp_path: Path) -> None:
    # every case has its own article URL (a query string), so cases never share state
    slug = re.sub(r"\W+", "-", case.name)
    url = faults.url(f"{case.path}?case={slug}")
    key = url.split(str(faults.port), 1)[1]
    config = load_config(_config(tmp_path, {"site": url}))
    with build_runtime(config) as runtime:
        faults.set_page(key, page("v1.html"))
        assert _one(runtime).outcome == "first_version"

        if case.body is not None:
            faults.set_page(key, case.body, case.content_type)
        else:
            faults.clear_page(key)
        tracemalloc.start()
        started = time.monotonic()
        report = _one(runtime)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        assert report.outcome == case.outcome, report.line()
        assert elapsed < TIMEOUT + 3, f"took {elapsed:.1f}s"
        assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.1f} MiB"
        article = runtime.store.find_article(url)
        assert article is not None
        fetch = runtime.store.fetches(article.id, limit=1)[0]
        assert fetch["outcome"] == case.outcome
        versions = runtime.store.versions(article.id)
        if case.outcome == "new_version":
            assert [v.n for v in versions] == [1, 2]
            assert versions[-1].title == case.title
            assert versions[-1].paragraphs, "a sensible result has a body"
        else:
            # a clear message, recorded, and no bogus version or change
            assert re.search(case.message, fetch["error"] or "", re.I), fetch["error"]
            assert url in (fetch["error"] or "") or case.outcome == "quarantined"
            assert article.last_error and re.search(case.message, article.last_error, re.I)
            assert [v.n for v in versions] == [1]
            assert runtime.store.changes(article.id) == []
        if case.outcome == "quarantined":
            kept = runtime.store.quarantined(article.id)
            assert len(kept) == 1 and re.search(case.message, kept[0].reason, re.I)
            assert kept[0].after_n == 1

        # a real later version still lands, compared with the last good one
        faults.set_page(key, page("v3.html"))
        later = _one(runtime)
        assert later.outcome == "new_version", later.line()
        changes = runtime.store.changes(article.id)
        assert changes[0].from_n == versions[-1].n and changes[0].to_n == versions[-1].n + 1
        assert runtime.store.find_article(url).last_error is None  # type: ignore[union-attr]
    db = sqlite3.connect(config.database_path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_quarantine_keeps_no_validators(faults: FaultServer, tmp_path: Path) -> None:
    """A wall's ETag is not kept, so a later 304 can never confirm the wall as the truth."""
    url = faults.url("/page?case=etag")
    config = load_config(_config(tmp_path, {"site": url}))
    with build_runtime(config) as runtime:
        faults.set_page("/page?case=etag", page("v1.html"))
        assert _one(runtime).outcome == "first_version"
        faults.set_page("/page?case=etag", CONSENT_WALL)
        for _ in range(4):  # a wall never becomes the truth, however long it stays
            assert _one(runtime).outcome == "quarantined"
        article = runtime.store.find_article(url)
        assert article is not None and article.versions == 1
        assert len(runtime.store.quarantined(article.id)) == 4


def test_daemon_carries_on_beside_every_fault(faults: FaultServer, tmp_path: Path) -> None:
    """All faults at once under the daemon: the healthy source is checked all along."""

    # the fault pages are built from the same fixture and so claim the same canonical URL:
    # give the healthy article its own, or it is (rightly) merged with whichever came first
    def healthy_page(name: str) -> bytes:
        return page(name).replace(b"/312345.html", b"/healthy-312345.html")

    faults.set_page("/good/healthy", healthy_page("v1.html"))
    for case in CASES:
        if case.body is not None:
            faults.set_page(f"/good/{case.name.replace(' ', '-')}", case.body, case.content_type)
    sources = {"healthy": faults.url("/good/healthy")}
    for i, case in enumerate(CASES):
        path = f"/good/{case.name.replace(' ', '-')}" if case.body is not None else case.path
        sources[f"fault{i}"] = faults.url(path)
    config = load_config(_config(tmp_path, sources, interval="1s"))
    with build_runtime(config) as runtime:
        engine = daemon_engine(
            runtime, settings=EngineSettings(tick_seconds=0.2, workers=len(sources))
        )
        daemon = threading.Thread(target=engine.run)
        daemon.start()
        try:
            deadline = time.monotonic() + 20
            served_v2 = False
            while time.monotonic() < deadline:
                healthy = runtime.store.find_article(sources["healthy"])
                assert healthy is not None
                if healthy.versions == 1 and not served_v2:
                    faults.set_page("/good/healthy", healthy_page("v2.html"))
                    served_v2 = True
                states = runtime.store.source_states()
                if healthy.versions >= 2 and all(s.last_check_at for s in states):
                    break
                time.sleep(0.1)
        finally:
            engine.stop()
            daemon.join(timeout=30)
        healthy = runtime.store.find_article(sources["healthy"])
        assert healthy is not None and healthy.versions == 2
        checked = {s.name: s for s in runtime.store.source_states()}
        assert all(state.last_check_at is not None for state in checked.values()), checked
        assert threading.active_count() < 200
