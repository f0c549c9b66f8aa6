"""The ``newswatch`` command: a thin click layer over the library.

Every command parses its options, calls library functions and prints. Library errors come
back as exceptions; only here do they become messages and exit codes (2 for configuration
errors, 1 for everything else).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from newswatch import __version__
from newswatch.cli_filters import change_filter, filter_options
from newswatch.config import Config, default_config_path, load_config
from newswatch.errors import ConfigError, NewswatchError
from newswatch.history import article_history, resolve_versions
from newswatch.logs import setup_logging
from newswatch.runtime import Runtime, build_runtime
from newswatch.store.base import ChangeFilter

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """What the group options hand to every command."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = Path(config_path) if config_path else default_config_path()
        self._config: Config | None = None

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config


pass_state = click.make_pass_decorator(State)


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"newswatch: {message}", err=True)
    sys.exit(code)


@contextmanager
def errors_reported() -> Iterator[None]:
    """Turn library exceptions into one clear message and an exit code."""
    try:
        yield
    except ConfigError as exc:
        click.echo(f"newswatch: invalid configuration in {exc.path}:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        if not Path(exc.path).exists():
            click.echo(
                "  (give one with --config FILE or $NEWSWATCH_CONFIG; 'newswatch demo' needs none)",
                err=True,
            )
        sys.exit(2)
    except NewswatchError as exc:
        fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="Configuration file (default: $NEWSWATCH_CONFIG or ./config.yaml).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and alerts.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    envvar="NEWSWATCH_LOG_FORMAT",
    help="json: one JSON object per log line (journald, Docker, Loki).",
)
@click.version_option(__version__, prog_name="newswatch")
@click.pass_context
def main(
    ctx: click.Context, config_path: str | None, verbose: int, quiet: bool, log_format: str
) -> None:
    """Watch news articles and catch every revision."""
    setup_logging(verbose, quiet, "json" if log_format == "json" else "text")
    ctx.obj = State(config_path)


# ---------------------------------------------------------------------------- run / check


def workers_option(f: F) -> F:
    return click.option(
        "--workers",
        default=4,
        show_default=True,
        type=click.IntRange(min=1),
        help="Checks in flight at once (each still waits for its host's politeness budget).",
    )(f)


def progress_option(f: F) -> F:
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Print a progress line every few seconds on stderr (default: when a terminal).",
    )(f)


@main.command()
@click.option(
    "--once",
    is_flag=True,
    help="Check what is due, deliver pending alerts, then exit (for cron): exit 1 if a check"
    " or a discovery failed or an alert could not be delivered.",
)
@workers_option
@progress_option
@click.option(
    "--metrics",
    "metrics_at",
    metavar="HOST:PORT",
    help="Serve /metrics and /health here (overrides 'metrics:' in the config).",
)
@pass_state
def run(
    state: State, once: bool, workers: int, progress: bool | None, metrics_at: str | None
) -> None:
    """Run the daemon until SIGTERM or SIGINT (a second one stops at once)."""
    from newswatch.config import parse_listen
    from newswatch.run import EngineSettings, run_daemon, run_due

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
            with errors_reported():
                done = run_due(runtime, workers=workers, progress=_progress(progress), stop=stop)
            _print_discoveries(done.discoveries)
            _print_reports(done.checks)
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
        try:
            run_daemon(runtime, settings=EngineSettings(workers=workers), stop=stop)
        finally:
            if server is not None:
                server.stop()


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


@main.command()
@click.option(
    "--max-lag",
    default="5m",
    show_default=True,
    help="Unhealthy when a due check has waited longer than this.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@pass_state
def health(state: State, max_lag: str, as_json: bool) -> None:
    """Exit 0 when the database answers and checks are not overdue, else 1 (HEALTHCHECK)."""
    from newswatch.clock import utc_now
    from newswatch.config import parse_duration
    from newswatch.health import judge
    from newswatch.store import open_readonly

    with errors_reported():
        config = state.config()
        try:
            limit = parse_duration(max_lag)
        except ValueError as exc:
            fail(f"--max-lag: {exc}", 2)
        path = config.database_path
        if not path.exists():  # never create it: the daemon does, and may not have yet
            fail(f"unhealthy: no database at {path} (has newswatch run started?)", 1)
        store = open_readonly(path)  # a health probe never writes
        try:
            verdict = judge(store.stats(utc_now()), limit)
        finally:
            store.close()
    click.echo(json.dumps(verdict.as_dict()) if as_json else verdict.line())
    if not verdict.healthy:
        sys.exit(1)


@main.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source.")
@click.option("--force", is_flag=True, help="Also check discovered articles that are not due yet.")
@workers_option
@progress_option
@pass_state
def check(
    state: State,
    urls: tuple[str, ...],
    sources: tuple[str, ...],
    force: bool,
    workers: int,
    progress: bool | None,
) -> None:
    """Check every source (or the URLs / sources named) once now, then exit.

    Feed, sitemap and index sources are discovered first; the articles they follow are
    checked when due (all of them with --force).
    """
    from newswatch.run import check_now

    stop = threading.Event()
    with errors_reported():
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
            progress=_progress(progress),
            stop=stop,
            deliver=True,
        )
        reports = done.checks
        if urls and not reports:
            fail("none of the URLs given is watched by a configured source", 2)
    _print_discoveries(done.discoveries)
    _print_reports(reports)
    if any(r.outcome == "error" for r in reports) or any(d.error for d in done.discoveries):
        sys.exit(1)


def _print_discoveries(discoveries: list[Any]) -> None:
    for discovery in discoveries:
        click.echo(discovery.line())


def _print_reports(reports: list[Any]) -> None:
    for report in reports:
        click.echo(report.line())
    counts: dict[str, int] = {}
    for report in reports:
        counts[report.outcome] = counts.get(report.outcome, 0) + 1
    summary = ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in sorted(counts.items()))
    click.echo(f"checked {len(reports)} article(s): {summary or 'nothing due'}")


# ---------------------------------------------------------------------------- extract


@main.command()
@click.argument("target", metavar="FILE_OR_URL")
@click.option("--url", help="The page's URL (when TARGET is a file).")
@click.option("--timezone", default="UTC", show_default=True, help="Zone for stamps with none.")
@click.option("--json", "as_json", is_flag=True, help="Print the design's JSON form.")
def extract(target: str, url: str | None, timezone: str, as_json: bool) -> None:
    """Show what the extractor reads from one page (a file or a URL)."""
    from newswatch.extract import extract as extract_article
    from newswatch.fetch import Fetcher

    with errors_reported():
        _check_timezone(timezone)
        content: str | bytes
        if target.startswith(("http://", "https://")):
            with Fetcher() as fetcher:
                result = fetcher.fetch(target)
            content, page_url = result.content, url or result.final_url
        else:
            path = Path(target)
            if not path.is_file():
                fail(f"{target}: no such file", 2)
            content, page_url = path.read_bytes(), url or path.resolve().as_uri()
        article = extract_article(content, page_url, timezone)
    if as_json:
        click.echo(json.dumps(article.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(article.title)
    click.echo("=" * min(len(article.title), 80))
    for label, value in (("published", article.published), ("updated", article.updated)):
        click.echo(f"{label}: {value.isoformat() if value else '-'}")
    for stamp in article.stamps:
        at = stamp.at.isoformat() if stamp.at else "?"
        click.echo(f"  stamp {stamp.kind:<10} {at:<25} {stamp.source:<6} {stamp.text}")
    click.echo(f"language: {article.language or '-'}; {len(article.paragraphs)} paragraph(s)\n")
    for paragraph in article.paragraphs:
        click.echo(f"{paragraph}\n")


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--timezone: unknown time zone {name!r} (expected an IANA name like Asia/Riyadh)", 2)


# ---------------------------------------------------------------------------- readers


@contextmanager
def reading(state: State) -> Iterator[Runtime]:
    with errors_reported():
        runtime = build_runtime(state.config())
    with runtime, errors_reported():
        yield runtime


@main.command()
@click.argument("url", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the design's JSON form.")
@click.option("--limit", default=50, show_default=True, help="Changes to list without URL.")
@filter_options
@pass_state
def history(
    state: State,
    url: str | None,
    as_json: bool,
    limit: int,
    source: str | None,
    kinds: tuple[str, ...],
    severity: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Versions and changes of an article (without URL: the latest changes, filtered)."""
    with reading(state) as runtime:
        store = runtime.store
        filters = change_filter(source, kinds, severity, since, until)
        if url is None:
            changes = store.change_page(filters, limit=limit).changes
            if as_json:
                rows = [
                    {"source": c.source, "url": c.url, "title": c.title, **c.as_dict()}
                    for c in changes
                ]
                click.echo(json.dumps({"changes": rows}, ensure_ascii=False, indent=2))
                return
            if not changes:
                click.echo("no changes recorded yet" if filters == ChangeFilter() else "no match")
            for c in changes:
                click.echo(
                    f"{c.at:%Y-%m-%d %H:%M:%S} [{c.source}] v{c.from_n}\u2192v{c.to_n} "
                    f"{c.severity:<5} \u2068{c.title}\u2069 - {c.summary}\n    {c.url}"
                )
            return
        found = article_history(store, url)
        if found is None:
            fail(f"{url} is not a watched article (see 'newswatch sources')", 1)
        if filters != ChangeFilter():
            kept = list(store.iter_changes(replace(filters, article_id=found.article.id)))
            found = replace(found, changes=kept)
    if as_json:
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(found.render())


@main.command()
@click.argument("url")
@click.option("--from", "from_n", type=int, help="Older version number.")
@click.option("--to", "to_n", type=int, help="Newer version number.")
@click.option("--color/--no-color", default=None, help="Colour (default: when a terminal).")
@click.option(
    "--bidi",
    type=click.Choice(["auto", "logical", "visual"]),
    default="auto",
    show_default=True,
    help="Right-to-left display: logical for bidi-aware terminals, visual for others.",
)
@click.option("--context", default=1, show_default=True, help="Unchanged paragraphs around.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="text for the terminal, json for programs, html for a self-contained page.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@pass_state
def diff(
    state: State,
    url: str,
    from_n: int | None,
    to_n: int | None,
    color: bool | None,
    bidi: str,
    context: int,
    fmt: str,
    as_json: bool,
) -> None:
    """The word-level diff between two versions (default: the last change)."""
    from newswatch.render import BidiMode, render_change

    with reading(state) as runtime:
        pair = resolve_versions(runtime.store, url, from_n, to_n)
        article = runtime.store.find_article(url)
    old, new, change = pair
    if fmt == "html" and article is not None:
        from newswatch.web.pages import diff_page

        click.echo(diff_page(article, old, new, change, standalone=True, context=context))
        return
    if as_json or fmt == "json":
        payload = {
            "url": url,
            "from": old.n,
            "to": new.n,
            "change": change.record() if change else None,
            "diff": change.diff_dict() if change else None,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{url}: v{old.n} ({old.first_seen_at:%Y-%m-%d %H:%M}) \u2192 v{new.n} "
        f"({new.first_seen_at:%Y-%m-%d %H:%M})"
    )
    if change is None:
        click.echo("no difference")
        return
    use_color = sys.stdout.isatty() if color is None else color
    mode: BidiMode = "visual" if bidi == "visual" else "logical" if bidi == "logical" else "auto"
    click.echo(render_change(change, color=use_color, context=context, bidi=mode))


@main.command()
@pass_state
def sources(state: State) -> None:
    """Configured sources with their state."""
    with reading(state) as runtime:
        states = {s.name: s for s in runtime.store.source_states()}
        configured = runtime.config.sources
    for source in configured:
        s = states.get(source.name)
        if s is None:
            continue
        last = f"{s.last_check_at:%Y-%m-%d %H:%M:%S}" if s.last_check_at else "never"
        click.echo(f"{s.name} ({s.kind}, every {source.interval}) {s.url}")
        click.echo(
            f"    articles {s.articles}, due {s.due}, retired {s.retired}, removed {s.removed}, "
            f"failing {s.failing}; versions {s.versions}, changes {s.changes}; last check {last}"
        )
        if source.discovers:
            when = f"{s.last_discovery_at:%Y-%m-%d %H:%M:%S}" if s.last_discovery_at else "never"
            listed = (
                f", {s.last_discovered} link(s) listed" if s.last_discovered is not None else ""
            )
            if s.last_discovery_not_modified:
                listed = f" ({s.last_discovered} link(s) listed when last read)" if listed else ""
                click.echo(f"    last discovery {when}: not modified{listed}")
            else:
                click.echo(f"    last discovery {when}{listed}")
        if s.pending_deliveries or s.failed_deliveries or s.held_deliveries:
            click.echo(
                f"    alerts pending {s.pending_deliveries}, failed {s.failed_deliveries}, "
                f"held for digest {s.held_deliveries}"
            )
        if s.last_delivery_error:
            click.echo(f"    last alert error: {s.last_delivery_error}")
        if s.health != "ok":
            since = f" since {s.health_since:%Y-%m-%d %H:%M:%S}" if s.health_since else ""
            click.echo(f"    health: {s.health.replace('_', ' ')}{since}")
        if s.last_error:
            click.echo(f"    last error: {s.last_error}")


# ---------------------------------------------------------------------------- alerts


@main.group()
def alerts() -> None:
    """Alert rules: list them, send a test alert through one."""


@alerts.command("list")
@pass_state
def alerts_list(state: State) -> None:
    """Each alert rule: its channel(s), what it routes, its digest rate."""
    from newswatch.alerts import rules_of

    with errors_reported():
        config = state.config()
    for rule in rules_of(config):
        digest = (
            f"digest after {rule.digest_after} per {rule.digest_seconds:g}s"
            if rule.digest_after is not None
            else "no digest"
        )
        click.echo(f"{rule.name}: channel(s) {', '.join(rule.channels)}")
        click.echo(
            f"    sources {', '.join(rule.sources)}; min severity {rule.min_severity}; {digest}"
        )
        click.echo(f"    on {', '.join(sorted(rule.on))}")


@alerts.command("test")
@click.argument("rule")
@click.option("--source", default="newswatch-test", show_default=True, help="Source named.")
@pass_state
def alerts_test(state: State, rule: str, source: str) -> None:
    """Send a sample alert (an Arabic headline rewrite) through RULE now."""
    from newswatch.alerts import build_channels, rules_of
    from newswatch.alerts.sample import send_test
    from newswatch.clock import utc_now
    from newswatch.fetch import Fetcher
    from newswatch.runtime import fetch_settings

    with errors_reported():
        config = state.config()
        rules = {r.name: r for r in rules_of(config)}
        if rule not in rules:
            known = ", ".join(rules) or "none"
            fail(f"no alert rule named {rule!r} in {config.path} (rules: {known})", 2)
        with Fetcher(fetch_settings(config)) as fetcher:
            channels = build_channels(config.channels(), fetcher.post_json)
            outcomes = send_test(channels, rules[rule].channels, source, utc_now())
    for outcome in outcomes:
        click.echo(
            f"{outcome.channel}: {'sent' if outcome.ok else 'FAILED: ' + str(outcome.error)}"
        )
    if not all(o.ok for o in outcomes):
        sys.exit(1)


# ---------------------------------------------------------------------------- demo


@main.command()
@click.option("--seconds", default=30, show_default=True, help="How long the demo runs.")
@click.option("--step", default=5.0, show_default=True, help="Seconds between revisions.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Keep files here.")
def demo(seconds: int, step: float, directory: str | None) -> None:
    """Watch a simulated news site on 127.0.0.1 revise its stories, no network needed."""
    from newswatch.demo import run_demo

    with errors_reported():
        run_demo(seconds=seconds, step=step, directory=Path(directory) if directory else None)


# show, export, serve: registered on ``main`` by importing their module
from newswatch import cli_review  # noqa: E402

__all__ = ["cli_review", "main"]

if __name__ == "__main__":  # pragma: no cover - ``python -m newswatch.cli``
    # run the imported module's group: the one cli_review registered its commands on
    from newswatch.cli import main as registered_main

    registered_main()
