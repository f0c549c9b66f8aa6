"""``migrate``: copy the whole history into another database, then verify it."""

from __future__ import annotations

import sys

import click

from newswatch.cli.app import State, errors_reported, fail, pass_state


@click.command()
@click.option(
    "--to",
    "target",
    required=True,
    metavar="URL",
    help="The database to copy into: postgresql://user@host:5432/dbname, or a SQLite file "
    "(a path or sqlite:///path) to take a history home. Created and migrated if needed.",
)
@click.option(
    "--batch",
    default=500,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Rows per transaction on the target.",
)
@pass_state
def migrate(state: State, target: str, batch: int) -> None:
    """Copy every source, article, version, change, event, delivery, quarantined page and
    validator from the configured database into --to, then check that both sides hold the
    same rows (counts and SHA-256 of the contents, table by table).

    Stop every newswatch writing to either database first. Interrupted, run it again: it
    resumes after the last batch it wrote. Exit 0 when every table verifies, 1 otherwise.
    Point database: in the config at the new URL afterwards.
    """
    from newswatch.store import copy_history, locate_database

    with errors_reported():
        config = state.config()
        try:
            location = locate_database(target)
        except ValueError as exc:
            fail(f"--to: {exc}", 2)
        destination = location.resolved(config.path.parent.resolve())
        report = copy_history(
            config.database_url,
            destination,
            batch=batch,
            progress=lambda table, rows: click.echo(f"  {table}: {rows} rows", err=True),
        )
    click.echo(f"{report.source} -> {report.target}")
    for table in report.tables:
        verdict = "ok" if table.ok else "MISMATCH"
        line = (
            f"{table.name:<22} {table.source_rows:>9} rows  copied {table.copied:>9}  "
            f"sha256 {table.target_digest[:12]}  {verdict}"
        )
        if not table.ok:
            line += (
                f" (source {table.source_rows} rows {table.source_digest[:12]},"
                f" target {table.target_rows} rows"
                + (f", no column for {', '.join(table.not_copied)}" if table.not_copied else "")
                + ")"
            )
        click.echo(line)
    if not report.ok:
        click.echo("newswatch: the copy does not match its source (see MISMATCH above)", err=True)
        sys.exit(1)
    click.echo("every table verified")
