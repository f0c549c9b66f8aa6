"""Which held change alerts go out together as one digest, and under which key. Pure.

:mod:`newswatch.judge.digest` decides which alerts are held; this decides how the held ones
become digests once due, so every store backend forms the same digests (it reads the held
rows, calls :func:`digests` and writes what it returns). Top-level, not in judge/, because
the store imports it and judge/ reads the store's records (that would be an import cycle).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Held:
    """One held delivery: its row id, where it goes, its idempotency key, when it is due."""

    delivery_id: int
    channel: str
    source_id: int
    key: str
    due_at: datetime


@dataclass(frozen=True)
class Digest:
    """One digest to write: a delivery keyed ``key`` to ``channel`` for ``source_id``, and
    the held deliveries it carries (marked digested with it)."""

    channel: str
    source_id: int
    key: str
    members: tuple[int, ...]


def digests(held: Iterable[Held], now: datetime) -> list[Digest]:
    """One digest per (channel, source) whose oldest held alert is due at ``now``, carrying
    all of that group's held alerts (the later ones too: they would only wait for the next
    digest otherwise). Its key derives from the group's smallest member key, so forming the
    same digest twice (a crash, two hosts) writes it once."""
    groups: dict[tuple[str, int], list[Held]] = {}
    for h in held:
        groups.setdefault((h.channel, h.source_id), []).append(h)
    formed = []
    for (channel, source_id), members in sorted(groups.items()):
        if min(m.due_at for m in members) > now:
            continue
        formed.append(
            Digest(
                channel,
                source_id,
                "digest-" + min(m.key for m in members),
                tuple(sorted(m.delivery_id for m in members)),
            )
        )
    return formed
