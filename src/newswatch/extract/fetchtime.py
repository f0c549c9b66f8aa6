"""The time of the fetch, as the stamp readers consult it.

A few stamps depend on when the page was fetched: "5 minutes ago", a time with no date
("Updated 18:17 GMT" with no article date to go by), a date with no year, and every stamp
later than the fetch, which is not believed. The readers ask those questions of a
:class:`FetchTime` instead of doing arithmetic on the instant themselves, and it keeps the
range of fetch times that would have had every question answered alike (:attr:`since`,
:attr:`until`). A page read again at a time in that range has the same stamps (see
:mod:`newswatch.extract.reread`); a relative stamp closes the range to nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)
PLAUSIBLE_AHEAD = timedelta(days=1)  # a stamp this far past the fetch is still believed


class FetchTime:
    """When the page was fetched (``at``, aware), and since/until when (``until``
    excluded) a fetch would have been read the same."""

    __slots__ = ("at", "since", "until")

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.since = _EARLIEST
        self.until = _LATEST

    def _after(self, bound: datetime) -> None:
        if bound > self.since:
            self.since = bound

    def _before(self, bound: datetime) -> None:
        if bound < self.until:
            self.until = bound

    def plausible(self, local: datetime) -> bool:
        """Whether a stamp at ``local`` is no later than a day past the fetch."""
        bound = local - PLAUSIBLE_AHEAD  # plausible exactly when the fetch is at or after
        if self.at >= bound:
            self._after(bound)
            return True
        self._before(bound)
        return False

    def earlier_than(self, local: datetime, margin: timedelta) -> bool:
        """Whether ``local`` is more than ``margin`` past the fetch."""
        bound = local - margin  # true exactly when the fetch is before this
        if self.at < bound:
            self._before(bound)
            return True
        self._after(bound)
        return False

    def ago(self, seconds: float) -> datetime:
        """The instant ``seconds`` before the fetch (a relative stamp: no other fetch time
        reads it alike)."""
        self.since = self.until = self.at
        return self.at - timedelta(seconds=seconds)

    def day(self, zone: tzinfo) -> date:
        """The fetch's calendar day in ``zone``."""
        local = self.at.astimezone(zone)
        start = datetime.combine(local.date(), datetime.min.time(), tzinfo=zone)
        self._after(start.astimezone(UTC))
        self._before((start + timedelta(days=1)).astimezone(UTC))
        return local.date()

    @property
    def year(self) -> int:
        """The fetch's year (in its own zone)."""
        year = self.at.year
        zone = self.at.tzinfo or UTC
        self._after(datetime(year, 1, 1, tzinfo=zone))
        if year < datetime.max.year:
            self._before(datetime(year + 1, 1, 1, tzinfo=zone))
        return year

    def reads_alike(self, other: datetime) -> bool:
        """Whether a fetch at ``other`` would have had every question answered alike."""
        return self.since <= other < self.until


When = datetime | FetchTime | None
"""What the stamp readers' ``fetched_at`` takes: the instant, or the :class:`FetchTime` one
reading shares among its readers."""


def fetch_time(value: When) -> FetchTime | None:
    """``value`` as a :class:`FetchTime` (the readers' public functions take either)."""
    if value is None or isinstance(value, FetchTime):
        return value
    return FetchTime(value)
