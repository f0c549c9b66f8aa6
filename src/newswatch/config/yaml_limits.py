"""Limits a config file must keep before PyYAML builds anything from it.

PyYAML's composer recurses once per nesting level (a few thousand ``[`` end in a
RecursionError), and an alias costs nothing to write but is walked in full by everything
that reads the data (nine anchors of nine aliases each, the "billion laughs", are 10^9
nodes). So the file is first read as a stream of events, which PyYAML produces without
recursion, and refused at the first event past a limit, with its line:

- nesting deeper than :data:`MAX_DEPTH`;
- more than :data:`MAX_NODES` nodes once aliases are expanded (each alias counts the size
  of its anchor), or an alias inside its own anchor (a loop);
- a NUL character (written as an escape; a raw one is refused by PyYAML itself);
- an explicit tag other than the plain ones (``!!binary``, ``!!set``, ``!custom`` ...): a
  config holds text, numbers, booleans, lists and mappings, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

MAX_DEPTH = 50
"""Nesting levels (mappings and lists) a config may have; real ones use about six."""
MAX_NODES = 100_000
"""Values a config may hold with every alias expanded."""

PLAIN_TAGS = frozenset(
    {
        "!",
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:seq",
    }
)


class LimitExceeded(Exception):
    """The file passes a limit; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class _Open:
    """A collection being read: its anchor (if any) and the nodes counted in it so far."""

    anchor: str | None
    size: int = 1


def check_limits(text: str) -> None:
    """Raise :class:`LimitExceeded` at the first event of ``text`` past a limit.

    YAML errors (bad syntax) are left to the real load, which reports them the same way.
    libyaml reads the events when PyYAML has it; where libyaml stops with an error of its
    own (it refuses deep nesting, say, before any event), the pure parser reads them again,
    so the limit is still found and reported at its line.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            _check(text, fast)
            return
        except yaml.YAMLError:
            pass
    try:
        _check(text, yaml.SafeLoader)
    except yaml.YAMLError:
        return


def _check(text: str, loader: Any) -> None:
    stack: list[_Open] = []
    sizes: dict[str, int] = {}
    total = 0
    for event in yaml.parse(text, Loader=loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in PLAIN_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise LimitExceeded(line, f"the tag {shown} is not allowed in a config file")
        size = 0
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise LimitExceeded(line, f"nested more than {MAX_DEPTH} levels deep")
            stack.append(_Open(event.anchor))
            total += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            if done.anchor is not None:
                sizes[done.anchor] = done.size
            size = done.size
        elif isinstance(event, yaml.ScalarEvent):
            if "\x00" in event.value:
                raise LimitExceeded(line, "a NUL character is not allowed in a config file")
            size = 1
            total += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if any(open_.anchor == event.anchor for open_ in stack):
                raise LimitExceeded(line, f"the alias *{event.anchor} is inside its own anchor")
            size = sizes.get(event.anchor or "", 1)
            total += size
        if total > MAX_NODES:
            raise LimitExceeded(line, f"more than {MAX_NODES} values once aliases are expanded")
        if size and stack:
            stack[-1].size += size
