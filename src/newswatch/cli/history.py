"""``history``, ``diff`` and ``show``: reading what was stored."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from newswatch.cli.app import State, fail, pass_state, reading, shown_time
from newswatch.cli.filters import change_filter, filter_options, known_source
from newswatch.history import (
    article_history,
    generation_dicts,
    render_generations,
    render_version,
    resolve_version,
    resolve_versions,
    version_dict,
)
from newswatch.store import ChangeFilter


@click.command()
@click.argument("url", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the design's JSON form.")
@click.option("--limit", default=50, show_default=True, help="Changes to list without URL.")
@click.option(
    "--generation",
    type=int,
    metavar="N",
    help="An earlier extraction generation of the article's history (default: the current).",
)
@click.option(
    "--generations", "list_generations", is_flag=True, help="List the article's generations."
)
@filter_options
@pass_state
def history(
    state: State,
    url: str | None,
    as_json: bool,
    limit: int,
    generation: int | None,
    list_generations: bool,
    source: str | None,
    kinds: tuple[str, ...],
    severity: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Versions and changes of an article (without URL: the latest changes, filtered)."""
    with reading(state) as runtime:
        store = runtime.store
        known_source(source, [s.name for s in runtime.config.sources], store.source_names())
        filters = change_filter(source, kinds, severity, since, until)
        if url is None and (generation is not None or list_generations):
            fail("--generation and --generations need the article's URL", 2)
        if url is None:
            changes = store.change_page(filters, limit=limit).changes
            if as_json:
                rows = [
                    {"source": c.source, "url": c.url, "title": c.title, **c.as_dict()}
                    for c in changes
                ]
                click.echo(json.dumps({"changes": rows}, ensure_ascii=False, indent=2))
                return
            if not changes:
                click.echo("no changes recorded yet" if filters == ChangeFilter() else "no match")
            for c in changes:
                click.echo(
                    f"{shown_time(c.at)} [{c.source}] v{c.from_n}\u2192v{c.to_n} "
                    f"{c.severity:<5} \u2068{c.title}\u2069 - {c.summary}\n    {c.url}"
                )
            return
        if list_generations:
            article = store.find_article(url)
            if article is None:
                fail(f"{url} is not a watched article (see 'newswatch sources')", 1)
            generations = store.generations(article.id)
            if as_json:
                listed = {"url": article.url, "generations": generation_dicts(generations)}
                click.echo(json.dumps(listed, ensure_ascii=False, indent=2))
            else:
                click.echo(render_generations(article, generations))
            return
        found = article_history(store, url, generation)
        if found is None:
            fail(f"{url} is not a watched article (see 'newswatch sources')", 1)
        if filters != ChangeFilter() and found.generation != found.current:
            fail("filters apply to the current generation, not to --generation", 2)
        if filters != ChangeFilter():
            kept = list(store.iter_changes(replace(filters, article_id=found.article.id)))
            found = replace(found, changes=kept)
    if as_json:
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(found.render())


@click.command()
@click.argument("url")
@click.option("--from", "from_n", type=int, help="Older version number.")
@click.option("--to", "to_n", type=int, help="Newer version number.")
@click.option("--color/--no-color", default=None, help="Colour (default: when a terminal).")
@click.option(
    "--bidi",
    type=click.Choice(["auto", "logical", "visual"]),
    default="auto",
    show_default=True,
    help="Right-to-left text: logical for bidi-aware terminals and pipes, visual for other"
    " terminals; auto: $NEWSWATCH_BIDI, else detected from the terminal.",
)
@click.option("--context", default=1, show_default=True, help="Unchanged paragraphs around.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="text for the terminal, json for programs, html for a self-contained page.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--generation", type=int, metavar="N", help="Versions of an earlier extraction generation."
)
@pass_state
def diff(
    state: State,
    url: str,
    from_n: int | None,
    to_n: int | None,
    color: bool | None,
    bidi: str,
    context: int,
    fmt: str,
    as_json: bool,
    generation: int | None,
) -> None:
    """The word-level diff between two versions (default: the last change)."""
    from newswatch.render import BidiMode, render_change

    with reading(state) as runtime:
        pair = resolve_versions(runtime.store, url, from_n, to_n, generation)
        article = runtime.store.find_article(url)
    old, new, change = pair
    if fmt == "html" and article is not None:
        from newswatch.web.pages import diff_page

        click.echo(diff_page(article, old, new, change, standalone=True, context=context))
        return
    if as_json or fmt == "json":
        payload = {
            "url": url,
            "from": old.n,
            "to": new.n,
            "change": change.record() if change else None,
            "diff": change.diff_dict() if change else None,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{url}: v{old.n} ({shown_time(old.first_seen_at)}) \u2192 v{new.n} "
        f"({shown_time(new.first_seen_at)})"
    )
    if change is None:
        click.echo("no difference")
        return
    use_color = sys.stdout.isatty() if color is None else color
    mode: BidiMode = "visual" if bidi == "visual" else "logical" if bidi == "logical" else "auto"
    click.echo(render_change(change, color=use_color, context=context, bidi=mode))


@click.command()
@click.argument("url")
@click.option("--version", "n", type=int, metavar="N", help="Version number (default: latest).")
@click.option(
    "--generation",
    type=click.IntRange(min=1),
    metavar="N",
    help="From this extraction generation (an earlier reading kept by reextract).",
)
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@click.option(
    "--raw",
    is_flag=True,
    help="Write the page's bytes exactly as fetched (its capture, checked against its SHA-256).",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="With --raw: a file (default: stdout)."
)
@pass_state
def show(
    state: State,
    url: str,
    n: int | None,
    generation: int | None,
    as_json: bool,
    raw: bool,
    output: str | None,
) -> None:
    """One version of an article: its text and stamps, and the capture it was read from."""
    from newswatch.archive import read_version

    if output is not None and not raw:
        fail("--output goes with --raw", 2)
    with reading(state) as runtime:
        article, version = resolve_version(runtime.store, url, n, generation)
        current = next((g.n for g in runtime.store.generations(article.id) if g.current), 1)
        # an earlier generation's versions keep the capture links they had
        past = generation if generation is not None and generation != current else None
        capture = runtime.store.version_capture(article.id, version.n, past)
        if raw:
            got = read_version(runtime.store, article.id, version.n, past)
            if got is None:
                fail(f"{url}: no capture kept of version {version.n}", 1)
            if output is None:
                sys.stdout.buffer.write(got.body)
                sys.stdout.buffer.flush()
            else:
                Path(output).write_bytes(got.body)
            return
    shown_in = generation if generation is not None else current
    if as_json:
        shown = {**version_dict(article, version, capture), "generation": shown_in}
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    if shown_in != current:
        click.echo(f"generation {shown_in} (an earlier reading; the current one is {current})")
    click.echo(render_version(article, version, capture))
