"""Readable word-level diffs for the terminal (``newswatch diff``).

Right-to-left text is the hard part. Terminals that implement the Unicode bidi algorithm
need the text in logical order, each paragraph in a directional isolate so that a leading
``- ``/``+ `` marker or a neighbouring line cannot flip its direction ("logical" mode).
Terminals that do not implement it show characters in memory order, so Arabic reads
backwards; for them "visual" mode wraps each paragraph to the width first and then reorders
every line for display (python-bidi), right-aligning right-to-left lines.

Highlights survive the reordering because each character keeps its style: a line is laid out
as (character, style) pairs and the styles are turned into ANSI codes only afterwards. The
bidi levels come from the pure-Python algorithm in ``bidi.algorithm``, which, unlike the Rust
``bidi.get_display`` of python-bidi 0.6, also mirrors brackets (rule L4), so ``[-…-]`` still
opens on the left of the removed words.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Literal

from bidi import algorithm as _bidi  # type: ignore[import-untyped]

from newswatch.models import Change, ParagraphOp
from newswatch.textdir import strong_direction, terminal_order

BidiMode = Literal["auto", "logical", "visual"]
Style = Literal["plain", "removed", "added", "gone", "new", "header", "faint"]

RLI, FSI, PDI = "\u2067", "\u2068", "\u2069"
_ANSI: dict[Style, str] = {
    "plain": "",
    "removed": "\x1b[31;9m",  # red, struck through
    "added": "\x1b[32m",
    "gone": "\x1b[31m",  # a whole removed paragraph: red, left readable
    "new": "\x1b[32m",
    "header": "\x1b[1m",
    "faint": "\x1b[2m",
}
_RESET = "\x1b[0m"
_MARKERS: dict[Style, tuple[str, str]] = {"removed": ("[-", "-]"), "added": ("{+", "+}")}
_PREFIX: dict[str, tuple[str, Style]] = {
    "removed": ("- ", "gone"),
    "added": ("+ ", "new"),
    "modified": ("~ ", "plain"),
    "moved": ("> ", "plain"),
    "equal": ("  ", "plain"),
}
_PREFIX_WIDTH = 2


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    style: Style


def render_change(
    change: Change,
    *,
    color: bool,
    context: int = 1,
    bidi: BidiMode = "auto",
    width: int | None = None,
) -> str:
    """The change as terminal text: summary, headline, stamp, then the paragraph ops.

    Each non-equal paragraph op is shown with up to ``context`` unchanged paragraphs around
    it; longer unchanged stretches become one "…" line. Removed paragraphs start with
    ``- ``, added with ``+ ``, moved with ``> `` (after a "moved: paragraph 3 → 1" line),
    modified with ``~ `` and word highlights (ANSI colours, or ``[-removed-]``/``{+added+}``
    markers when ``color`` is off). ``bidi="auto"`` asks
    :func:`newswatch.textdir.terminal_order` (``NEWSWATCH_BIDI``, then the terminal).
    ``width`` wraps paragraphs (visual mode always wraps, to the terminal's width when none
    is given).
    """
    mode = _resolve_mode(bidi)
    if mode == "visual" and width is None:
        width = shutil.get_terminal_size(fallback=(80, 24)).columns
    out = _Output(color=color, visual=mode == "visual", width=width)
    out.plain(f"{change.severity}: {change.summary()}", "header")
    if change.title_changed:
        out.plain("headline:", "header")
        out.paragraph("- ", "gone", [_Word(w, "gone") for w in change.old_title.split()])
        out.paragraph("+ ", "new", [_Word(w, "new") for w in change.new_title.split()])
    if change.new_updated_stamp is not None:
        stamp = change.new_updated_stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        out.plain(f"stamp: updated {stamp}", "plain")
    else:
        out.plain("stamp: none moved" + (" (silent edit)" if change.silent else ""), "plain")
    for item in _with_context(change.ops, context):
        if isinstance(item, int):
            out.plain(f"  … {item} unchanged paragraph(s)", "faint")
        else:
            if item.op == "moved" and item.old_index is not None and item.new_index is not None:
                where = f"paragraph {item.old_index + 1} \u2192 {item.new_index + 1}"
                out.plain(f"  moved: {where}", "faint")
            prefix, prefix_style = _PREFIX[item.op]
            out.paragraph(prefix, prefix_style, _words(item))
    if change.coarse:
        out.plain("  (coarse diff: too large to align in full; blocks shown whole)", "faint")
    return "\n".join(out.lines) + "\n"


def _resolve_mode(bidi: BidiMode) -> Literal["logical", "visual"]:
    if bidi == "auto":
        return terminal_order(os.environ, sys.stdout.isatty())[0]
    return bidi


def _with_context(ops: Sequence[ParagraphOp], context: int) -> Iterator[ParagraphOp | int]:
    """The ops to show, with each elided stretch of unchanged paragraphs as its length."""
    changed = [i for i, op in enumerate(ops) if op.op != "equal"]
    shown = {j for i in changed for j in range(i - context, i + context + 1)}
    hidden = 0
    for i, op in enumerate(ops):
        if op.op != "equal" or i in shown:
            if hidden:
                yield hidden
                hidden = 0
            yield op
        else:
            hidden += 1
    if hidden:
        yield hidden


def _words(op: ParagraphOp) -> list[_Word]:
    if op.op == "modified" or (op.op == "moved" and op.words):
        return [
            _Word(word, "plain" if w.op == "equal" else w.op)
            for w in op.words
            for word in w.text.split()
        ]
    if op.op == "removed":
        return [_Word(w, "gone") for w in (op.old or "").split()]
    if op.op == "added":
        return [_Word(w, "new") for w in (op.new or "").split()]
    return [_Word(w, "plain") for w in (op.new or "").split()]


# --------------------------------------------------------------------------- layout


def _cells(text: str) -> int:
    """Terminal columns: combining marks take none, East Asian wide characters two."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


class _Output:
    """Collects rendered lines; knows colour, bidi mode and width."""

    def __init__(self, *, color: bool, visual: bool, width: int | None) -> None:
        self.color = color
        self.visual = visual
        self.width = width
        self.lines: list[str] = []

    def plain(self, text: str, style: Style) -> None:
        self.lines.append(self._paint([(text, style)]))

    def paragraph(self, prefix: str, prefix_style: Style, words: Sequence[_Word]) -> None:
        """One paragraph, wrapped, each line laid out for the bidi mode."""
        direction = strong_direction(" ".join(word.text for word in words))
        base = 1 if direction == "rtl" else 0
        if direction == "mixed":
            base = int(_bidi.get_base_level(" ".join(word.text for word in words)))
        inner = None if self.width is None else max(self.width - _PREFIX_WIDTH, 10)
        for n, line in enumerate(_wrap(words, inner, self._spans)):
            head = (prefix, prefix_style) if n == 0 else (" " * _PREFIX_WIDTH, "plain")
            body = self._spans(line)
            if self.visual:
                text = self._visual(body, direction, base, inner)
            else:
                text = self._logical(body, direction)
            self.lines.append(self._paint([head]) + text)

    def _spans(self, words: Sequence[_Word]) -> list[tuple[str, Style]]:
        """Words grouped into runs of one style, with markers when colour is off."""
        spans: list[tuple[str, Style]] = []
        for i, word in enumerate(words):
            if i and words[i - 1].style == word.style:
                text, style = spans.pop()
                spans.append((f"{text} {word.text}", style))
            else:
                if i:
                    spans.append((" ", "plain"))
                spans.append((word.text, word.style))
        if self.color:
            return spans
        marked: list[tuple[str, Style]] = []
        for text, style in spans:
            if style in _MARKERS:
                opening, closing = _MARKERS[style]
                text = f"{opening}{text}{closing}"
            marked.append((text, style))
        return marked

    def _paint(self, spans: Sequence[tuple[str, Style]]) -> str:
        if not self.color:
            return "".join(text for text, _ in spans)
        return "".join(
            f"{_ANSI[style]}{text}{_RESET}" if _ANSI[style] else text for text, style in spans
        )

    def _logical(self, spans: Sequence[tuple[str, Style]], direction: str) -> str:
        text = self._paint(spans)
        if direction == "rtl":
            return f"{RLI}{text}{PDI}"
        if direction == "mixed":
            return f"{FSI}{text}{PDI}"
        return text

    def _visual(
        self, spans: Sequence[tuple[str, Style]], direction: str, base: int, width: int | None
    ) -> str:
        if direction in ("ltr", "none"):
            return self._paint(spans)
        chars = [(ch, style) for text, style in spans for ch in text]
        line = "".join(ch for ch, _ in chars)
        order = _visual_order(line, base)
        runs: list[tuple[str, Style]] = []
        for index, shown in order:
            style = chars[index][1]
            if runs and runs[-1][1] == style:
                runs[-1] = (runs[-1][0] + shown, style)
            else:
                runs.append((shown, style))
        pad = ""
        if base == 1 and width is not None:
            pad = " " * max(width - _cells(line), 0)
        return pad + self._paint(runs)


def _wrap(
    words: Sequence[_Word],
    width: int | None,
    measure: Callable[[Sequence[_Word]], list[tuple[str, Style]]],
) -> list[list[_Word]]:
    """Greedy word wrap measured on the rendered line (markers included); a word longer
    than the width gets a line of its own."""
    if width is None or not words:
        return [list(words)]
    lines: list[list[_Word]] = [[]]
    for word in words:
        candidate = [*lines[-1], word]
        used = _cells("".join(text for text, _ in measure(candidate)))
        if lines[-1] and used > width:
            lines.append([word])
        else:
            lines[-1] = candidate
    return lines


def _visual_order(line: str, base_level: int) -> list[tuple[int, str]]:
    """For each display position of ``line``: the logical index shown there and the
    character (mirrored where the bidi algorithm says so)."""
    storage: dict[str, Any] = _bidi.get_empty_storage()
    storage["base_level"] = base_level
    storage["base_dir"] = ("L", "R")[base_level]
    _bidi.get_embedding_levels(line, storage)
    for index, char in enumerate(storage["chars"]):
        char["index"] = index
    _bidi.explicit_embed_and_overrides(storage)
    _bidi.resolve_weak_types(storage)
    _bidi.resolve_neutral_types(storage, False)
    _bidi.resolve_implicit_levels(storage, False)
    _bidi.reorder_resolved_levels(storage, False)
    _bidi.apply_mirroring(storage, False)
    return [(char["index"], char["ch"]) for char in storage["chars"]]
