"""Source health and article removal events, raised inside a check's own transaction.

Each event gets one delivery per channel routed to its kind (see :mod:`newswatch.store.outbox`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlite_utils import Database

from newswatch.store.records import CheckResult
from newswatch.store.sqlite.connection import SqliteConnection, insert_row
from newswatch.store.sqlite.outbox import insert_delivery


class SourceHealth:
    """Counting a source's failure streaks and raising its events."""

    def __init__(self, c: SqliteConnection) -> None:
        self._c = c

    def raise_events(
        self, db: Database, result: CheckResult, has_version: bool, checked: str
    ) -> tuple[str, ...]:
        """Source health and article removal, decided in the check's own transaction.

        The source counts consecutive failed checks over all its articles; the check that
        reaches ``failing_after`` raises ONE ``source_failing`` (or ``extraction_broken``
        when most of those failures were empty extractions) and the first success after
        that raises ``recovered``. An article that had versions and now answers 404/410
        raises ``removed`` once (on its first failure).
        """
        due, fetch = result.due, result.fetch
        source = self._c.row(
            "SELECT s.id, s.name, s.url, s.health, s.health_since, s.failure_streak,"
            " s.extract_streak"
            " FROM sources s JOIN articles a ON a.source_id = s.id WHERE a.id = ?",
            [due.article_id],
        )
        if source is None:
            return ()
        source_id = int(source["id"])
        raised: list[tuple[str, str, int | None]] = []
        # a quarantined page is a failure to get the article, of the extraction kind
        failed = fetch.outcome in ("error", "quarantined")
        streak = int(source["failure_streak"]) + 1 if failed else 0
        extracting = fetch.error_kind in ("extract", "quarantine")
        extract = int(source["extract_streak"]) + extracting if failed else 0
        health = str(source["health"])
        sets: dict[str, Any] = {"failure_streak": streak, "extract_streak": extract}
        if failed and health == "ok" and 0 < result.failing_after <= streak:
            kind = "extraction_broken" if 2 * extract > streak else "source_failing"
            what = "extracts no article" if kind == "extraction_broken" else "is failing"
            raised.append(
                (
                    kind,
                    f"{source['name']} {what}: {streak} checks in a row failed; last: "
                    f"{fetch.error or fetch.error_kind}",
                    None,
                )
            )
            sets.update(health=kind, health_since=checked, health_error=fetch.error)
        elif failed and health != "ok":
            sets["health_error"] = fetch.error
        elif not failed and health != "ok":
            since = source.get("health_since") or checked
            raised.append(
                ("recovered", f"{source['name']} recovered ({health} since {since})", None)
            )
            sets.update(health="ok", health_since=checked, health_error=None)
        if failed and fetch.status in (404, 410) and due.consecutive_failures == 0 and has_version:
            raised.append(
                ("removed", f"{due.url} was removed (HTTP {fetch.status})", due.article_id)
            )
        change = result.change
        if change is not None and change.kind in ("removed", "restored") and has_version:
            # the checker's unpublish/return decision (404/410, moved to a section page)
            raised.append(
                (change.kind, f"{due.url} was {change.kind} ({change.reason})", due.article_id)
            )
        db.table("sources").update(source_id, sets)
        for kind, message, article_id in raised:
            uid = hashlib.sha256(
                f"{source_id}\n{kind}\n{due.article_id}\n{checked}".encode()
            ).hexdigest()[:32]
            event_id = insert_row(
                db,
                "events",
                {
                    "uid": uid,
                    "source_id": source_id,
                    "article_id": article_id,
                    "kind": kind,
                    "message": message,
                    "at": checked,
                },
            )
            for channel in dict.fromkeys(result.event_routes.get(kind, ())):
                insert_delivery(
                    db,
                    "event",
                    channel,
                    f"{uid}:{channel}",
                    source_id,
                    checked,
                    event_id=event_id,
                )
        return tuple(kind for kind, _, _ in raised)
