"""``serve``: the read-only web view of the history (and its Atom feeds)."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from newswatch.cli.app import State, errors_reported, fail, pass_state


@click.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1, or serve.host).")
@click.option("--port", type=int, help="Port (default 8080, or serve.port; 0: any free one).")
@click.option(
    "--token",
    envvar="NEWSWATCH_TOKEN",
    help="Access token (default: $NEWSWATCH_TOKEN, then serve.token; none: open to the host)."
    " A token on the command line shows in `ps`: prefer --token-file or the variable.",
)
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Read the access token from this file (its first line).",
)
@pass_state
def serve(
    state: State, host: str | None, port: int | None, token: str | None, token_file: str | None
) -> None:
    """The read-only web view of the history (and its Atom feeds)."""
    from newswatch.web.server import is_loopback
    from newswatch.web.server import serve as run_server

    with errors_reported():
        config = state.config()
        host = host or config.serve.host
        port = config.serve.port if port is None else port
        if token_file is not None:
            token = _read_token(Path(token_file))
        token = token or config.serve.token
        if not is_loopback(host) and token is None:
            click.echo(
                f"newswatch: warning: serving on {host} without an access token; anyone who "
                "can reach it reads the history (set --token-file, $NEWSWATCH_TOKEN or "
                "serve.token)",
                err=True,
            )
        shown = f"[{host}]" if ":" in host else host

        def announce(bound: int) -> None:
            click.echo(
                f"newswatch: serving {config.database_shown} read-only on http://{shown}:{bound}/"
                + (" (token required)" if token else ""),
                err=True,
            )

        # a stop while the database opens and the port binds ends here with exit code 0
        # (as `newswatch run` does), which keeps service managers calm; from the server's
        # creation on, the server takes the signal (see web.server.serve)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, _exit_cleanly)
        run_server(config.database_url, host, port, token, announce)


def _read_token(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    token = lines[0].strip() if lines else ""
    if len(token) < 8:
        fail(f"--token-file {path}: expected a token of at least 8 characters on its first line", 2)
    return token


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
