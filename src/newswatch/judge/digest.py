"""Which change alerts go out now and which wait for a digest. Pure.

A route with ``digest_after`` N: once its channel has had N change alerts for one source
within ``digest_seconds``, further changes are held until the oldest has waited that long,
then go out together (the dispatcher forms the digest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from newswatch.judge.identity import delivery_key
from newswatch.store import AlertRoute, DeliveryState, DeliveryWrite, DigestGuard


def windows(routes: Sequence[AlertRoute]) -> dict[str, float]:
    """Per channel with a digest limit, how far back its recent alerts are counted."""
    return {r.channel: r.digest_seconds for r in routes if r.digest_after is not None}


def change_deliveries(
    routes: Sequence[AlertRoute], uid: str, now: datetime, recent: Mapping[str, int]
) -> tuple[tuple[DeliveryWrite, ...], tuple[DigestGuard, ...]]:
    """One delivery per routed channel (the first route of a channel wins): pending now, or
    held for ``digest_seconds`` when ``recent`` (the channel's change alerts for the source
    in its window) has reached the limit. The guards say which counts the decision read."""
    deliveries: list[DeliveryWrite] = []
    guards: list[DigestGuard] = []
    seen: set[str] = set()
    for route in routes:
        if route.channel in seen:
            continue
        seen.add(route.channel)
        state: DeliveryState = "pending"
        due_at = now
        if route.digest_after is not None:
            count = recent.get(route.channel, 0)
            since = now - timedelta(seconds=route.digest_seconds)
            guards.append(DigestGuard(route.channel, since, count))
            if count >= route.digest_after:
                state = "held"
                due_at = now + timedelta(seconds=route.digest_seconds)
        deliveries.append(
            DeliveryWrite(route.channel, delivery_key(uid, route.channel), state, due_at)
        )
    return tuple(deliveries), tuple(guards)
