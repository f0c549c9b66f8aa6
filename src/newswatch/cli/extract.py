"""``extract``: what the extractor reads from one page, file or URL (no configuration)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from newswatch.cli.app import errors_reported, fail


@click.command()
@click.argument("target", metavar="FILE_OR_URL")
@click.option("--url", help="The page's URL (when TARGET is a file).")
@click.option("--timezone", default="UTC", show_default=True, help="Zone for stamps with none.")
@click.option("--json", "as_json", is_flag=True, help="Print the design's JSON form.")
def extract(target: str, url: str | None, timezone: str, as_json: bool) -> None:
    """Show what the extractor reads from one page (a file or a URL)."""
    from newswatch.extract import extract as extract_article
    from newswatch.fetch import Fetcher, FetchScope
    from newswatch.fetch.scope import configured_credentials

    with errors_reported():
        _check_timezone(timezone)
        content: str | bytes
        if target.startswith(("http://", "https://")):
            # the URL typed is trusted (and its password, sent once); where it redirects is not
            with Fetcher(
                scope=FetchScope.configured([target]),
                credentials=configured_credentials([target]),
            ) as fetcher:
                result = fetcher.fetch(target)
            content, page_url = result.content, url or result.final_url
        else:
            path = Path(target)
            if not path.is_file():
                fail(f"{target}: no such file", 2)
            content, page_url = path.read_bytes(), url or path.resolve().as_uri()
        article = extract_article(content, page_url, timezone)
    if as_json:
        click.echo(json.dumps(article.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(article.title)
    click.echo("=" * min(len(article.title), 80))
    for label, value in (("published", article.published), ("updated", article.updated)):
        click.echo(f"{label}: {value.isoformat() if value else '-'}")
    for stamp in article.stamps:
        at = stamp.at.isoformat() if stamp.at else "?"
        click.echo(f"  stamp {stamp.kind:<10} {at:<25} {stamp.source:<6} {stamp.text}")
    click.echo(f"language: {article.language or '-'}; {len(article.paragraphs)} paragraph(s)\n")
    for paragraph in article.paragraphs:
        click.echo(f"{paragraph}\n")


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--timezone: unknown time zone {name!r} (expected an IANA name like Asia/Riyadh)", 2)
