"""The engine's signal handling: the first SIGTERM/SIGINT stops cleanly, a second one forces.

A clean stop gives in-flight checks a short grace; an operator who does not want to wait
(a second Ctrl-C, or ``docker stop`` sending SIGTERM twice) ends the grace at once. Either
way the claims still in hand are given back to the store before the process exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

logger = logging.getLogger("newswatch.run")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_on_signals(stop: Callable[[], None], force: Callable[[], None]) -> Iterator[None]:
    """While inside, a first stop signal calls ``stop``, any later one ``force``.

    Outside the main thread (where Python cannot install handlers) nothing is installed.
    The handlers only set flags, so they never wait on a lock the interrupted code holds.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = 0

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal received
        received += 1
        name = signal.Signals(signum).name
        if received == 1:
            logger.info("received %s, stopping (send it again to stop at once)", name)
            stop()
        else:
            logger.warning("received %s again, stopping now", name)
            force()

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
