"""Progress of a long round on a terminal: done, due, rate, and which host's delay holds it.

A round over thousands of articles on one site waits mostly on that site's ``host_delay``
(politeness wants that); without a word it looks hung. :func:`progress_line` is pure, the
:class:`ProgressTicker` thread only samples counters and writes the line every few seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TextIO


def progress_line(done: int, due: int, seconds: float, held_back: Mapping[str, float]) -> str:
    """``checked 120/1010 (12.0/s), ... held back by host_delay of ...``.

    ``due`` is what the round set out to check (0 when unknown); ``held_back`` maps the
    hosts whose delay requests are waiting for to that delay.
    """
    rate = done / seconds if seconds > 0 else 0.0
    line = f"checked {done}/{due}" if due else f"checked {done}"
    line += f" ({rate:.1f}/s)"
    if due and rate > 0 and done < due:
        line += f", about {_duration((due - done) / rate)} left"
    if held_back:
        hosts = sorted(held_back.items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"{host} ({delay:g}s)" for host, delay in hosts[:3])
        more = f" and {len(hosts) - 3} more" if len(hosts) > 3 else ""
        line += f"; waiting on the host delay of {shown}{more}"
    return line


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class ProgressTicker:
    """Writes :func:`progress_line` to ``stream`` every ``every`` seconds until stopped."""

    def __init__(
        self,
        stream: TextIO,
        done: Callable[[], int],
        due: Callable[[], int],
        held_back: Callable[[], Mapping[str, float]],
        *,
        every: float = 2.0,
    ) -> None:
        self._stream = stream
        self._done = done
        self._due = due
        self._held_back = held_back
        self._every = every
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="newswatch-progress", daemon=True)

    def __enter__(self) -> ProgressTicker:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            line = progress_line(
                self._done(), self._due(), time.monotonic() - self._started, self._held_back()
            )
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (OSError, ValueError):  # the terminal went away: stop talking
                return


class BacklogTicker:
    """The daemon's progress: silent while nothing is due; once articles are due, a round
    begins and :func:`progress_line` is written every ``every`` seconds (done in this round,
    what the round holds, its rate, the host delays holding it back) until nothing is due,
    which ends the round with a last line.

    ``done`` counts checks since the daemon started (every process's), ``remaining`` how
    many articles are due now (those being checked included)."""

    def __init__(
        self,
        stream: TextIO,
        done: Callable[[], int],
        remaining: Callable[[], int],
        held_back: Callable[[], Mapping[str, float]],
        *,
        every: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._done = done
        self._remaining = remaining
        self._held_back = held_back
        self._every = every
        self._monotonic = monotonic
        self._round: tuple[int, float, int] | None = None  # done and time at start, its size
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newswatch-progress", daemon=True)

    def __enter__(self) -> BacklogTicker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def tick(self) -> str | None:
        """The line for now (None while idle); ends the round when nothing is due."""
        done, left, now = self._done(), self._remaining(), self._monotonic()
        if self._round is None:
            if left <= 0:
                return None
            self._round = (done, now, left)
        start_done, start_at, size = self._round
        checked = done - start_done
        size = max(size, checked + left)
        self._round = (start_done, start_at, size)
        line = progress_line(checked, size, now - start_at, self._held_back() if left else {})
        if left <= 0:
            self._round = None
        return line

    def _run(self) -> None:
        wait = 0.0  # the first look at once: a round due at start-up is counted from its start
        while not self._stop.wait(wait):
            wait = self._every
            try:
                line = self.tick()
            except Exception:  # the store is busy or gone: no line this time
                continue
            if line is None:
                continue
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (OSError, ValueError):  # the terminal went away: stop talking
                return
