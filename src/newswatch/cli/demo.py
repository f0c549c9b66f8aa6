"""``demo``: a simulated news site on 127.0.0.1 and the daemon watching it."""

from __future__ import annotations

from pathlib import Path

import click

from newswatch.cli.app import errors_reported


@click.command()
@click.option("--seconds", default=30, show_default=True, help="How long the demo runs.")
@click.option("--step", default=5.0, show_default=True, help="Seconds between revisions.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Keep files here.")
def demo(seconds: int, step: float, directory: str | None) -> None:
    """Watch a simulated news site on 127.0.0.1 revise its stories, no network needed."""
    from newswatch.demo import run_demo

    with errors_reported():
        run_demo(seconds=seconds, step=step, directory=Path(directory) if directory else None)
