"""In-flight places as byte-range locks on a file beside the database (Linux).

A place is one byte of ``<database>-places`` locked with an open file description lock
(``F_OFD_SETLK``): the kernel keeps at most one holder per byte across every process and
every open of the file, and frees a process's places the moment it dies (``kill -9``
included), so there is nothing to expire and nothing to write. Holding places in the
database instead was two write transactions per request, every one of them contending for
the file's write lock with the checks of every process (a third of a 1,000-page pass's
thread time waited there). Bytes ``[0, concurrency)`` are the overall places; each host has
its own range further on, named by a hash of its key.

:func:`open_places` returns None where such locks do not work (another OS, a file system
without them): the budgets then keep their places in the database, as before.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import random
import struct
import sys
import threading
from pathlib import Path

#: struct flock on 64-bit Linux: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks)
_FLOCK = "@hhqqi4x"
HOST_BASE = 1 << 20  # host ranges start past every overall place (concurrency <= 1000)
HOST_SPAN = 1 << 12  # bytes per host (per_host <= 100)
_BUSY = (errno.EAGAIN, errno.EACCES)


class LockPlaces:
    """Places of one open of the places file; thread-safe (see module docstring)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._held: set[int] = set()  # bytes this open holds (a second lock on one is no-op)

    def take(self, host: str, per_host: int, concurrency: int) -> tuple[int, int] | None:
        """A place at ``host`` and an overall place (their bytes), or None when either is
        full."""
        with self._lock:
            at_host = self._first_free(_host_base(host), min(per_host, HOST_SPAN))
            if at_host is None:
                return None
            overall = self._first_free(0, min(concurrency, HOST_BASE))
            if overall is None:
                self._unlock(at_host)
                return None
            return at_host, overall

    def give_back(self, place: tuple[int, int]) -> None:
        with self._lock:
            for offset in place:
                self._unlock(offset)

    def close(self) -> None:
        with self._lock:
            self._held.clear()
            os.close(self._fd)  # frees whatever is still held

    def _first_free(self, base: int, count: int) -> int | None:
        for offset in range(base, base + count):
            if offset not in self._held and _lock(self._fd, offset, fcntl.F_WRLCK):
                self._held.add(offset)
                return offset
        return None

    def _unlock(self, offset: int) -> None:
        if offset in self._held:
            _lock(self._fd, offset, fcntl.F_UNLCK)
            self._held.discard(offset)


def _host_base(host: str) -> int:
    digest = int.from_bytes(hashlib.blake2b(host.encode(), digest_size=6).digest(), "big")
    return HOST_BASE + digest * HOST_SPAN


def _lock(fd: int, offset: int, kind: int) -> bool:
    """Set (or clear) the lock on one byte without waiting: False when another holds it."""
    request = struct.pack(_FLOCK, kind, os.SEEK_SET, offset, 1, 0)
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, request)
    except OSError as exc:
        if exc.errno in _BUSY:
            return False
        raise
    return True


def open_places(database: Path) -> LockPlaces | None:
    """The places beside ``database``, or None where open file description locks do not
    hold (checked: a second open of the file must be refused a byte the first holds)."""
    if sys.platform != "linux" or not hasattr(fcntl, "F_OFD_SETLK"):
        return None
    if struct.calcsize(_FLOCK) != 32:
        return None
    path = database.with_name(database.name + "-places")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    probe = -1
    try:
        probe = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        # a random byte past every host's range, so a probe never meets a real place nor
        # (but by a chance of 2**-40) another process's probe
        offset = (1 << 61) + random.getrandbits(40)
        if _lock(fd, offset, fcntl.F_WRLCK):
            refused = not _lock(probe, offset, fcntl.F_WRLCK)
            _lock(fd, offset, fcntl.F_UNLCK)
            if refused:
                return LockPlaces(fd)
    except OSError:
        pass
    finally:
        if probe >= 0:
            os.close(probe)
    with contextlib.suppress(OSError):
        os.close(fd)
    return None
