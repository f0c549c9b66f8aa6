"""``sources``: each configured source with its state."""

from __future__ import annotations

import click

from newswatch.cli.app import State, pass_state, reading, shown_time


@click.command()
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
        last = shown_time(s.last_check_at)
        click.echo(f"{s.name} ({s.kind}, every {source.interval}) {s.url}")
        click.echo(
            f"    articles {s.articles}, due {s.due}, retired {s.retired}, removed {s.removed}, "
            f"failing {s.failing}; versions {s.versions}, changes {s.changes}; last check {last}"
        )
        if source.discovers:
            when = shown_time(s.last_discovery_at)
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
            since = f" since {shown_time(s.health_since)}" if s.health_since else ""
            click.echo(f"    health: {s.health.replace('_', ' ')}{since}")
        if s.last_error:
            click.echo(f"    last error: {s.last_error}")
