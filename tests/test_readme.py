"""The README is tested against the program both ways: every documented command line and
option exists and runs against a real local site and database, every command and option of
the program is documented, and the configuration it shows loads."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import click
import pytest
from click.testing import CliRunner

from newswatch.cli import main
from newswatch.config import parse_config
from tests.conftest import PageServer, fixture_page
from tests.history_db import build_alhurra

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
GLOBAL_WITH_VALUE = {"--config"}
GROUPS = {"alerts"}


def documented_lines() -> list[str]:
    lines = []
    for line in README.splitlines():
        # an indented command line, or a crontab line running one
        match = re.match(r"^ {4}(?:\*/\d+ \* \* \* \*\s+)?newswatch (.*)$", line)
        if match:
            lines.append(match.group(1).split("  #")[0].strip())
    # and the commands named inline in the prose
    lines += re.findall(r"`newswatch ([a-z][^`]*)`", README)
    return sorted(set(lines))


def command_and_flags(line: str) -> tuple[list[str], list[str]]:
    tokens = line.replace("[", " ").replace("]", " ").split()
    command: list[str] = []
    flags: list[str] = []
    skip = False
    for token in tokens:
        if skip:
            skip = False
            continue
        if token.startswith("-"):
            flag = token.split("=")[0]
            if not command:
                skip = flag in GLOBAL_WITH_VALUE
                continue
            flags.append(flag)
        elif not command or (command[0] in GROUPS and len(command) == 1):
            command.append(token)
    return command, flags


LINES = documented_lines()


def test_the_readme_documents_commands() -> None:
    assert len(LINES) >= 15


@pytest.mark.parametrize("line", LINES)
def test_documented_command_line_exists(line: str) -> None:
    command, flags = command_and_flags(line)
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, (line, result.output)
    for flag in flags:
        assert re.search(rf"(^|[\s,/]){re.escape(flag)}\b", result.output), (line, flag)


def test_the_readme_configuration_loads(tmp_path: Path) -> None:
    block = README.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = parse_config(
        block, str(tmp_path / "config.yaml"), environ={"NEWSWATCH_HOOK_TOKEN": "t"}
    )
    assert config.sources[0].name == "alhurra"


# ------------------------------------------------------------------ the reverse: all documented


def subcommand(group: click.Group, name: str) -> click.Command:
    """``group``'s command ``name``, imported if the group defers it (as ``main`` does)."""
    command = group.get_command(click.Context(group), name)
    assert command is not None, name
    return command


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name in group.list_commands(click.Context(group)):
        command = subcommand(group, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def command_of(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = subcommand(command, name)
    return command


ALL_COMMANDS = sorted(commands(main))


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=[" ".join(p) for p in ALL_COMMANDS])
def test_every_command_and_option_is_documented(path: tuple[str, ...]) -> None:
    spelled = "newswatch " + " ".join(path)
    lines = [line for line in LINES if command_and_flags(line)[0] == list(path)]
    assert lines or f"`{spelled}" in README, f"README never shows `{spelled}`"
    shown = " ".join(lines)
    for param in command_of(path).params:
        if not isinstance(param, click.Option) or param.name in ("help",):
            continue
        names = [*param.opts, *param.secondary_opts]
        assert any(
            re.search(rf"(^|[\s\[]){re.escape(n)}\b", shown) or f"`{n}" in README for n in names
        ), f"{spelled}: {names} is not in the README"


def test_check_help_says_it_takes_urls_and_workers_count_checks() -> None:
    check = CliRunner().invoke(main, ["check", "--help"]).output
    assert "[URL]..." in check and "URL is a watched article's address" in check
    run = CliRunner().invoke(main, ["run", "--help"]).output
    assert "Sources checked" not in run and re.search(r"--workers.*\n?.*(Checks|Articles)", run)


# ------------------------------------------------------------------ the README, run for real


def expand(line: str) -> list[str]:
    """A documented command line as runnable lines: brackets opened, each alternative of
    ``a|b`` one line, the ``[filters]`` placeholder dropped."""
    tokens = line.replace("[", " ").replace("]", " ").split()
    variants: list[list[str]] = [[]]
    for token in tokens:
        if token == "filters":
            continue
        options = token.split("|") if "|" in token and not token.startswith("'") else [token]
        variants = [[*v, option] for v in variants for option in options]
    return [" ".join(v) for v in variants]


def placeholders(line: str, values: dict[str, str]) -> list[str]:
    """The line's words with its placeholders filled in. A PostgreSQL URL (no server here)
    becomes a SQLite file, which ``migrate --to`` takes as well."""
    words = [values.get(token, token) for token in shlex.split(line)]
    target = values.get("postgresql://")
    return [target if target and w.startswith("postgresql://") else w for w in words]


LONG_RUNNING = {"run", "serve", "demo"}


def test_the_readme_command_lines_run_against_a_real_site_and_database(
    tmp_path: Path, site: PageServer
) -> None:
    config = build_alhurra(tmp_path, site)  # three versions of the article, via check
    export_file = tmp_path / "out.jsonl"
    values = {
        "URL": site.url,
        "FILE_OR_URL": str(fixture_page("v2.html")),
        "TZ": "Asia/Riyadh",
        "N": "1",
        "M": "2",
        "FILE": str(config),
        "RULE": "log",
        "SOURCE": "alhurra",
        "TEXT": "\u2026 views",
        "/etc/newswatch/config.yaml": str(config),
        "postgresql://": str(tmp_path / "copy.db"),
    }
    ran = 0
    for documented in LINES:
        for line in expand(documented):
            command, _ = command_and_flags(line)
            if command == ["migrate"]:
                args = placeholders(line, {**values, "URL": str(tmp_path / "copy.db")})
            else:
                args = placeholders(line, values)
            if "-o" in args:
                args[args.index("-o") + 1] = str(export_file)
            if command[0] in LONG_RUNNING and "--once" not in args:
                continue  # run until stopped: the next test starts them
            takes_config = any(p.name == "config" for p in command_of(tuple(command)).params)
            if "--config" not in args and takes_config:
                args += ["--config", str(config)]
            result = CliRunner().invoke(main, args)
            assert result.exit_code == 0, (line, result.output)
            assert result.output.strip() or export_file.exists(), line
            ran += 1
    assert ran >= 25
    cfg = str(config)
    history = CliRunner().invoke(main, ["history", site.url, "--config", cfg])
    assert "v1\u2192v2" in history.output and "v2\u2192v3" in history.output
    silent = CliRunner().invoke(
        main,
        ["history", "--source", "alhurra", "--kind", "silent", "--since", "7d", "--config", cfg],
    )
    assert silent.output.count("\u2192") == 1 and "silent edit" in silent.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def first_line_with(stream: IO[str], needle: str, deadline: float) -> str:
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        if needle in line:
            return line
    raise AssertionError(f"no line with {needle!r}")


def test_the_readme_long_running_commands_start_and_stop_cleanly(
    tmp_path: Path, site: PageServer
) -> None:
    """``run`` and ``serve`` as documented, each in a real process, stopped with SIGTERM."""
    config = build_alhurra(tmp_path, site)
    lines = [line for line in LINES if command_and_flags(line)[0][0] in ("run", "serve")]
    lines = [line for line in lines if "--once" not in line]
    assert len(lines) >= 4
    for documented in lines:
        line = expand(documented)[0]
        token_file = tmp_path / "token"
        token_file.write_text("readme-token-123\n", encoding="utf-8")
        args = placeholders(line, {"T": "readme-token-123", "FILE": str(token_file)})
        if "--metrics" in args:
            args[args.index("--metrics") + 1] = f"127.0.0.1:{free_port()}"
        if "--port" in args or args[0] == "serve":
            args = [a for a in args if a not in ("--port", "8080")] + ["--port", "0"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "newswatch", *args, "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert proc.stderr is not None
            needle = "read-only on" if args[0] == "serve" else "running"
            first_line_with(proc.stderr, needle, time.monotonic() + 60)
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, line
