"""The change filters ``history`` and ``export`` share: click options and their parsing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from newswatch.cli.app import fail
from newswatch.clock import utc_now
from newswatch.history import parse_when
from newswatch.store import CHANGE_KINDS, KIND_ALIASES, ChangeFilter, ChangeKind

F = TypeVar("F", bound=Callable[..., Any])


class KindChoice(click.Choice[str]):
    """The change kinds, also taking their earlier spellings (``added`` for
    ``paragraphs-added``) without listing them in ``--help``."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return super().convert(KIND_ALIASES.get(value, value), param, ctx)


def filter_options(func: F) -> F:
    """The change filters shared by ``history`` and ``export``."""
    options = [
        click.option("--source", metavar="NAME", help="Only this source's articles."),
        click.option(
            "--kind",
            "kinds",
            multiple=True,
            type=KindChoice(CHANGE_KINDS),
            help="Only changes of this kind (repeat: all must hold). removed/restored: the"
            " article was unpublished/came back; paragraphs-removed: text was cut.",
        ),
        click.option("--severity", type=click.Choice(["major", "minor"]), help="Only these."),
        click.option("--since", metavar="WHEN", help="From a date, a time or 2h/7d ago."),
        click.option("--until", metavar="WHEN", help="Up to a date (included) or a time."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def change_filter(
    source: str | None,
    kinds: tuple[str, ...],
    severity: str | None,
    since: str | None,
    until: str | None,
) -> ChangeFilter:
    now = utc_now()
    return ChangeFilter(
        source=source,
        kinds=tuple(cast(ChangeKind, k) for k in kinds),
        severity=severity,
        since=parse_when(since, now) if since else None,
        until=parse_when(until, now, end=True) if until else None,
    )


def known_source(source: str | None, configured: list[str], stored: list[str]) -> None:
    """An unknown ``--source`` is a mistake to say, not "no match" (exit 2)."""
    if source is None or source in configured or source in stored:
        return
    names = ", ".join(sorted(set(configured) | set(stored))) or "none"
    fail(f"no source named {source!r} (sources: {names})", 2)
