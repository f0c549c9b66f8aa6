"""``reextract``: the history read again from its captures, as a new extraction generation."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

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
    earlier one stays readable: history URL --generation N). Sends no alert. SIGTERM or
    Ctrl-C stops it between two articles (exit code 143 or 130), a second one at once;
    either way each article keeps one whole generation, and run again it goes on where it
    stopped."""
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

            results: list[Reextracted] = []

            def each(done: Reextracted) -> None:
                results.append(done)
                if as_json:
                    click.echo(json.dumps(done.as_dict(), ensure_ascii=False))
                elif done.verdict != "unchanged":
                    click.echo(done.line())

            with _stopped_by_signals() as stop:
                reextractor = Reextractor(store, targets, should_stop=stop.is_set)
                total = len(reextractor.watched(sources or None))
                # stopped at once: the article in progress rolled back, or was written whole
                with suppress(_StopNow):
                    reextractor.run(
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
    if stop.signal is not None:
        click.echo(
            f"reextract: stopped by {stop.signal.name} after {reextractor.looked_at} of"
            f" {total} article(s){' (and at once)' if stop.forced else ''}; every article"
            " has one whole generation; run it again to go on where it stopped",
            err=True,
        )
        sys.exit(128 + stop.signal.value)


class _StopNow(Exception):
    """A second stop signal: the article in progress is given up (its transaction, if
    open, rolls back)."""


class _Stop:
    """What the stop signals asked for; the handler only sets flags."""

    def __init__(self) -> None:
        self.signal: signal.Signals | None = None
        self.forced = False

    def is_set(self) -> bool:
        return self.signal is not None


@contextmanager
def _stopped_by_signals() -> Iterator[_Stop]:
    """While inside, a first SIGTERM/SIGINT asks the run to stop before the next article,
    a second one stops it at once (outside the main thread nothing is installed)."""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.signal is None:  # no output here: the interrupted code may be writing
            stop.signal = signal.Signals(signum)
            return
        stop.forced = True
        raise _StopNow

    watched = (signal.SIGINT, signal.SIGTERM)  # SIGTERM's last: once it is caught, both are
    previous = {sig: signal.signal(sig, on_signal) for sig in watched}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
