"""``sources``: each configured source with its state."""

from __future__ import annotations

import shlex

import click

from newswatch.cli.app import State, errors_reported, pass_state, reading, shown_time
from newswatch.judge import volatile
from newswatch.runtime import build_runtime


@click.command()
@pass_state
def sources(state: State) -> None:
    """Configured sources with their state."""
    with reading(state) as runtime:
        states = {s.name: s for s in runtime.store.source_states()}
        configured = runtime.config.sources
        learned = {s.name: runtime.store.volatile_learned(s.name) for s in configured}
        usage = {u.source: u for u in runtime.store.capture_usage()}
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
        kept = runtime.config.capture_for(source.name)
        used = usage.get(source.name)
        click.echo(
            f"    captures ({kept.mode}): {used.captures if used else 0},"
            f" {used.bodies if used else 0} distinct bod(ies),"
            f" {_size(used.stored_bytes if used else 0)} on disk"
            f" ({_size(used.raw_bytes if used else 0)} as fetched)"
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
        fragments = learned.get(source.name) or []
        if fragments:
            wide = [f for f in fragments if f.source_wide]
            click.echo(
                f"    volatile fragments masked: {len(fragments)} learned"
                f" ({len(wide)} for every article of the source)"
            )
            for fragment in fragments[:5]:
                where = f"{fragment.articles} articles" if fragment.source_wide else "one article"
                click.echo(f"      \u201c{volatile.shown(fragment.template)}\u201d ({where})")
            config = str(state.config_path.resolve())
            hint = shlex.join(["newswatch", "forget-volatile", source.name, "--config", config])
            click.echo(f"      forget them: {hint}")


def _size(n: int) -> str:
    """Bytes as people read them: 812 B, 4.2 KB, 17.0 MB."""
    value, unit = float(n), "B"
    for bigger in ("KB", "MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"


@click.command("forget-volatile")
@click.argument("source")
@click.option(
    "--fragment",
    metavar="TEXT",
    help="Forget only this fragment (as `sources` prints it); default: all of the source's.",
)
@pass_state
def forget_volatile(state: State, source: str, fragment: str | None) -> None:
    """Forget the volatile fragments learned on SOURCE's articles.

    A confirmation fetch learns what changes on every request (a view counter, a refresh
    time, a nonce) and masks it; if that hid a real change, forget it and the next checks
    compare those paragraphs in full again.
    """
    with errors_reported():
        runtime = build_runtime(state.config())
    with runtime, errors_reported():
        names = [s.name for s in runtime.config.sources]
        if source not in names:
            raise click.BadParameter(
                f"no source named {source!r} (sources: {', '.join(names)})", param_hint="SOURCE"
            )
        template = None
        if fragment is not None:
            known = {
                volatile.shown(f.template): f.template
                for f in runtime.store.volatile_learned(source)
            }
            template = known.get(fragment, fragment)
        forgotten = runtime.store.forget_volatile(source, template)
    click.echo(f"{source}: {forgotten} volatile fragment(s) forgotten")
