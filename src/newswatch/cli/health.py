"""``health``: the verdict a container HEALTHCHECK or a monitor asks for."""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import click

from newswatch.cli.app import State, errors_reported, fail, pass_state


def unhealthy(reason: str) -> NoReturn:
    """The HEALTHCHECK's answer when there is no verdict to give: one line, exit 1."""
    click.echo(f"unhealthy: {reason}")
    sys.exit(1)


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
            unhealthy(f"no database at {path} (has newswatch run started?)")
        longest = max(policy.max_interval for policy in config.schedules().values())
        try:
            store = open_store(config.database_url, readonly=True)  # a probe never writes
            try:
                now = utc_now()
                verdict = judge(store.stats(now), limit, now=now, max_quiet_seconds=longest + limit)
            finally:
                store.close()
        except Exception as exc:  # a damaged or unreadable database is an answer: unhealthy
            unhealthy(f"database {config.database_shown}: {exc}")
    click.echo(json.dumps(verdict.as_dict()) if as_json else verdict.line())
    if not verdict.healthy:
        sys.exit(1)
