"""The ``show``, ``export`` and ``serve`` commands (a thin click layer, like :mod:`cli`)."""

from __future__ import annotations

import json
import signal
import sys
from typing import cast

import click

from newswatch.cli import State, errors_reported, main, pass_state, reading
from newswatch.cli_filters import change_filter, filter_options
from newswatch.history import render_version, resolve_version, version_dict


@main.command()
@click.argument("url")
@click.option("--version", "n", type=int, metavar="N", help="Version number (default: latest).")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@pass_state
def show(state: State, url: str, n: int | None, as_json: bool) -> None:
    """One version of an article: its text and stamps."""
    with reading(state) as runtime:
        article, version = resolve_version(runtime.store, url, n)
    if as_json:
        click.echo(json.dumps(version_dict(article, version), ensure_ascii=False, indent=2))
        return
    click.echo(render_version(article, version))


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--what", type=click.Choice(["versions", "changes"]), default="changes", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File (default: stdout).")
@filter_options
@pass_state
def export(
    state: State,
    fmt: str,
    what: str,
    output: str | None,
    source: str | None,
    kinds: tuple[str, ...],
    severity: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Every version or change, as JSON Lines or CSV (filters apply to changes)."""
    from newswatch.export import Format, What
    from newswatch.export import export as export_rows

    with reading(state) as runtime:
        filters = change_filter(source, kinds, severity, since, until)
        if output is None:
            count = export_rows(
                runtime.store, sys.stdout, cast(Format, fmt), cast(What, what), filters
            )
        else:
            with open(output, "w", encoding="utf-8", newline="") as out:
                count = export_rows(
                    runtime.store, out, cast(Format, fmt), cast(What, what), filters
                )
    click.echo(f"exported {count} {what}", err=True)


@main.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1, or serve.host).")
@click.option("--port", type=int, help="Port (default 8080, or serve.port).")
@click.option("--token", help="Access token (default: serve.token; none: open to the host).")
@pass_state
def serve(state: State, host: str | None, port: int | None, token: str | None) -> None:
    """The read-only web view of the history (and its Atom feeds)."""
    from newswatch.web.server import is_loopback
    from newswatch.web.server import serve as run_server

    with errors_reported():
        config = state.config()
        host = host or config.serve.host
        port = port or config.serve.port
        token = token or config.serve.token
        if not is_loopback(host) and token is None:
            click.echo(
                f"newswatch: warning: serving on {host} without an access token; anyone who "
                "can reach it reads the history (set --token or serve.token)",
                err=True,
            )
        shown = f"[{host}]" if ":" in host else host
        click.echo(
            f"newswatch: serving {config.database_path} read-only on http://{shown}:{port}/"
            + (" (token required)" if token else ""),
            err=True,
        )
        # uvicorn stops gracefully on SIGTERM/SIGINT, then raises the signal again; ending
        # here with exit code 0 (as `newswatch run` does) keeps service managers calm
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _exit_cleanly)
        run_server(config.database_path, host, port, token)


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
