"""The README is tested against the program: every documented command line and option exists,
and the configuration it shows loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newswatch.cli import main
from newswatch.config import parse_config

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
