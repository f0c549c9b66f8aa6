"""How held alerts become digests, from tables (no database): :mod:`newswatch.digests`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newswatch.digests import Digest, Held, digests

NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def held(i: int, channel: str = "mail", source: int = 1, due: timedelta = -M) -> Held:
    return Held(i, channel, source, f"k{i}", NOW + due)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], []),
        # the oldest is due: the whole group goes, later members too
        ([held(1), held(2, due=M)], [Digest("mail", 1, "digest-k1", (1, 2))]),
        # nothing due yet: nothing formed
        ([held(1, due=M), held(2, due=2 * M)], []),
        # due exactly now counts
        ([held(3, due=timedelta(0))], [Digest("mail", 1, "digest-k3", (3,))]),
        # one digest per (channel, source)
        (
            [held(1), held(2, channel="chat"), held(3, source=2), held(4)],
            [
                Digest("chat", 1, "digest-k2", (2,)),
                Digest("mail", 1, "digest-k1", (1, 4)),
                Digest("mail", 2, "digest-k3", (3,)),
            ],
        ),
        # one group due, the other not
        ([held(1), held(2, source=2, due=M)], [Digest("mail", 1, "digest-k1", (1,))]),
    ],
)
def test_held_alerts_form_one_digest_per_channel_and_source(
    rows: list[Held], expected: list[Digest]
) -> None:
    assert digests(rows, NOW) == expected


def test_the_key_is_the_same_whatever_order_the_rows_come_in() -> None:
    rows = [held(5), held(2), held(9, due=M)]
    assert digests(rows, NOW) == digests(list(reversed(rows)), NOW)
    assert digests(rows, NOW)[0].key == "digest-k2"
