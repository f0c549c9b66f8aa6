"""Source health and article presence events, decided from one check. Pure.

A source counts consecutive failed checks over all its articles (a quarantined page is a
failure of the extraction kind). The check that reaches ``failing_after`` raises ONE
``source_failing`` (or ``extraction_broken`` when most of those failures were empty
extractions), and the first success after that raises ``recovered``. An article that had
versions raises ``removed``/``restored`` with its removal or return change, and ``removed``
when a plain failed fetch answers 404/410 for the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from newswatch.models import Change, iso
from newswatch.store import EventKind, FetchRecord, HealthWrite, SourceHealth


@dataclass(frozen=True, slots=True)
class Raised:
    """An event one check raises, before ids and deliveries are given to it."""

    kind: EventKind
    message: str
    article_id: int | None


def source_health(
    source: SourceHealth, fetch: FetchRecord, failing_after: int, now: datetime
) -> tuple[HealthWrite, list[Raised]]:
    """The source's streaks and health after this check, and the health event it raises."""
    failed = fetch.outcome in ("error", "quarantined")
    streak = source.failure_streak + 1 if failed else 0
    extracting = fetch.error_kind in ("extract", "quarantine")
    extract = source.extract_streak + int(extracting) if failed else 0
    health, since = source.health, source.health_since
    error, set_error = None, False
    raised: list[Raised] = []
    if failed and source.health == "ok" and 0 < failing_after <= streak:
        kind: EventKind = "extraction_broken" if 2 * extract > streak else "source_failing"
        what = "extracts no article" if kind == "extraction_broken" else "is failing"
        message = (
            f"{source.name} {what}: {streak} checks in a row failed; last: "
            f"{fetch.error or fetch.error_kind}"
        )
        raised.append(Raised(kind, message, None))
        health, since, error, set_error = kind, now, fetch.error, True
    elif failed and source.health != "ok":
        error, set_error = fetch.error, True
    elif not failed and source.health != "ok":
        was = iso(source.health_since or now)
        raised.append(
            Raised("recovered", f"{source.name} recovered ({source.health} since {was})", None)
        )
        health, since, error, set_error = "ok", now, None, True
    write = HealthWrite(
        expected=source,
        health=health,
        health_since=since,
        failure_streak=streak,
        extract_streak=extract,
        health_error=error,
        set_error=set_error,
    )
    return write, raised


def presence_events(
    url: str,
    article_id: int,
    fetch: FetchRecord,
    change: Change | None,
    had_failures: bool,
    has_version: bool,
) -> list[Raised]:
    """``removed``/``restored`` events of an article that had versions: with its removal or
    return change, or (a plain failed fetch) the first 404/410 in a row."""
    if not has_version:
        return []
    raised: list[Raised] = []
    failed = fetch.outcome in ("error", "quarantined")
    if failed and fetch.status in (404, 410) and not had_failures:
        raised.append(Raised("removed", f"{url} was removed (HTTP {fetch.status})", article_id))
    if change is not None and change.kind in ("removed", "restored"):
        kind: EventKind = "removed" if change.kind == "removed" else "restored"
        raised.append(Raised(kind, f"{url} was {change.kind} ({change.reason})", article_id))
    return raised
