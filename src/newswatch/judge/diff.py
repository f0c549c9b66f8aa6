"""Compare two versions of an article and classify the change (pure: no I/O, no clock).

Two texts are "the same" when their :func:`newswatch.normalize.comparable` keys are equal, so
white space, invisible controls, tatweel and harakat never make a change; but every op and
word list reports the original text, as the reader saw it.

Paragraphs are aligned with :class:`difflib.SequenceMatcher` over their comparable keys,
after the common head and tail are set aside. Inside each ``replace`` block, old and new
paragraphs that share most of their words are paired as ``modified`` (an order-preserving,
best-total-similarity pairing: a small dynamic programme over the block); the others are
``removed``/``added``. A paragraph removed at one place and added (the same, or nearly) at
another is a ``moved`` op, with where from and where to.

The work is bounded: every matcher is charged the key comparisons it may make against one
:class:`Budget` per comparison (:data:`ALIGN_BUDGET` cells). Past it the diff degrades to a
coarser one (paragraphs anchored on the ones unique to both sides, a word run replaced
whole) and says so (``Change.coarse``), so a pathological page pair (20,000 identical
paragraphs, one 40 KB paragraph of the same word repeated) finishes fast instead of
running for minutes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from difflib import SequenceMatcher
from typing import Protocol

from newswatch.judge.corrections import new_note
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
#: key comparisons (matcher cells) one comparison of two versions may spend; past it the
#: rest of the diff is coarse (see the module docstring)
ALIGN_BUDGET = 3_000_000
#: word-level similarity from which a removed and an added paragraph are one paragraph moved
MOVE_THRESHOLD = 0.8
#: removed x added paragraphs compared for near-identical moves (exact moves are always found)
_MAX_MOVE_CELLS = 2_500

Opcode = tuple[str, int, int, int, int]


class Budget:
    """The matcher cells left for one comparison; ``coarse`` once something was refused."""

    def __init__(self, cells: int = ALIGN_BUDGET) -> None:
        self.left = cells
        self.coarse = False

    def afford(self, cells: int) -> bool:
        """Spend ``cells`` if that many are left (the caller then tries something cheaper,
        and sets ``coarse`` if what it settles for is not exact)."""
        if cells <= self.left:
            self.left -= cells
            return True
        return False


def _match_cells(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """What difflib's matcher may compare over ``a`` and ``b``: every pair of equal
    elements (its inner loop), plus one per element. Repeated elements make it quadratic."""
    counts = Counter(b)
    return len(a) + len(b) + sum(counts[x] for x in a)


def _anchored(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """A coarse alignment in O(n log n): elements unique to both sides, kept in order (the
    longest increasing run of their positions, as patience diff does), are ``equal``;
    everything between two anchors is one ``replace`` (or ``delete``/``insert``) block."""
    count_a, count_b = Counter(a), Counter(b)
    where_b = {x: j for j, x in enumerate(b) if count_b[x] == 1}
    pairs = [(i, where_b[x]) for i, x in enumerate(a) if count_a[x] == 1 and x in where_b]
    # longest increasing subsequence of the b positions (pairs are ordered by a position)
    tails: list[int] = []
    tail_at: list[int] = []
    back = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos] = j
            tail_at[pos] = k
        back[k] = tail_at[pos - 1] if pos else -1
    chain: list[tuple[int, int]] = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        chain.append(pairs[k])
        k = back[k]
    chain.reverse()
    ops: list[Opcode] = []
    i = j = 0
    for ai, bj in [*chain, (len(a), len(b))]:
        if ai > i and bj > j:
            ops.append(("replace", i, ai, j, bj))
        elif ai > i:
            ops.append(("delete", i, ai, j, j))
        elif bj > j:
            ops.append(("insert", i, i, j, bj))
        if ai < len(a):
            ops.append(("equal", ai, ai + 1, bj, bj + 1))
        i, j = ai + 1, bj + 1
    return ops


def _myers(a: Sequence[Hashable], b: Sequence[Hashable], max_d: int) -> list[Opcode] | None:
    """The shortest edit script of ``a`` -> ``b`` (Myers' O((N+M)D) greedy algorithm) as
    opcodes, or None when it needs more than ``max_d`` edits.

    Fast however repetitive the elements are, as long as few of them changed: the case
    that makes difflib quadratic (thousands of identical paragraphs or words).
    """
    n, m = len(a), len(b)
    off = max_d + 1
    v = [0] * (2 * max_d + 3)
    trace: list[list[int]] = []
    for d in range(max_d + 1):
        trace.append(v.copy())
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[off + k - 1] < v[off + k + 1]):
                x = v[off + k + 1]
            else:
                x = v[off + k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            v[off + k] = x
            if x >= n and y >= m:
                return _script_opcodes(_slide(_backtrack(trace, n, m, off), a, b))
    return None


def _backtrack(trace: list[list[int]], n: int, m: int, off: int) -> list[tuple[str, int, int]]:
    """The edit path found by :func:`_myers`, first step first: ``(tag, x, y)`` with tag
    equal (a[x] == b[y]), delete (a[x]) or insert (b[y])."""
    steps: list[tuple[str, int, int]] = []
    x, y = n, m
    for d in range(len(trace) - 1, -1, -1):
        v = trace[d]
        k = x - y
        down = k == -d or (k != d and v[off + k - 1] < v[off + k + 1])
        prev_k = k + 1 if down else k - 1
        prev_x = v[off + prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x, y = x - 1, y - 1
            steps.append(("equal", x, y))
        if d > 0:
            if x == prev_x:
                steps.append(("insert", x, prev_y))
            else:
                steps.append(("delete", prev_x, y))
        x, y = prev_x, prev_y
    steps.reverse()
    return steps


def _slide(
    steps: list[tuple[str, int, int]], a: Sequence[Hashable], b: Sequence[Hashable]
) -> list[tuple[str, int, int]]:
    """Slide each deletion or insertion left across equal steps of the same element.

    Among identical elements the shortest script may delete "one of them" anywhere; moved
    next to the edit before it, a removed copy and an added edited one form one replace
    block, so the edit reads as one paragraph modified, not as a paragraph moved.
    """
    out: list[tuple[str, int, int]] = []
    for tag, x, y in steps:
        out.append((tag, x, y))
        k = len(out) - 1
        if tag == "delete":
            while k > 0 and out[k - 1][0] == "equal" and a[out[k - 1][1]] == a[x]:
                ex, ey = out[k - 1][1], out[k - 1][2]
                out[k - 1], out[k] = ("delete", ex, ey), ("equal", ex + 1, ey)
                k -= 1
        elif tag == "insert":
            while k > 0 and out[k - 1][0] == "equal" and b[out[k - 1][2]] == b[y]:
                ex, ey = out[k - 1][1], out[k - 1][2]
                out[k - 1], out[k] = ("insert", ex, ey), ("equal", ex, ey + 1)
                k -= 1
    return out


def _script_opcodes(steps: list[tuple[str, int, int]]) -> list[Opcode]:
    """Element steps grouped into difflib-style opcodes (deletes and inserts between two
    equal runs form one ``replace`` block, so edited paragraphs can still be paired)."""
    ops: list[Opcode] = []
    i = j = 0
    pending_a, pending_b = i, j
    for tag, x, y in [*steps, ("end", -1, -1)]:
        if tag in ("equal", "end"):
            if i > pending_a and j > pending_b:
                ops.append(("replace", pending_a, i, pending_b, j))
            elif i > pending_a:
                ops.append(("delete", pending_a, i, pending_b, j))
            elif j > pending_b:
                ops.append(("insert", pending_a, i, pending_b, j))
            if tag == "end":
                break
            if ops and ops[-1][0] == "equal" and ops[-1][2] == x and ops[-1][4] == y:
                last = ops[-1]
                ops[-1] = ("equal", last[1], x + 1, last[3], y + 1)
            else:
                ops.append(("equal", x, x + 1, y, y + 1))
            i, j = x + 1, y + 1
            pending_a, pending_b = i, j
        elif tag == "delete":
            i = x + 1
        else:
            j = y + 1
    return ops


def _middle(a: Sequence[Hashable], b: Sequence[Hashable], budget: Budget) -> list[Opcode] | None:
    """Exact opcodes for ``a`` -> ``b`` (both non-empty) if the budget affords them: difflib
    (its longest-match alignment reads best) when cheap enough, else Myers' shortest edit
    script with as many edits as the rest of the budget pays for. None past the budget."""
    if budget.afford(_match_cells(a, b)):
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        return list(matcher.get_opcodes())
    width = len(a) + len(b) + 1
    max_d = min(len(a) + len(b), budget.left // width - 1)
    if max_d >= 1:
        ops = _myers(a, b, max_d)
        if ops is not None:
            edits = sum(i2 - i1 + j2 - j1 for tag, i1, i2, j1, j2 in ops if tag != "equal")
            budget.afford(min(budget.left, width * (edits + 1)))
            return ops
        budget.afford(budget.left)
    budget.coarse = True
    return None


def _trim(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[int, int]:
    """The lengths of the common head and tail (not overlapping)."""
    n = min(len(a), len(b))
    head = 0
    while head < n and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    return head, tail


def _opcodes(
    a: Sequence[Hashable], b: Sequence[Hashable], budget: Budget, *, anchor: bool = True
) -> list[Opcode]:
    """difflib-style opcodes for ``a`` -> ``b`` within ``budget``.

    The common head and tail are matched first (linear); the middle is :func:`_middle`'s,
    or past the budget :func:`_anchored`'s (``anchor``) or one replace block.
    """
    head, tail = _trim(a, b)
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    ops: list[Opcode] = []
    if head:
        ops.append(("equal", 0, head, 0, head))
    if mid_a and mid_b:
        middle = _middle(mid_a, mid_b, budget)
        if middle is None:
            if anchor:
                middle = _anchored(mid_a, mid_b)
            else:
                middle = [("replace", 0, len(mid_a), 0, len(mid_b))]
        ops.extend(
            (tag, i1 + head, i2 + head, j1 + head, j2 + head) for tag, i1, i2, j1, j2 in middle
        )
    elif mid_a:
        ops.append(("delete", head, len(a) - tail, head, head))
    elif mid_b:
        ops.append(("insert", head, head, head, len(b) - tail))
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def word_opcodes(a: Sequence[str], b: Sequence[str], cells: int = 50_000) -> list[Opcode]:
    """difflib-style opcodes of two word lists within ``cells`` (past them, the middle is
    one replace block)."""
    return _opcodes(a, b, Budget(cells), anchor=False)


def _similarity(a: Sequence[str], b: Sequence[str], budget: Budget) -> float:
    """difflib's ratio (2 x matched / total) of two word lists, within the budget; past it
    the middle's matches are estimated by the words they share (an upper bound)."""
    total = len(a) + len(b)
    if not total:
        return 1.0
    head, tail = _trim(a, b)
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    matched = head + tail
    if mid_a and mid_b:
        middle = _middle(mid_a, mid_b, budget)
        if middle is not None:
            matched += sum(i2 - i1 for tag, i1, i2, _, _ in middle if tag == "equal")
        else:
            matched += sum((Counter(mid_a) & Counter(mid_b)).values())
    return 2.0 * matched / total


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


def _similarities(
    old: Sequence[_Tokens], new: Sequence[_Tokens], budget: Budget
) -> list[list[float]]:
    """Word-level similarity of every old/new pair (0.0 below the pairing threshold).

    One matcher per new paragraph, so difflib's index of it is built once; the cheap upper
    bounds skip the full ratio for pairs that cannot reach the threshold; the ratio itself
    is :func:`_similarity`'s (bounded).
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
            sim[i][j] = _similarity(a.keys, b.keys, budget)
    return sim


def diff_words(old: str, new: str, budget: Budget | None = None) -> list[WordOp]:
    """Word-level diff of two paragraphs, as runs of equal/removed/added words.

    Each run's text is its original words joined by one space; ``equal`` runs show the new
    version's words (they differ from the old ones at most by invisible noise).
    """
    return _word_ops(_tokens(old), _tokens(new), budget or Budget())


def _word_ops(old: _Tokens, new: _Tokens, budget: Budget) -> list[WordOp]:
    ops: list[WordOp] = []
    for tag, i1, i2, j1, j2 in _opcodes(old.keys, new.keys, budget, anchor=False):
        if tag == "equal":
            ops.append(WordOp("equal", " ".join(new.words[j1:j2])))
            continue
        if i2 > i1:
            ops.append(WordOp("removed", " ".join(old.words[i1:i2])))
        if j2 > j1:
            ops.append(WordOp("added", " ".join(new.words[j1:j2])))
    return ops


def _pair_block(
    old: Sequence[_Tokens], new: Sequence[_Tokens], budget: Budget
) -> list[tuple[int, int]]:
    """Order-preserving pairs (i, j) of similar paragraphs maximising total similarity."""
    m, n = len(old), len(new)
    if m == 0 or n == 0:
        return []
    if m * n > _MAX_PAIRING_CELLS or not budget.afford(m * n):
        budget.coarse = True
        return []
    sim = _similarities(old, new, budget)
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


def align_paragraphs(
    old: Sequence[str], new: Sequence[str], budget: Budget | None = None
) -> list[ParagraphOp]:
    """Align two paragraph lists: equal, removed, added, modified (with word diff) and moved
    ops, in the new version's order (a removed paragraph where it stood).

    Indices point into the given sequences; paragraphs whose comparable key is empty (white
    space or invisible characters only) take no part, as in the content hash.
    """
    budget = budget or Budget()
    old_idx = [i for i, p in enumerate(old) if comparable(p)]
    new_idx = [j for j, p in enumerate(new) if comparable(p)]
    old_keys = [comparable(old[i]) for i in old_idx]
    new_keys = [comparable(new[j]) for j in new_idx]
    ops: list[ParagraphOp] = []

    def removed(a: int) -> ParagraphOp:
        return ParagraphOp("removed", old_idx[a], None, old[old_idx[a]], None)

    def added(b: int) -> ParagraphOp:
        return ParagraphOp("added", None, new_idx[b], None, new[new_idx[b]])

    for tag, i1, i2, j1, j2 in _opcodes(old_keys, new_keys, budget):
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
            for pa, pb in [*_pair_block(old_tok, new_tok, budget), (i2 - i1, j2 - j1)]:
                ops.extend(removed(x) for x in range(a, i1 + pa))
                ops.extend(added(y) for y in range(b, j1 + pb))
                if pa < i2 - i1:
                    oi, nj = old_idx[i1 + pa], new_idx[j1 + pb]
                    words = _word_ops(old_tok[pa], new_tok[pb], budget)
                    ops.append(ParagraphOp("modified", oi, nj, old[oi], new[nj], words))
                a, b = i1 + pa + 1, j1 + pb + 1
    return _moves(ops, budget)


def _moves(ops: list[ParagraphOp], budget: Budget) -> list[ParagraphOp]:
    """Turn a removed paragraph and an added one with the same text (or nearly: word
    similarity of :data:`MOVE_THRESHOLD`) into one ``moved`` op at the new place.

    Exact moves pair first (in order), then near ones by best similarity; a near move
    keeps its word diff, so an edit made while moving is still shown.
    """
    gone = [k for k, op in enumerate(ops) if op.op == "removed"]
    came = [k for k, op in enumerate(ops) if op.op == "added"]
    if not gone or not came:
        return ops
    pairs: dict[int, tuple[int, list[WordOp]]] = {}  # added op -> (removed op, words)
    by_key: defaultdict[str, list[int]] = defaultdict(list)
    for k in gone:
        by_key[comparable(ops[k].old or "")].append(k)
    for k in came:
        waiting = by_key.get(comparable(ops[k].new or ""))
        if waiting:
            pairs[k] = (waiting.pop(0), [])
    used = {r for r, _ in pairs.values()}
    left_gone = [k for k in gone if k not in used]
    left_came = [k for k in came if k not in pairs]
    if left_gone and left_came and len(left_gone) * len(left_came) <= _MAX_MOVE_CELLS:
        old_tok = {k: _tokens(ops[k].old or "") for k in left_gone}
        new_tok = {k: _tokens(ops[k].new or "") for k in left_came}
        scored: list[tuple[float, int, int]] = []
        for c in left_came:
            for g in left_gone:
                a, b = old_tok[g].keys, new_tok[c].keys
                matcher = SequenceMatcher(None, a, b, autojunk=False)
                if matcher.real_quick_ratio() < MOVE_THRESHOLD:
                    continue
                if matcher.quick_ratio() < MOVE_THRESHOLD:
                    continue
                ratio = _similarity(a, b, budget)
                if ratio >= MOVE_THRESHOLD:
                    scored.append((-ratio, c, g))
        for _, c, g in sorted(scored):
            if c in pairs or g in used:
                continue
            pairs[c] = (g, _word_ops(old_tok[g], new_tok[c], budget))
            used.add(g)
    out: list[ParagraphOp] = []
    for k, op in enumerate(ops):
        if k in used:
            continue
        if k in pairs:
            g, words = pairs[k]
            source = ops[g]
            op = replace(source, op="moved", new_index=op.new_index, new=op.new, words=words)
        out.append(op)
    return out


def _where(ops: Sequence[ParagraphOp]) -> Where | None:
    """Where the added paragraphs sit among the kept (equal or modified) ones.

    None when nothing was added; "throughout" also when nothing was kept (a new body).
    """
    added = [op.new_index for op in ops if op.op == "added" and op.new_index is not None]
    kept = [
        op.new_index
        for op in ops
        if op.op in ("equal", "modified", "moved") and op.new_index is not None
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
    of its removed and added word counts. A paragraph moved unchanged changes no word."""
    if title_changed or any(op.op in ("added", "removed") for op in ops):
        return "major"
    total = 0
    for op in ops:
        if op.op not in ("modified", "moved"):
            continue
        added = sum(len(w.text.split()) for w in op.words if w.op == "added")
        removed = sum(len(w.text.split()) for w in op.words if w.op == "removed")
        changed = max(added, removed)
        size = max(len((op.old or "").split()), len((op.new or "").split()), 1)
        if changed > size * MAJOR_SHARE:
            return "major"
        total += changed
    return "major" if total > MAJOR_WORDS else "minor"


def compare(old: Snapshot, new: Snapshot, *, budget_cells: int = ALIGN_BUDGET) -> Change | None:
    """How ``new`` differs from ``old``, or None when title and body are the same.

    "The same" is equality under :func:`comparable`, paragraph by paragraph (blank ones
    ignored). A stamp that moved while the text stayed the same is *not* a change: it makes
    no new version, so this returns None for it too.

    ``new_updated_stamp`` is set when a stamp moved (see :func:`_moved_stamp`); ``correction``
    (and ``kind="correction"``) when a correction notice or editor's note appeared (a
    correction stamp, or a note paragraph :mod:`newswatch.judge.corrections` recognises);
    ``silent`` when the text changed and neither did; ``severity`` follows
    :func:`_severity`; ``coarse`` when the alignment ran past its budget of
    ``budget_cells`` (then some pairs or word runs are shown whole).
    """
    title_changed = comparable(old.title) != comparable(new.title)
    old_keys = [k for k in map(comparable, old.paragraphs) if k]
    new_keys = [k for k in map(comparable, new.paragraphs) if k]
    if not title_changed and old_keys == new_keys:
        return None
    budget = Budget(budget_cells)
    ops = align_paragraphs(old.paragraphs, new.paragraphs, budget)
    words_added: list[str] = []
    words_removed: list[str] = []
    for op in ops:
        for w in op.words:
            if w.op == "added":
                words_added.extend(w.text.split())
            elif w.op == "removed":
                words_removed.extend(w.text.split())
    stamp = _moved_stamp(old, new)
    correction = _new_correction(old, new) or new_note(old.paragraphs, new.paragraphs)
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
        kind="correction" if correction is not None else "edit",
        coarse=budget.coarse,
    )
