"""The start-up heap: the collector paused while it is built, then frozen."""

from __future__ import annotations

import gc

from newswatch.heap import long_lived


def test_long_lived_pauses_the_collector_then_freezes_what_was_built() -> None:
    assert gc.isenabled()
    before = gc.get_freeze_count()
    with long_lived():
        assert not gc.isenabled()
        built = [[i] for i in range(100)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(built)
    gc.unfreeze()


def test_long_lived_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with long_lived():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
