"""Reading and validating a config file: the public entry points.

Every problem (YAML, environment, validation) is collected before one
:class:`~newswatch.errors.ConfigError` lists them all, each with its line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from newswatch.config.environment import expand
from newswatch.config.problems import cross_checks, from_pydantic
from newswatch.config.root import Config
from newswatch.config.units import show
from newswatch.config.yaml_limits import LimitExceeded, check_limits
from newswatch.config.yaml_nodes import duplicate_keys, keys_as_text, render
from newswatch.errors import ConfigError

ENV_CONFIG = "NEWSWATCH_CONFIG"


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$NEWSWATCH_CONFIG`` if set, else ``./config.yaml``."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_CONFIG)
    return Path(value).expanduser() if value else Path("config.yaml")


def load_config(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> Config:
    """Read and validate a config file; raises :class:`ConfigError` listing every problem."""
    shown = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(shown, [f"{shown}: file not found"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(shown, [f"{shown}: not UTF-8 text ({exc.reason})"]) from None
    except OSError as exc:
        raise ConfigError(shown, [f"{shown}: cannot read: {exc.strerror or exc}"]) from None
    return parse_config(text, shown, environ=environ)


def _yaml_problem(shown: str, exc: yaml.YAMLError, text: str) -> str:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        line = text.count("\n", 0, max(0, exc.position)) + 1
        char = exc.character
        code = char if isinstance(char, int) else ord(char)
        return f"{shown}:{line}: invalid YAML: the character U+{code:04X} is not allowed"
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context and problem.startswith("but "):
        problem = f"{context}, {problem}"
    where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark is not None else shown
    return f"{where}: invalid YAML: {problem}"


def _compose(text: str, path: str, loader_class: Any) -> tuple[yaml.Node, Any, list[Any]]:
    """The document's node tree, its data and the duplicate-key problems, read by
    ``loader_class``; a YAML error becomes a :class:`ConfigError` only from the pure parser
    (libyaml words its errors differently; the pure parser's are the ones users see)."""
    pure = loader_class is yaml.SafeLoader
    try:
        loader = loader_class(text)
    except yaml.YAMLError as exc:  # the reader refuses a control character up front
        if not pure:
            raise
        raise ConfigError(path, [_yaml_problem(path, exc, text)]) from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError(path, [f"{path}: the file is empty; expected a 'sources' list"])
        problems = duplicate_keys(root)
        keys_as_text(root)
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        if not pure:
            raise
        raise ConfigError(path, [_yaml_problem(path, exc, text)]) from None
    finally:
        loader.dispose()
    return root, data, problems


def parse_config(
    text: str, path: str = "config.yaml", *, environ: Mapping[str, str] | None = None
) -> Config:
    """Validate config text; ``path`` names the file in messages and anchors ``database``."""
    try:
        check_limits(text)
    except LimitExceeded as exc:
        raise ConfigError(path, [f"{path}:{exc.line}: {exc.message}"]) from None
    try:
        # libyaml when PyYAML has it: ten times the pure parser's speed on 1,000 sources
        root, data, problems = _compose(text, path, getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        root, data, problems = _compose(text, path, yaml.SafeLoader)
    if not isinstance(data, dict):
        message = f"expected a mapping (database, sources, alerts, fetch), got {show(data)}"
        raise ConfigError(path, [f"{path}:{root.start_mark.line + 1}: {message}"])

    # top-level ``x-...`` keys hold YAML anchors for reuse (as in Compose files): not settings
    data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    data = expand(data, os.environ if environ is None else environ, (), problems)
    problems += cross_checks(data)
    config: Config | None = None
    try:
        config = Config.model_validate(data, context={"path": Path(path)})
    except ValidationError as exc:
        problems += [p for p in map(from_pydantic, exc.errors()) if p is not None]
    except (OverflowError, RecursionError) as exc:  # a value past what a check foresaw
        line = root.start_mark.line + 1
        raise ConfigError(path, [f"{path}:{line}: a value is out of range ({exc})"]) from None
    if problems or config is None:
        raise ConfigError(path, render(path, root, problems))
    return config
