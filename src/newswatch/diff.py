"""Compare two versions of an article and classify the change (pure: no I/O, no clock).

Two texts are "the same" when their :func:`newswatch.normalize.comparable` keys are equal, so
white space, invisible controls, tatweel and harakat never make a change; but every op and
word list reports the original text, as the reader saw it.

Paragraphs are aligned with :class:`difflib.SequenceMatcher` over their comparable keys.
Inside each ``replace`` block, old and new paragraphs that share most of their words are
paired as ``modified`` (an order-preserving, best-total-similarity pairing: a small dynamic
programme over the block); the others are ``removed``/``added``. A paragraph that moved is
reported as removed at its old place and added at its new one (the models have no "moved"
op; the word lists stay honest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Protocol

from newswatch.models import Change, ParagraphOp, Severity, Stamp, Where, WordOp
from newswatch.normalize import comparable

#: word-level similarity from which two paragraphs of a replace block are "the same paragraph,
#: edited" rather than one removed and another added
PAIR_THRESHOLD = 0.5
#: changed words (over all modified paragraphs) above which an edit is major
MAJOR_WORDS = 8
#: share of a paragraph's words that, once changed, makes the edit major
MAJOR_SHARE = 1 / 3
#: replace blocks larger than this (old x new paragraphs) are not paired, to bound the work
_MAX_PAIRING_CELLS = 40_000


class Snapshot(Protocol):
    """What the diff needs of a version: ``models.Article`` and ``StoredVersion`` both fit."""

    @property
    def title(self) -> str: ...

    @property
    def paragraphs(self) -> list[str]: ...

    @property
    def updated(self) -> datetime | None: ...

    @property
    def stamps(self) -> list[Stamp]: ...


@dataclass(frozen=True, slots=True)
class _Tokens:
    """A paragraph's words: the originals (reported) and their comparable keys (compared)."""

    words: tuple[str, ...]
    keys: tuple[str, ...]


def _tokens(text: str) -> _Tokens:
    """Whitespace-separated words, punctuation attached; words with an empty key (a lone
    tatweel or invisible character) are dropped, as the paragraph's own key drops them."""
    pairs = [(word, comparable(word)) for word in text.split()]
    kept = [(word, key) for word, key in pairs if key]
    return _Tokens(tuple(w for w, _ in kept), tuple(k for _, k in kept))


def _similarities(old: Sequence[_Tokens], new: Sequence[_Tokens]) -> list[list[float]]:
    """Word-level similarity of every old/new pair (0.0 below the pairing threshold).

    One matcher per new paragraph, so difflib's index of it is built once; the cheap upper
    bounds skip the full ratio for pairs that cannot reach the threshold.
    """
    sim = [[0.0] * len(new) for _ in old]
    matcher: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
    for j, b in enumerate(new):
        matcher.set_seq2(b.keys)
        for i, a in enumerate(old):
            matcher.set_seq1(a.keys)
            if matcher.real_quick_ratio() < PAIR_THRESHOLD:
                continue
            if matcher.quick_ratio() < PAIR_THRESHOLD:
                continue
            sim[i][j] = matcher.ratio()
    return sim


def diff_words(old: str, new: str) -> list[WordOp]:
    """Word-level diff of two paragraphs, as runs of equal/removed/added words.

    Each run's text is its original words joined by one space; ``equal`` runs show the new
    version's words (they differ from the old ones at most by invisible noise).
    """
    return _word_ops(_tokens(old), _tokens(new))


def _word_ops(old: _Tokens, new: _Tokens) -> list[WordOp]:
    ops: list[WordOp] = []
    matcher = SequenceMatcher(None, old.keys, new.keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(WordOp("equal", " ".join(new.words[j1:j2])))
            continue
        if i2 > i1:
            ops.append(WordOp("removed", " ".join(old.words[i1:i2])))
        if j2 > j1:
            ops.append(WordOp("added", " ".join(new.words[j1:j2])))
    return ops


def _pair_block(old: Sequence[_Tokens], new: Sequence[_Tokens]) -> list[tuple[int, int]]:
    """Order-preserving pairs (i, j) of similar paragraphs maximising total similarity."""
    m, n = len(old), len(new)
    if m == 0 or n == 0 or m * n > _MAX_PAIRING_CELLS:
        return []
    sim = _similarities(old, new)
    # best[i][j]: best total over old[i:], new[j:]
    best = [[0.0] * (n + 1) for _ in range(m + 1)]
    for i in range(m - 1, -1, -1):
        for j in range(n - 1, -1, -1):
            score = max(best[i + 1][j], best[i][j + 1])
            if sim[i][j] >= PAIR_THRESHOLD:
                score = max(score, sim[i][j] + best[i + 1][j + 1])
            best[i][j] = score
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < m and j < n:
        if sim[i][j] >= PAIR_THRESHOLD and best[i][j] == sim[i][j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def align_paragraphs(old: Sequence[str], new: Sequence[str]) -> list[ParagraphOp]:
    """Align two paragraph lists: equal, removed, added and modified (with word diff) ops.

    Indices point into the given sequences; paragraphs whose comparable key is empty (white
    space or invisible characters only) take no part, as in the content hash.
    """
    old_idx = [i for i, p in enumerate(old) if comparable(p)]
    new_idx = [j for j, p in enumerate(new) if comparable(p)]
    old_keys = [comparable(old[i]) for i in old_idx]
    new_keys = [comparable(new[j]) for j in new_idx]
    ops: list[ParagraphOp] = []

    def removed(a: int) -> ParagraphOp:
        return ParagraphOp("removed", old_idx[a], None, old[old_idx[a]], None)

    def added(b: int) -> ParagraphOp:
        return ParagraphOp("added", None, new_idx[b], None, new[new_idx[b]])

    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(range(i1, i2), range(j1, j2), strict=True):
                oi, nj = old_idx[a], new_idx[b]
                ops.append(ParagraphOp("equal", oi, nj, old[oi], new[nj]))
        elif tag == "delete":
            ops.extend(removed(a) for a in range(i1, i2))
        elif tag == "insert":
            ops.extend(added(b) for b in range(j1, j2))
        else:
            old_tok = [_tokens(old[old_idx[a]]) for a in range(i1, i2)]
            new_tok = [_tokens(new[new_idx[b]]) for b in range(j1, j2)]
            a, b = i1, j1
            for pa, pb in [*_pair_block(old_tok, new_tok), (i2 - i1, j2 - j1)]:
                ops.extend(removed(x) for x in range(a, i1 + pa))
                ops.extend(added(y) for y in range(b, j1 + pb))
                if pa < i2 - i1:
                    oi, nj = old_idx[i1 + pa], new_idx[j1 + pb]
                    words = _word_ops(old_tok[pa], new_tok[pb])
                    ops.append(ParagraphOp("modified", oi, nj, old[oi], new[nj], words))
                a, b = i1 + pa + 1, j1 + pb + 1
    return ops


def _where(ops: Sequence[ParagraphOp]) -> Where | None:
    """Where the added paragraphs sit among the kept (equal or modified) ones.

    None when nothing was added; "throughout" also when nothing was kept (a new body).
    """
    added = [op.new_index for op in ops if op.op == "added" and op.new_index is not None]
    kept = [
        op.new_index for op in ops if op.op in ("equal", "modified") and op.new_index is not None
    ]
    if not added:
        return None
    if not kept:
        return "throughout"
    first, last = min(kept), max(kept)
    if all(j < first for j in added):
        return "top"
    if all(j > last for j in added):
        return "bottom"
    if all(first < j < last for j in added):
        return "middle"
    return "throughout"


def _moved_stamp(old: Snapshot, new: Snapshot) -> datetime | None:
    """The new update time when a stamp moved, else None.

    The page's ``updated`` moving counts first; otherwise an in-text updated/correction
    stamp that the old version did not carry (same kind and time) counts, latest first.
    """
    if new.updated is not None and new.updated != old.updated:
        return new.updated
    seen = {(s.kind, s.at) for s in old.stamps}
    fresh = [
        s.at
        for s in new.stamps
        if s.source == "text"
        and s.kind in ("updated", "correction")
        and s.at is not None
        and (s.kind, s.at) not in seen
    ]
    return max(fresh) if fresh else None


def _new_correction(old: Snapshot, new: Snapshot) -> str | None:
    """The text of a correction notice the new version carries and the old did not.

    A correction appended to an article acknowledges the edit even when it carries no time,
    so it is not a silent edit.
    """
    seen = {comparable(s.text) for s in old.stamps if s.kind == "correction"}
    for stamp in new.stamps:
        if stamp.kind == "correction" and comparable(stamp.text) not in seen:
            return stamp.text
    return None


def _severity(title_changed: bool, ops: Sequence[ParagraphOp]) -> Severity:
    """Major: the title changed, a paragraph was added or removed, more than
    :data:`MAJOR_WORDS` words changed over all modified paragraphs, or more than
    :data:`MAJOR_SHARE` of one paragraph's words changed. Minor otherwise (a word or a few
    fixed). A changed word is one replaced, added or removed word: per paragraph, the larger
    of its removed and added word counts."""
    if title_changed or any(op.op in ("added", "removed") for op in ops):
        return "major"
    total = 0
    for op in ops:
        if op.op != "modified":
            continue
        added = sum(len(w.text.split()) for w in op.words if w.op == "added")
        removed = sum(len(w.text.split()) for w in op.words if w.op == "removed")
        changed = max(added, removed)
        size = max(len((op.old or "").split()), len((op.new or "").split()), 1)
        if changed > size * MAJOR_SHARE:
            return "major"
        total += changed
    return "major" if total > MAJOR_WORDS else "minor"


def compare(old: Snapshot, new: Snapshot) -> Change | None:
    """How ``new`` differs from ``old``, or None when title and body are the same.

    "The same" is equality under :func:`comparable`, paragraph by paragraph (blank ones
    ignored). A stamp that moved while the text stayed the same is *not* a change: it makes
    no new version, so this returns None for it too.

    ``new_updated_stamp`` is set when a stamp moved (see :func:`_moved_stamp`), ``correction``
    when a correction notice appeared; ``silent`` when the text changed and neither did;
    ``severity`` follows :func:`_severity`.
    """
    title_changed = comparable(old.title) != comparable(new.title)
    old_keys = [k for k in map(comparable, old.paragraphs) if k]
    new_keys = [k for k in map(comparable, new.paragraphs) if k]
    if not title_changed and old_keys == new_keys:
        return None
    ops = align_paragraphs(old.paragraphs, new.paragraphs)
    words_added: list[str] = []
    words_removed: list[str] = []
    for op in ops:
        for w in op.words:
            if w.op == "added":
                words_added.extend(w.text.split())
            elif w.op == "removed":
                words_removed.extend(w.text.split())
    stamp = _moved_stamp(old, new)
    correction = _new_correction(old, new)
    return Change(
        title_changed=title_changed,
        old_title=old.title,
        new_title=new.title,
        paragraphs_added=sum(op.op == "added" for op in ops),
        paragraphs_removed=sum(op.op == "removed" for op in ops),
        paragraphs_modified=sum(op.op == "modified" for op in ops),
        new_updated_stamp=stamp,
        silent=stamp is None and correction is None,
        severity=_severity(title_changed, ops),
        where=_where(ops),
        words_added=words_added,
        words_removed=words_removed,
        ops=ops,
        correction=correction,
    )
