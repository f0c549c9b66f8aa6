"""A new reading judged against the article's whole history, not only the last version (pure).

Two patterns make a desk distrust alerts when each reading is compared with the one before
only:

- a **revert**: the page comes back to a text we already hold (an edit undone). It is not a
  new version: it is one change "back to vN", and vN is the current version again.
- a **headline test** (A/B test): the headline, or the lead paragraph, alternates between
  variants while the rest stays the same. The first time a variant comes back it is one
  ``headline_test`` change listing the variants (alerted once); while the page keeps
  alternating between known variants nothing is recorded or alerted; a new variant is one
  more ``headline_test`` change with the longer list.

:func:`judge` says which of these a reading is; the check path applies the verdict (the
store only writes it). A *slot* is what alternates: ``title`` or ``lead`` (the first
paragraph).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from newswatch.models import Change
from newswatch.normalize import comparable

Slot = Literal["title", "lead"]
VerdictKind = Literal["new", "revert", "headline_test", "quiet"]


class Reading(Protocol):
    """What is compared of a version or a fresh extraction."""

    @property
    def title(self) -> str: ...

    @property
    def paragraphs(self) -> list[str]: ...


class Held(Reading, Protocol):
    """A stored version: a reading with its number and content hash."""

    @property
    def n(self) -> int: ...

    @property
    def hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """``new``: an ordinary new version (``change`` as the diff made it); ``revert`` and
    ``headline_test``: the change to record (``back_to`` the known version the page shows
    again, None for a headline variant never stored); ``quiet``: record nothing new (the
    page alternates between known variants), only that the current version was seen."""

    kind: VerdictKind
    change: Change | None = None
    back_to: int | None = None


def _body(reading: Reading) -> list[str]:
    return [k for k in map(comparable, reading.paragraphs) if k]


def _slot_value(reading: Reading, slot: Slot) -> str:
    if slot == "title":
        return comparable(reading.title)
    body = _body(reading)
    return body[0] if body else ""


def _original(reading: Reading, slot: Slot) -> str:
    """The slot's text as the reader saw it (for the change record)."""
    if slot == "title":
        return reading.title
    kept = [p for p in reading.paragraphs if comparable(p)]
    return kept[0] if kept else ""


def differs_only_in(a: Reading, b: Reading) -> Slot | None:
    """The one slot two readings differ in (title, or lead paragraph), or None when they
    differ elsewhere too, or not at all."""
    title_same = comparable(a.title) == comparable(b.title)
    body_a, body_b = _body(a), _body(b)
    if body_a == body_b:
        return None if title_same else "title"
    if title_same and len(body_a) == len(body_b) and body_a and body_a[1:] == body_b[1:]:
        return "lead"
    return None


def known_variants(records: Sequence[Mapping[str, object]]) -> dict[Slot, list[str]]:
    """The variants already announced per slot, read from earlier ``headline_test`` change
    records (their ``headline_test`` entry: ``{"slot", "variants"}``), in first-seen order."""
    known: dict[Slot, list[str]] = {}
    for record in records:
        test = record.get("headline_test")
        if not isinstance(test, Mapping):
            continue
        slot, variants = test.get("slot"), test.get("variants")
        if slot not in ("title", "lead") or not isinstance(variants, list):
            continue
        seen = known.setdefault("title" if slot == "title" else "lead", [])
        for text in variants:
            if isinstance(text, str) and comparable(text) not in map(comparable, seen):
                seen.append(text)
    return known


def _variants(
    slot: Slot, known: Mapping[Slot, Sequence[str]], history: Sequence[Held], *readings: Reading
) -> tuple[list[str], bool]:
    """The slot's variants after these readings (the known ones, then the others in the
    order the history first showed them), and whether any of them is new."""
    variants = list(known.get(slot, ()))
    keys = {comparable(v) for v in variants}
    first_n: dict[str, int] = {}
    for version in sorted(history, key=lambda v: v.n):
        first_n.setdefault(_slot_value(version, slot), version.n)
    added = [_original(r, slot) for r in readings if comparable(_original(r, slot)) not in keys]
    unique = list(dict.fromkeys(added))
    unique.sort(key=lambda text: first_n.get(comparable(text), 1 << 30))
    return variants + unique, bool(unique)


def _headline_test(change: Change, slot: Slot, variants: Sequence[str]) -> Change:
    label = "headline" if slot == "title" else "lead"
    return replace(
        change,
        kind="headline_test",
        reason=f"{len(variants)} {label} variants",
        variants=tuple(variants),
        slot=slot,
    )


def judge(
    history: Sequence[Held],
    current: Held,
    reading: Reading,
    digest: str,
    change: Change,
    known: Mapping[Slot, Sequence[str]],
) -> Verdict:
    """How a reading that differs from the ``current`` version relates to the history.

    ``change`` is the diff of ``current`` -> ``reading``; ``digest`` the reading's content
    hash; ``known`` the variants already announced (:func:`known_variants`).
    """
    older = next((v for v in history if v.hash == digest and v.n != current.n), None)
    slot = differs_only_in(current, reading)
    if slot is None:
        if older is not None:
            return Verdict(
                "revert", replace(change, kind="revert", reason=f"back to v{older.n}"), older.n
            )
        return Verdict("new", change)
    variants, fresh = _variants(slot, known, history, current, reading)
    returning = older is not None or any(
        _slot_value(v, slot) == _slot_value(reading, slot) and v.n != current.n for v in history
    )
    if slot in known and not fresh:
        return Verdict("quiet")
    if slot in known or returning:
        back_to = older.n if older is not None else None
        return Verdict("headline_test", _headline_test(change, slot, variants), back_to)
    return Verdict("new", change)
