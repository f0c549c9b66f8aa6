"""``serve``: the read-only web view of the history (and its Atom feeds)."""

from __future__ import annotations

import signal

import click

from newswatch.cli.app import State, errors_reported, pass_state


@click.command()
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
            f"newswatch: serving {config.database_shown} read-only on http://{shown}:{port}/"
            + (" (token required)" if token else ""),
            err=True,
        )
        # uvicorn stops gracefully on SIGTERM/SIGINT, then raises the signal again; ending
        # here with exit code 0 (as `newswatch run` does) keeps service managers calm
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _exit_cleanly)
        run_server(config.database_url, host, port, token)


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
