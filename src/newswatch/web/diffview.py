"""A change laid out for HTML: side-by-side rows and inline runs of highlighted words (pure).

The paragraph alignment and word diff are :mod:`newswatch.judge.diff`'s; this only arranges them
into rows a template can print without logic, and folds long stretches of unchanged
paragraphs into one collapsible block. Texts stay plain strings: escaping is the
template's job (Jinja2 autoescape).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from newswatch.judge.diff import diff_words
from newswatch.models import Change, ParagraphOp, WordOp
from newswatch.normalize import comparable

SpanKind = Literal["equal", "removed", "added"]


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    kind: SpanKind


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One paragraph op: ``old``/``new`` are the side-by-side cells (None where the
    paragraph does not exist), ``inline`` the merged runs for the inline view."""

    op: str
    old: list[Span] | None
    new: list[Span] | None
    inline: list[Span]
    stamp: bool = False  # the new paragraph is an update/correction stamp line
    moved_from: int | None = None  # a moved paragraph: its number (1-based) in the old version
    moved_to: int | None = None  # ... and in the new one


@dataclass(frozen=True, slots=True)
class DiffBlock:
    """Rows shown as they are, or (``folded``) a stretch of unchanged paragraphs."""

    rows: list[DiffRow]
    folded: bool = False


@dataclass(frozen=True, slots=True)
class DiffView:
    title: DiffRow | None
    blocks: list[DiffBlock]


def _row(op: ParagraphOp) -> DiffRow:
    if op.op == "modified":
        return _words_row("modified", op.words)
    if op.op == "moved":
        text = op.new or ""
        row = (
            _words_row("moved", op.words)
            if op.words
            else DiffRow("moved", [Span(op.old or text, "equal")], [Span(text, "equal")], [])
        )
        inline = row.inline or [Span(text, "equal")]
        old_at = op.old_index + 1 if op.old_index is not None else None
        new_at = op.new_index + 1 if op.new_index is not None else None
        return replace(row, inline=inline, moved_from=old_at, moved_to=new_at)
    if op.op == "added":
        span = Span(op.new or "", "added")
        return DiffRow("added", None, [span], [span])
    if op.op == "removed":
        span = Span(op.old or "", "removed")
        return DiffRow("removed", [span], None, [span])
    text = op.new or ""
    return DiffRow(
        "equal", [Span(op.old or text, "equal")], [Span(text, "equal")], [Span(text, "equal")]
    )


def _words_row(op: str, words: Sequence[WordOp]) -> DiffRow:
    old = [Span(w.text, w.op) for w in words if w.op != "added"]
    new = [Span(w.text, w.op) for w in words if w.op != "removed"]
    inline = [Span(w.text, w.op) for w in words]
    return DiffRow(op, old, new, inline)


def diff_view(change: Change, context: int = 2, stamp_lines: Collection[str] = ()) -> DiffView:
    """The change as rows: each changed paragraph with up to ``context`` unchanged ones
    around it shown, longer unchanged stretches folded. An added or modified paragraph
    whose text is one of ``stamp_lines`` (the new version's in-text stamps, such as
    "تحديث 18:17 تغ") is flagged, so the view can point at the stamp that moved."""
    stamps = {comparable(text) for text in stamp_lines}
    title = None
    if change.title_changed:
        title = _words_row("modified", diff_words(change.old_title, change.new_title))
    ops = change.ops
    changed = [i for i, op in enumerate(ops) if op.op != "equal"]
    shown = {j for i in changed for j in range(i - context, i + context + 1)}
    blocks: list[DiffBlock] = []
    for i, op in enumerate(ops):
        folded = op.op == "equal" and i not in shown
        row = _row(op)
        if op.op in ("added", "modified", "moved") and comparable(op.new or "") in stamps:
            row = replace(row, stamp=True)
        if blocks and blocks[-1].folded == folded:
            blocks[-1].rows.append(row)
        else:
            blocks.append(DiffBlock([row], folded))
    return DiffView(title, blocks)
