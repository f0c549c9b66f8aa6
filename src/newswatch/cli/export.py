"""``export``: every version or change, as JSON Lines or CSV."""

from __future__ import annotations

import sys
from typing import cast

import click

from newswatch.cli.app import State, fail, pass_state, reading
from newswatch.cli.filters import change_filter, filter_options, known_source


@click.command()
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
    """Every version or change, as JSON Lines or CSV.

    Changes take every filter; versions take --source and --since/--until (when the version
    was first seen) and refuse --kind and --severity.
    """
    from newswatch.export import Format, What
    from newswatch.export import export as export_rows

    if what == "versions" and (kinds or severity):
        fail(
            "--kind and --severity select changes; with --what versions use --source,"
            " --since and --until (when a version was first seen)",
            2,
        )
    with reading(state) as runtime:
        configured = [s.name for s in runtime.config.sources]
        known_source(source, configured, runtime.store.source_names())
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
