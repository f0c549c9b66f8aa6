"""``health``: the verdict a container HEALTHCHECK or a monitor asks for."""

from __future__ import annotations

import json
import sys

import click

from newswatch.cli.app import State, errors_reported, fail, pass_state


@click.command()
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
    from newswatch.store import open_store

    with errors_reported():
        config = state.config()
        try:
            limit = parse_duration(max_lag)
        except ValueError as exc:
            fail(f"--max-lag: {exc}", 2)
        path = config.database_path
        if path is not None and not path.exists():  # never create it: the daemon does
            fail(f"unhealthy: no database at {path} (has newswatch run started?)", 1)
        store = open_store(config.database_url, readonly=True)  # a health probe never writes
        try:
            verdict = judge(store.stats(utc_now()), limit)
        finally:
            store.close()
    click.echo(json.dumps(verdict.as_dict()) if as_json else verdict.line())
    if not verdict.healthy:
        sys.exit(1)
