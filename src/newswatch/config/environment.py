"""``${VAR}`` and ``${VAR:-default}`` in config values, so secrets stay out of the file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from newswatch.config.problems import Loc, Problem

_ENV = re.compile(r"\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand(data: Any, environ: Mapping[str, str], loc: Loc, problems: list[Problem]) -> Any:
    """Replace ``${VAR}``/``${VAR:-default}`` in every string value; ``$${`` is a literal."""
    if isinstance(data, dict):
        return {k: expand(v, environ, (*loc, k), problems) for k, v in data.items()}
    if isinstance(data, list):
        return [expand(v, environ, (*loc, i), problems) for i, v in enumerate(data)]
    if not isinstance(data, str) or "${" not in data:
        return data

    def substitute(match: re.Match[str]) -> str:
        escaped, var, default = match.groups()
        if escaped:
            return match.group(0)[1:]
        value = environ.get(var)
        if value:
            return value
        if default is not None:
            return default
        if value is None:
            problems.append(
                Problem(
                    loc, f"environment variable {var} is not set (or write ${{{var}:-default}})"
                )
            )
        return ""

    return _ENV.sub(substitute, data)
