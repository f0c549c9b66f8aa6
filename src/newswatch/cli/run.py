"""``run`` and ``check``: the daemon, burst mode, and one pass now."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

import click

from newswatch.cli.app import F, State, errors_reported, fail, pass_state
from newswatch.runtime import Runtime, build_runtime


def workers_option(f: F) -> F:
    return click.option(
        "--workers",
        default=4,
        show_default=True,
        type=click.IntRange(min=1),
        help="Checks in flight at once (each still waits for its host's politeness budget).",
    )(f)


def processes_option(f: F) -> F:
    return click.option(
        "--processes",
        default=None,
        type=click.IntRange(min=1),
        help="Processes checking side by side, each with --workers checks in flight;"
        " politeness budgets hold across them. Default: one per core (for a pass, once at"
        " least 100 articles are due).",
    )(f)


def progress_option(f: F) -> F:
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Print a progress line every few seconds on stderr (default: when a terminal).",
    )(f)


@click.command()
@click.option(
    "--once",
    is_flag=True,
    help="Check what is due, deliver pending alerts, then exit (for cron): exit 1 if a check"
    " or a discovery failed or an alert could not be delivered.",
)
@workers_option
@processes_option
@progress_option
@click.option(
    "--metrics",
    "metrics_at",
    metavar="HOST:PORT",
    help="Serve /metrics and /health here (overrides 'metrics:' in the config).",
)
@pass_state
def run(
    state: State,
    once: bool,
    workers: int,
    processes: int | None,
    progress: bool | None,
    metrics_at: str | None,
) -> None:
    """Run the daemon until SIGTERM or SIGINT (a second one stops at once)."""
    from newswatch.config import parse_listen
    from newswatch.heap import long_lived
    from newswatch.run import EngineSettings, run_daemon, run_due

    stop = threading.Event()
    with long_lived(), errors_reported():
        config = state.config()
        listen = metrics_at or config.metrics
        try:
            address = parse_listen(listen) if listen and not once else None
        except ValueError as exc:
            fail(f"--metrics: {exc}", 2)
        runtime = build_runtime(config, should_stop=stop.is_set)
    with runtime:
        if once:
            with errors_reported():
                done = run_due(
                    runtime,
                    workers=workers,
                    processes=processes,
                    progress=_progress(progress),
                    stop=stop,
                )
            print_discoveries(done.discoveries)
            print_reports(done.checks)
            _prune(runtime)
            sent = done.sent
            if sent.retried or sent.failed:
                click.echo(
                    f"alerts: {sent.delivered} delivered, {sent.retried} to retry,"
                    f" {sent.failed} failed",
                    err=True,
                )
            if done.failed:
                sys.exit(1)
            return
        server = _start_metrics(runtime, address)
        pruner = threading.Thread(target=_keep_pruning, args=(runtime, stop), daemon=True)
        pruner.start()
        try:
            run_daemon(
                runtime,
                settings=EngineSettings(workers=workers),
                stop=stop,
                processes=processes,
                progress=_progress(progress),
            )
        finally:
            if server is not None:
                server.stop()


#: how often the daemon applies the capture retention
PRUNE_EVERY = 3600.0


def _prune(runtime: Runtime) -> None:
    """Capture retention after a pass; a failure is logged, the pass's result stands."""
    try:
        done = runtime.prune_captures()
    except Exception as exc:  # retention must never fail the checks already made
        logging.getLogger("newswatch.capture").warning("pruning captures failed: %s", exc)
        return
    if done.captures:
        logging.getLogger("newswatch.capture").info(
            "pruned %d capture(s), %d body(ies)", done.captures, done.bodies
        )


def _keep_pruning(runtime: Runtime, stop: threading.Event) -> None:
    """The daemon's capture retention: at start, then every :data:`PRUNE_EVERY` seconds."""
    while not stop.is_set():
        _prune(runtime)
        stop.wait(PRUNE_EVERY)


def _progress(wanted: bool | None) -> Any:
    """The stream progress lines go to: stderr when asked, or by default on a terminal."""
    from newswatch.run import terminal

    if wanted is None:
        return terminal(sys.stderr)
    return sys.stderr if wanted else None


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
@workers_option
@processes_option
@progress_option
@pass_state
def check(
    state: State,
    urls: tuple[str, ...],
    sources: tuple[str, ...],
    force: bool,
    workers: int,
    processes: int | None,
    progress: bool | None,
) -> None:
    """Check every source once now, or only the articles at URL... or the --source named.

    URL is a watched article's address (as watched, or its canonical URL). Feed, sitemap
    and index sources are discovered first; the articles they follow are checked when due
    (all of them with --force).
    """
    from newswatch.heap import long_lived
    from newswatch.run import check_now

    stop = threading.Event()
    with long_lived(), errors_reported():
        config = state.config()
        known = {s.name for s in config.sources}
        unknown = [name for name in sources if name not in known]
        if unknown:
            fail(f"no source named {', '.join(unknown)} in {config.path}", 2)
        runtime = build_runtime(config, should_stop=stop.is_set)
    with runtime, errors_reported():
        done = check_now(
            runtime,
            sources=list(sources) or None,
            urls=list(urls) or None,
            force=force,
            workers=workers,
            processes=processes,
            progress=_progress(progress),
            stop=stop,
            deliver=True,
        )
        reports = done.checks
        _prune(runtime)
        if urls and not reports:
            fail("none of the URLs given is watched by a configured source", 2)
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
