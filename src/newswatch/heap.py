"""Start-up objects kept out of the cyclic garbage collector's way.

What a process builds before its first check (the modules, the validated configuration of
every source, the wiring) lives as long as the process. Left to the collector, it is
scanned by collections while it is built (30 ms of importing the commands), by every full
collection of the round (in each worker process too, touching the pages a forked worker
shares with its parent) and again, several times, when the interpreter exits (55 ms on
1,000 sources). :func:`long_lived` pauses the collector while such objects are built, then
freezes them (:func:`gc.freeze`), as the :mod:`gc` documentation advises for a process that
forks workers. A module of its own with no import of ours, so a process can use it before
importing anything heavy.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived() -> Iterator[None]:
    """No cyclic collection inside (what is made there is not garbage), and everything the
    collector tracks when it ends is frozen: later collections leave it alone.

    For a process's own start-up only (the commands, a worker process): frozen objects
    that later become cyclic garbage are not freed until :func:`gc.unfreeze`.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
