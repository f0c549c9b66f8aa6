"""``run`` and ``check``: the daemon, burst mode, and one pass now."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

import click

from newswatch.cli.app import State, errors_reported, fail, pass_state
from newswatch.runtime import Runtime, build_runtime


@click.command()
@click.option(
    "--once",
    is_flag=True,
    help="Check what is due, deliver pending alerts, then exit (for cron): exit 1 if a check"
    " or a discovery failed or an alert could not be delivered.",
)
@click.option("--workers", default=4, show_default=True, help="Sources checked in parallel.")
@click.option(
    "--metrics",
    "metrics_at",
    metavar="HOST:PORT",
    help="Serve /metrics and /health here (overrides 'metrics:' in the config).",
)
@pass_state
def run(state: State, once: bool, workers: int, metrics_at: str | None) -> None:
    """Run the daemon until SIGTERM or SIGINT."""
    from newswatch.config import parse_listen
    from newswatch.daemon import Daemon, DaemonSettings

    stop = threading.Event()
    with errors_reported():
        config = state.config()
        listen = metrics_at or config.metrics
        try:
            address = parse_listen(listen) if listen and not once else None
        except ValueError as exc:
            fail(f"--metrics: {exc}", 2)
        runtime = build_runtime(config, should_stop=stop.is_set)
    with runtime:
        if once:
            from newswatch.oneshot import run_due

            with errors_reported():
                done = run_due(runtime, workers=workers)
                sent = runtime.dispatcher.run_once()
            print_discoveries(done.discoveries)
            print_reports(done.checks)
            if sent.retried or sent.failed:
                click.echo(
                    f"alerts: {sent.delivered} delivered, {sent.retried} to retry,"
                    f" {sent.failed} failed",
                    err=True,
                )
            failed = any(r.outcome == "error" for r in done.checks) or any(
                d.error for d in done.discoveries
            )
            if failed or sent.retried or sent.failed:
                sys.exit(1)
            return
        server = _start_metrics(runtime, address)
        daemon = Daemon(
            runtime.store,
            runtime.checker,
            runtime.dispatcher,
            [s.name for s in config.sources],
            settings=DaemonSettings(workers=workers),
            discovery=runtime.discovery,
        )

        def on_signal(signum: int, _frame: object) -> None:
            logging.getLogger("newswatch").info(
                "received %s, stopping", signal.Signals(signum).name
            )
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        daemon.start()
        while not stop.wait(0.5):
            pass
        daemon.stop()
        if server is not None:
            server.stop()


def _start_metrics(runtime: Runtime, address: tuple[str, int] | None) -> Any:
    """The /metrics + /health server, started; None when not asked for."""
    if address is None:
        return None
    from newswatch.metrics import MetricsServer

    try:
        server = MetricsServer(runtime.store, *address)
    except OSError as exc:
        fail(f"cannot serve metrics on {address[0]}:{address[1]}: {exc}", 1)
    server.start()
    return server


@click.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source.")
@click.option("--force", is_flag=True, help="Also check discovered articles that are not due yet.")
@pass_state
def check(state: State, urls: tuple[str, ...], sources: tuple[str, ...], force: bool) -> None:
    """Check every source (or the URLs / sources named) once now, then exit.

    Feed, sitemap and index sources are discovered first; the articles they follow are
    checked when due (all of them with --force).
    """
    from newswatch.oneshot import check_now

    with errors_reported():
        config = state.config()
        known = {s.name for s in config.sources}
        unknown = [name for name in sources if name not in known]
        if unknown:
            fail(f"no source named {', '.join(unknown)} in {config.path}", 2)
        runtime = build_runtime(config)
    with runtime, errors_reported():
        done = check_now(
            runtime, sources=list(sources) or None, urls=list(urls) or None, force=force
        )
        reports = done.checks
        if urls and not reports:
            fail("none of the URLs given is watched by a configured source", 2)
        runtime.dispatcher.run_once()
    print_discoveries(done.discoveries)
    print_reports(reports)
    if any(r.outcome == "error" for r in reports) or any(d.error for d in done.discoveries):
        sys.exit(1)


def print_discoveries(discoveries: list[Any]) -> None:
    for discovery in discoveries:
        click.echo(discovery.line())


def print_reports(reports: list[Any]) -> None:
    for report in reports:
        click.echo(report.line())
    counts: dict[str, int] = {}
    for report in reports:
        counts[report.outcome] = counts.get(report.outcome, 0) + 1
    summary = ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in sorted(counts.items()))
    click.echo(f"checked {len(reports)} article(s): {summary or 'nothing due'}")
