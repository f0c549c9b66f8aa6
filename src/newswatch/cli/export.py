"""``export``: every version or change, as JSON Lines or CSV; or the raw captures as a
WARC 1.1 file or a WACZ package."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import click

from newswatch.cli.app import State, fail, pass_state, reading
from newswatch.cli.filters import change_filter, filter_options, known_source


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "warc", "wacz"]),
    default="jsonl",
    show_default=True,
    help="warc/wacz: the raw captures (request, response, metadata records) as fetched.",
)
@click.option(
    "--what", type=click.Choice(["versions", "changes"]), default="changes", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="File (default: stdout; wacz needs a file).",
)
@click.option("--url", metavar="URL", help="warc/wacz: only this article's captures.")
@filter_options
@pass_state
def export(
    state: State,
    fmt: str,
    what: str,
    output: str | None,
    url: str | None,
    source: str | None,
    kinds: tuple[str, ...],
    severity: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Every version or change, as JSON Lines or CSV; or the raw captures as WARC/WACZ.

    Changes take every filter; versions take --source and --since/--until (when the version
    was first seen) and refuse --kind and --severity. --format warc/wacz writes the captures
    of one article (--url), a source, a time range (when fetched) or all of them.
    """
    from newswatch.export import Format, What
    from newswatch.export import export as export_rows

    if fmt in ("warc", "wacz"):
        if kinds or severity:
            fail(
                "--kind and --severity select changes; an archive takes --url, --source,"
                " --since and --until",
                2,
            )
        _export_archive(state, fmt, output, url, source, since, until)
        return
    if url is not None:
        fail("--url selects an article's captures: use it with --format warc or wacz", 2)
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


def _export_archive(
    state: State,
    fmt: str,
    output: str | None,
    url: str | None,
    source: str | None,
    since: str | None,
    until: str | None,
) -> None:
    from newswatch.archive.export import export_wacz, export_warc
    from newswatch.store import CaptureFilter

    if fmt == "wacz" and output is None:
        fail("--format wacz writes a ZIP package: give it a file with --output", 2)
    with reading(state) as runtime:
        configured = [s.name for s in runtime.config.sources]
        known_source(source, configured, runtime.store.source_names())
        article_id = None
        if url is not None:
            found = runtime.store.find_article(url)
            if found is None:
                fail(f"no watched article at {url}", 1)
            article_id = found.id
        dates = change_filter(source, (), None, since, until)
        filters = CaptureFilter(
            article_id=article_id, source=source, since=dates.since, until=dates.until
        )
        if fmt == "wacz":
            assert output is not None
            count = export_wacz(runtime.store, filters, Path(output))
        elif output is None:
            count = export_warc(runtime.store, filters, sys.stdout.buffer)
        else:
            partial = Path(output + ".partial")
            with partial.open("wb") as out:
                count = export_warc(runtime.store, filters, out)
            partial.replace(output)
    click.echo(f"exported {count} captures", err=True)
