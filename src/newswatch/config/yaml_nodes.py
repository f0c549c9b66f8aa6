"""The YAML node tree: problems mapped back to lines, and what PyYAML would hide.

PyYAML's nodes keep line numbers that the constructed data loses; every message points at
its line by walking a problem's loc path down this tree.
"""

from __future__ import annotations

import yaml

from newswatch.config.problems import Loc, Problem


def _field_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _child(node: yaml.Node, part: int | str) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node or item node, value node) for one step of a loc path, if the YAML has it."""
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return node.value[part], node.value[part]
    elif isinstance(node, yaml.MappingNode):
        for key, value in reversed(node.value):  # the last one wins, as in construction
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
    return None


def _tag_of(node: yaml.Node) -> str | None:
    found = _child(node, "kind")
    return found[1].value if found and isinstance(found[1], yaml.ScalarNode) else None


def _locate(root: yaml.Node, loc: Loc, at_key: bool) -> tuple[Loc, int]:
    """Walk ``loc`` down the node tree: the user-facing loc and the 1-based line.

    Where the YAML stops (a missing field), the line is that of the enclosing mapping.
    """
    node, key_node, shown, stopped = root, root, [], False
    for part in loc:
        if stopped:
            shown.append(part)
            continue
        found = _child(node, part)
        if found is None and isinstance(part, str) and _tag_of(node) == part:
            continue  # pydantic's discriminated-union tag: not a key in the YAML
        shown.append(part)
        if found is None:
            stopped = True
        else:
            key_node, node = found
    line = (key_node if at_key and not stopped else node).start_mark.line + 1
    return tuple(shown), line


def duplicate_keys(node: yaml.Node, loc: Loc = (), seen: set[int] | None = None) -> list[Problem]:
    """PyYAML keeps the last of two equal keys silently; report the later ones."""
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias to an anchor already walked
        return []
    seen.add(id(node))
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                continue
            line = key.start_mark.line + 1
            if key.value in first:
                problems.append(
                    Problem(
                        (*loc, key.value),
                        f"duplicate key (first on line {first[key.value]})",
                        line=line,
                    )
                )
            else:
                first[key.value] = line
            problems += duplicate_keys(value, (*loc, key.value), seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += duplicate_keys(item, (*loc, i), seen)
    return problems


_BOOL_TAG = "tag:yaml.org,2002:bool"


def keys_as_text(node: yaml.Node, seen: set[int] | None = None) -> None:
    """Keep every mapping key as written: YAML 1.1 reads the key ``on`` (of an alert rule's
    ``on: [title_changed]``) as the boolean true, and no key of this file is a boolean."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag == _BOOL_TAG:
                key.tag = "tag:yaml.org,2002:str"
            keys_as_text(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            keys_as_text(item, seen)


def render(shown: str, root: yaml.Node, problems: list[Problem]) -> list[str]:
    """One line per problem, ordered by line, without repeats."""
    rendered: list[tuple[int, str]] = []
    for problem in problems:
        loc, line = problem.loc, problem.line
        if line is None:
            loc, line = _locate(root, problem.loc, problem.at_key)
        message = problem.message
        if problem.first is not None:
            message += f" (first used on line {_locate(root, problem.first, False)[1]})"
        where = f"{shown}:{line}"
        field = _field_path(loc)
        rendered.append((line, f"{where}: {field}: {message}" if field else f"{where}: {message}"))
    out: list[str] = []
    for _line, message in sorted(rendered, key=lambda item: item[0]):
        if message not in out:
            out.append(message)
    return out
