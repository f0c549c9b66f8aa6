"""Prometheus metrics and the health endpoint: the only module that speaks prometheus-client.

Figures are read from the database at scrape time by a custom collector, not counted in the
process: they survive restarts and a crash, and agree with ``newswatch sources`` and with
any other process writing the same file. ``newswatch run --metrics HOST:PORT`` (or
``metrics:`` in the config) serves ``/metrics`` and ``/health`` on a small threaded WSGI
server from the standard library.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from newswatch.clock import Clock, utc_now
from newswatch.health import DEFAULT_MAX_LAG_SECONDS, judge
from newswatch.store import HistoryReader

logger = logging.getLogger("newswatch.metrics")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]


class StoreCollector(Collector):
    """Every figure newswatch exports, computed from :meth:`HistoryReader.stats` per scrape."""

    def __init__(self, store: HistoryReader, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self._clock()
        stats = self._store.stats(now)
        fetches = CounterMetricFamily(
            "newswatch_fetches", "Checks made, by outcome.", labels=["outcome"]
        )
        for outcome, n in sorted(stats.fetches.items()):
            fetches.add_metric([outcome], n)
        yield fetches
        changes = CounterMetricFamily(
            "newswatch_changes",
            "Changes detected, by kind (all, title, added, removed, modified, silent, stamped,"
            " major); one change may count under several kinds.",
            labels=["kind"],
        )
        for kind, n in stats.changes.items():
            changes.add_metric([kind], n)
        yield changes
        deliveries = GaugeMetricFamily(
            "newswatch_alert_deliveries",
            "Alert deliveries by channel and state (pending, delivered, failed).",
            labels=["channel", "state"],
        )
        for (channel, state), n in sorted(stats.deliveries.items()):
            deliveries.add_metric([channel, state], n)
        yield deliveries
        yield CounterMetricFamily(
            "newswatch_quarantined", "Extractions quarantined.", value=stats.quarantined
        )
        yield GaugeMetricFamily("newswatch_articles", "Active watched articles.", stats.articles)
        yield GaugeMetricFamily(
            "newswatch_articles_failing", "Articles whose last check failed.", stats.failing
        )
        yield GaugeMetricFamily(
            "newswatch_check_lag_seconds",
            "How long the most overdue check has waited (0 when none is overdue).",
            stats.check_lag_seconds,
        )
        last = stats.last_check_at.timestamp() if stats.last_check_at else 0.0
        yield GaugeMetricFamily(
            "newswatch_last_check_timestamp_seconds", "When the last check finished.", last
        )
        yield GaugeMetricFamily(
            "newswatch_database_bytes",
            "Size of the database file and its WAL.",
            stats.database_bytes,
        )
        usage = self._store.capture_usage()
        stored = GaugeMetricFamily(
            "newswatch_capture_bytes",
            "Raw capture bodies per source: stored (compressed, each once) or as fetched.",
            labels=["source", "form"],
        )
        kept = GaugeMetricFamily(
            "newswatch_captures", "Raw captures kept per source.", labels=["source"]
        )
        for u in usage:
            stored.add_metric([u.source, "stored"], u.stored_bytes)
            stored.add_metric([u.source, "fetched"], u.raw_bytes)
            kept.add_metric([u.source], u.captures)
        yield stored
        yield kept


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes are not news
        logger.debug(format, *args)


class MetricsServer:
    """Serves ``/metrics`` (Prometheus text format) and ``/health`` (JSON; 503 when not ok)."""

    def __init__(
        self,
        store: HistoryReader,
        host: str,
        port: int,
        *,
        clock: Clock = utc_now,
        max_lag_seconds: float = DEFAULT_MAX_LAG_SECONDS,
    ) -> None:
        self._store = store
        self._clock = clock
        self._max_lag = max_lag_seconds
        registry = CollectorRegistry(auto_describe=False)
        registry.register(StoreCollector(store, clock))
        self._metrics = make_wsgi_app(registry)
        self._httpd = make_server(host, port, self._app, _Server, _QuietHandler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="newswatch-metrics", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()
        logger.info("metrics and health on http://%s:%d/", *self.address)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _app(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        try:
            if path == "/metrics":
                return list(self._metrics(environ, start_response))
            if path in ("/health", "/healthz"):
                now = self._clock()
                health = judge(self._store.stats(now), self._max_lag, now=now)
                status = "200 OK" if health.healthy else "503 Service Unavailable"
                return _json(start_response, status, health.as_dict())
        except Exception as exc:  # the database is gone or locked: say so, stay up
            logger.exception("serving %s failed", path)
            body = {"status": "unhealthy", "reason": f"{type(exc).__name__}: {exc}"}
            return _json(start_response, "503 Service Unavailable", body)
        return _json(start_response, "404 Not Found", {"error": "try /metrics or /health"})


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]
