"""Shared test helpers: fixture pages, a page server that changes between checks, configs."""

from __future__ import annotations

import gc
import itertools
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import newswatch
from tests.pgcluster import ClusterUnavailable, PgCluster, start_cluster

# Subprocesses (daemons, worker processes, the CLI) import our modules at every start; where
# PYTHONDONTWRITEBYTECODE is set, each start compiles them all again (a fifth of a Python
# start-up here). The suite lets them keep their bytecode (git-ignored), as Python does by default.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

FIXTURES = Path(__file__).parent / "fixtures"
ALHURRA = FIXTURES / "alhurra-1817"
#: the demo ships the fixture's v1-v3 as ``alhurra-v1.html`` etc.; the tests read that copy,
#: so the demo and the tests cannot drift apart (the package keeps its own, self-contained)
DEMO_PAGES = Path(newswatch.__file__).parent / "demo_pages"
SHIPPED = {"v1.html", "v2.html", "v3.html"}


def fixture_page(name: str) -> Path:
    """Where one page of the alhurra-1817 fixture is (v1-v3: the demo's copies)."""
    return DEMO_PAGES / f"alhurra-{name}" if name in SHIPPED else ALHURRA / name


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    return json.loads((ALHURRA / "expected.json").read_text(encoding="utf-8"))


def page(name: str) -> bytes:
    return fixture_page(name).read_bytes()


class PageServer:
    """Serves one article whose content the test swaps between checks, plus a webhook sink.

    ``hits`` counts article requests; ``hooks`` keeps every webhook body received.
    """

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.content = page("v1.html")
        self.content_type = "text/html; charset=utf-8"
        self.status = 200
        self.hits = 0
        self.hooks: list[dict[str, Any]] = []
        self.hook_headers: list[dict[str, str]] = []
        self.hook_status = 200
        self.on_hit: Callable[[int], None] | None = None
        self._lock = threading.Lock()
        server.expect_request("/article").respond_with_handler(self._article)
        server.expect_request("/hook", method="POST").respond_with_handler(self._hook)

    @property
    def url(self) -> str:
        return self.server.url_for("/article")

    @property
    def hook_url(self) -> str:
        return self.server.url_for("/hook")

    def serve(self, name: str) -> None:
        with self._lock:
            self.content = page(name)

    def _article(self, request: Request) -> Response:
        with self._lock:
            self.hits += 1
            hits = self.hits
            response = Response(self.content, status=self.status, content_type=self.content_type)
        if self.on_hit is not None:
            self.on_hit(hits)
        return response

    def _hook(self, request: Request) -> Response:
        if self.hook_status == 200:
            self.hooks.append(json.loads(request.get_data()))
            self.hook_headers.append(dict(request.headers))
        return Response("", status=self.hook_status)


@pytest.fixture(autouse=True)
def thawed_heap() -> Iterator[None]:
    """A command freezes the objects of its start-up (:mod:`newswatch.heap`): its process
    ends with it. This one runs many commands, so it thaws them after each test."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def no_robots_txt(request: pytest.FixtureRequest) -> None:
    """The test server has no robots.txt: a 404, not pytest-httpserver's 500 for unknown
    paths (which RFC 9309, and so the fetcher, reads as "disallow everything"). Tests that
    serve their own robots.txt are marked ``own_robots``."""
    if request.node.get_closest_marker("own_robots") is None:
        server: HTTPServer = request.getfixturevalue("httpserver")
        server.expect_request("/robots.txt").respond_with_data("", status=404)


@pytest.fixture
def site(httpserver: HTTPServer) -> PageServer:
    return PageServer(httpserver)


def write_config(
    directory: Path,
    url: str,
    *,
    hook_url: str | None = None,
    interval: str = "1s",
    extra: str = "",
) -> Path:
    alerts = "  - kind: log\n"
    if hook_url:
        alerts += f"  - kind: webhook\n    url: {hook_url}\n"
    # these pipeline tests mean `interval` as a fixed period (the adaptive schedule would
    # stretch it once the hot period is over); tests/test_schedule.py covers the schedule
    schedule = "" if "schedule:" in extra else "schedule:\n  adaptive: false\n"
    # a small change is still fetched once more before it is recorded, but after 0.2 s,
    # not the default 2 s every such change would otherwise wait (tests/test_volatile.py
    # covers the delay itself); a test that sets ``confirm`` keeps its own
    if "confirm:" not in extra:
        short = "  confirm: 0.2s\n"
        extra = (
            extra.replace("fetch:\n", "fetch:\n" + short, 1)
            if "fetch:\n" in extra
            else f"fetch:\n{short}{extra}"
        )
    text = (
        "database: watch.db\n"
        f"{schedule}{extra}"
        "sources:\n"
        "  - name: alhurra\n"
        f"    url: {url}\n"
        "    kind: article\n"
        f"    interval: {interval}\n"
        "    timezone: Asia/Riyadh\n"
        f"alerts:\n{alerts}"
    )
    path = directory / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL cluster for the session (see tests/pgcluster.py).

    Under ``CI=true`` the PostgreSQL tests must run: a cluster that cannot start fails them
    loudly. Elsewhere they are skipped, with the reason, when PostgreSQL is not installed.
    """
    try:
        cluster = start_cluster()
    except ClusterUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and the PostgreSQL test cluster cannot start: {exc}")
        pytest.skip(f"PostgreSQL tests need a local PostgreSQL installation: {exc}")
    try:
        yield cluster
    finally:
        cluster.destroy()


_databases = itertools.count(1)


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """The URL of a fresh, empty database on the session's cluster, dropped afterwards."""
    name = f"nw_test_{os.getpid()}_{next(_databases)}"
    url = pg_cluster.create_database(name)
    try:
        yield url
    finally:
        pg_cluster.drop_database(name)
