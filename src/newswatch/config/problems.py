"""Problems found in a config file, and pydantic's errors rewritten in plain words.

A problem carries a loc path (``sources[2].interval``) rather than a line: the line is found
later by walking the path down the YAML node tree (:mod:`newswatch.config.yaml_nodes`).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel

from newswatch.config.alerts import ALERT_MODELS
from newswatch.config.root import Config, duplicate_names
from newswatch.config.units import show

Loc = tuple[int | str, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem before rendering: where (a loc path, or a line) and what."""

    loc: Loc
    message: str
    at_key: bool = False  # point at the key's line (unknown/duplicate keys), not the value's
    line: int | None = None
    first: Loc | None = None  # for duplicates: where the name was first used


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return members[0] if len(members) == 1 else tuple(members)
    return tp


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (for unknown-key hints)."""
    tp: Any = Config
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, tuple):  # a discriminated union: ``part`` is the tag
            tp = next((m for m in tp if m.model_fields["kind"].default == part), None)
            continue
        if isinstance(part, int) and typing.get_origin(tp) in (list, tuple):
            tp = typing.get_args(tp)[0]
        elif isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
            tp = tp.model_fields[str(part)].annotation
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unknown_key(loc: Loc) -> str:
    model = _model_at(loc[:-1])
    allowed = list(model.model_fields) if model else []
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return f"unknown key; expected one of {', '.join(allowed)}" if allowed else "unknown key"


_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def from_pydantic(err: Mapping[str, Any]) -> Problem | None:
    """Rewrite one pydantic error in plain words, with the loc the user would recognise."""
    kind, loc, ctx = err["type"], tuple(err["loc"]), err.get("ctx") or {}
    got = show(err.get("input"))
    if kind == "missing":
        return Problem(loc, "required field missing")
    if kind == "extra_forbidden":
        return Problem(loc, _unknown_key(loc), at_key=True)
    if kind in _TYPE_WORDS:
        return Problem(loc, f"expected {_TYPE_WORDS[kind]}, got {got}")
    if kind == "literal_error":
        options = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return Problem(loc, f"expected one of {options}, got {got}")
    if kind == "union_tag_invalid":
        options = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected_tags", ""))))
        return Problem((*loc, "kind"), f"expected one of {options}, got {show(ctx['tag'])}")
    if kind == "union_tag_not_found":
        options = ", ".join(str(m.model_fields["kind"].default) for m in ALERT_MODELS)
        return Problem((*loc, "kind"), f"required field missing (one of {options})")
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        relation = "greater than" if kind == "greater_than" else "at least"
        return Problem(loc, f"expected a number {relation} {bound}, got {got}")
    if kind == "too_short" and err.get("input"):
        return None  # some items were invalid: each is reported on its own
    if kind == "too_short" and loc == ("sources",):
        return Problem(loc, f"expected at least one source, got {got}")
    if kind == "too_short":
        return Problem(loc, f"expected at least {ctx.get('min_length', 1)} entry, got {got}")
    if kind == "schedule_conflict":
        loc = ("sources", ctx["index"], "interval")
        if ctx.get("where") == "source":
            loc = ("sources", ctx["index"], "schedule", "max_interval")
        return Problem(loc, str(err["msg"]))
    if kind == "duplicate_name":
        field = ctx["field"]
        return Problem(
            (field, ctx["index"], "name"),
            f"duplicate name {ctx['name']!r}",
            first=(field, ctx["first"], "name"),
        )
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return Problem(loc, str(ctx["error"]))
    return Problem(loc, str(err["msg"]))


def cross_checks(data: dict[str, Any]) -> list[Problem]:
    """Duplicate names, found on the raw data so they are reported with every other problem.

    The models check the same on their own (for configs built in code), but only once the
    rest of the list is valid.
    """
    problems: list[Problem] = []
    for field in ("sources", "alerts"):
        items = data.get(field)
        if isinstance(items, list):
            names = [item.get("name") if isinstance(item, dict) else None for item in items]
            for i, first in duplicate_names(names):
                problems.append(
                    Problem(
                        (field, i, "name"),
                        f"duplicate name {names[i]!r}",
                        first=(field, first, "name"),
                    )
                )
    return problems
