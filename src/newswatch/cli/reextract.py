"""``reextract``: the history read again from its captures, as a new extraction generation."""

from __future__ import annotations

import json

import click

from newswatch.cli.app import State, errors_reported, pass_state
from newswatch.cli.filters import known_source


@click.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="NAME",
    help="Only this source (repeat for several).",
)
@click.option(
    "--since",
    metavar="WHEN",
    help="Only articles fetched since then (a date, a time, or 2h/7d back); each is rebuilt"
    " from its first capture.",
)
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article.")
@pass_state
def reextract(
    state: State, sources: tuple[str, ...], since: str | None, dry_run: bool, as_json: bool
) -> None:
    """Re-run the current extractor over the stored captures and rebuild each article's
    versions and changes with the check's own rules, as a new extraction generation (the
    earlier one stays readable: history URL --generation N). Sends no alert. Safe to
    interrupt: run it again and it goes on where it stopped."""
    from newswatch.clock import utc_now
    from newswatch.history import parse_when
    from newswatch.reextract.runner import Reextracted, Reextractor, Target
    from newswatch.store import open_store

    with errors_reported():
        config = state.config()
        cutoff = parse_when(since, utc_now()) if since else None
        store = open_store(config.database_url)
        try:
            for name in sources:
                known_source(name, [s.name for s in config.sources], store.source_names())
            targets = {
                s.name: Target(s.timezone, s.interval_seconds, s.extract_rules())
                for s in config.sources
            }

            def each(done: Reextracted) -> None:
                if as_json:
                    click.echo(json.dumps(done.as_dict(), ensure_ascii=False))
                elif done.verdict != "unchanged":
                    click.echo(done.line())

            results = Reextractor(store, targets).run(
                sources=sources or None, since=cutoff, dry_run=dry_run, each=each
            )
        finally:
            store.close()
    counts: dict[str, int] = {}
    for result in results:
        counts[result.verdict] = counts.get(result.verdict, 0) + 1
    changed = counts.get("would_change" if dry_run else "changed", 0)
    parts = [
        f"{len(results)} article(s)",
        f"{changed} {'would change' if dry_run else 'rebuilt as a new generation'}",
        f"{counts.get('unchanged', 0)} unchanged",
    ]
    for verdict, label in (
        ("no_captures", "without captures"),
        ("incomplete", "not rebuilt (fetches without bytes)"),
        ("held", "held (alerts still queued)"),
    ):
        if counts.get(verdict):
            parts.append(f"{counts[verdict]} {label}")
    click.echo(("dry run: " if dry_run else "reextract: ") + ", ".join(parts), err=as_json)
