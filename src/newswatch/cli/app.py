"""The ``newswatch`` group and what its commands share: the state, errors, exit codes.

Every command parses its options, calls library functions and prints. Library errors come
back as exceptions; only here do they become messages and exit codes (2 for configuration
errors, 1 for everything else).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import click

from newswatch import __version__
from newswatch.config import Config, default_config_path, load_config
from newswatch.errors import ConfigError, NewswatchError
from newswatch.heap import long_lived
from newswatch.logs import setup_logging
from newswatch.runtime import build_runtime
from newswatch.store import HistoryReader, open_store

F = TypeVar("F", bound=Callable[..., Any])

CONFIG_HELP = "Configuration file (default: $NEWSWATCH_CONFIG or ./config.yaml)."


class State:
    """What the group options hand to every command."""

    def __init__(self, config_path: str | None = None) -> None:
        self.config_path = Path(config_path) if config_path else default_config_path()
        self._config: Config | None = None

    def use_config(self, config_path: str) -> None:
        """``--config`` given after the command: it wins over the one before."""
        self.config_path = Path(config_path)
        self._config = None

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config


_pass_state = click.make_pass_decorator(State)


def _config_after_command(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(State).use_config(value)


def pass_state(func: F) -> F:
    """Hand the command the :class:`State`, and accept ``--config`` after the command too.

    Users type ``newswatch check --config FILE`` as often as ``newswatch --config FILE
    check``; both mean the same.
    """
    option = click.option(
        "--config",
        metavar="FILE",
        expose_value=False,
        callback=_config_after_command,
        help=CONFIG_HELP,
    )
    return cast(F, option(_pass_state(func)))


def shown_time(at: datetime | None, none: str = "never") -> str:
    """A stored time as a person reads it, always with its zone (UTC, as stored)."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if at is not None else none


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"newswatch: {message}", err=True)
    sys.exit(code)


@contextmanager
def errors_reported() -> Iterator[None]:
    """Turn library exceptions into one clear message and an exit code."""
    try:
        yield
    except ConfigError as exc:
        click.echo(f"newswatch: invalid configuration in {exc.path}:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        if not Path(exc.path).exists():
            click.echo(
                "  (give one with --config FILE or $NEWSWATCH_CONFIG; 'newswatch demo' needs none)",
                err=True,
            )
        sys.exit(2)
    except NewswatchError as exc:
        fail(str(exc))


@dataclass(frozen=True, slots=True)
class Reading:
    """What a command that only reads needs: the config and a read-only store."""

    config: Config
    store: HistoryReader


@contextmanager
def reading(state: State) -> Iterator[Reading]:
    """The history for a command that only reads it, with errors reported.

    An existing database is opened read-only (upgraded first if an older newswatch wrote
    it), so these commands work on a file, or in a folder, this user cannot write; only a
    database that does not exist yet is created, as every command does.
    """
    with errors_reported():
        config = state.config()
        path = config.database_path
        if path is not None and not path.exists():
            runtime = build_runtime(config)
            runtime.close()
        store = open_store(config.database_url, readonly=True, upgrade=True)
    try:
        with errors_reported():
            yield Reading(config, store)
    finally:
        store.close()


class LazyGroup(click.Group):
    """A group whose commands are imported when one is run or listed, not all at start-up.

    ``newswatch check`` need not import (or, without bytecode, compile) the modules of
    ``history``, ``export``, ``serve`` and the rest: a tenth of the command modules it read
    before its first check. ``defer`` names each command's ``module:attribute``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deferred: dict[str, str] = {}

    def defer(self, commands: Mapping[str, str]) -> None:
        self._deferred.update(commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self._deferred})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = self._deferred.pop(cmd_name, None)
        if where is not None:
            module, _, attribute = where.partition(":")
            with long_lived():
                command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command), where
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", metavar="FILE", help=CONFIG_HELP)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and alerts.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    envvar="NEWSWATCH_LOG_FORMAT",
    help="json: one JSON object per log line (journald, Docker, Loki).",
)
@click.version_option(__version__, prog_name="newswatch")
@click.pass_context
def main(
    ctx: click.Context, config_path: str | None, verbose: int, quiet: bool, log_format: str
) -> None:
    """Watch news articles and catch every revision."""
    setup_logging(verbose, quiet, "json" if log_format == "json" else "text")
    ctx.obj = State(config_path)
