"""Recording a check: the fetch, the article's state, a new version and its change, in ONE
transaction fenced by the claim's lease token.

Source health events are decided by :mod:`newswatch.store.health` and alerts queued by
:mod:`newswatch.store.outbox`, both inside the same transaction.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlite_utils import Database

from newswatch.models import Redirect, iso
from newswatch.normalize import content_hash
from newswatch.store import change_uid
from newswatch.store.records import AlertRoute, CheckResult, FetchRecord, Recorded
from newswatch.store.sqlite import follow
from newswatch.store.sqlite.connection import SqliteConnection, insert_row
from newswatch.store.sqlite.health import SourceHealth
from newswatch.store.sqlite.outbox import Outbox
from newswatch.store.sqlite.readers import CURRENT_VERSION
from newswatch.store.sqlite.rows import to_json, ts


def _redirect_dict(redirect: Redirect) -> dict[str, Any]:
    return {"status": redirect.status, "url": redirect.url, "location": redirect.location}


class CheckRecording:
    """Writing a check's result (see module docstring)."""

    def __init__(self, c: SqliteConnection, outbox: Outbox, health: SourceHealth) -> None:
        self._c = c
        self._outbox = outbox
        self._health = health

    def record_check(self, result: CheckResult) -> Recorded:
        """Write a check's whole result in ONE transaction, fenced by the lease token.

        Refused (``lease_lost=True``, nothing written) when the article's token moved on or
        the lease was already released by an earlier record of the same claim. A page whose
        hash equals the latest version only bumps that version's ``last_seen_at`` and
        ``seen_count`` (as does a 304); otherwise version n+1 is stored with its change and
        one pending delivery per channel. A change is ignored for a first version.

        Three more outcomes: a page whose (canonical) URL is already watched under another
        row, before it has any version, is merged into that row (``merged_into``; nothing
        stored, nothing alerted); a ``removed`` change (no article) marks the page gone and
        keeps the last good version; a ``restored`` change clears that mark, with a new
        version only if the text differs from the last good one.
        """
        due, fetch, article = result.due, result.fetch, result.article
        checked = ts(result.checked_at)
        change_id: int | None = None
        with self._c.transaction() as db:
            row = self._c.row(
                "SELECT url, lease_token, lease_until FROM articles WHERE id = ?",
                [due.article_id],
            )
            if (
                row is None
                or int(row["lease_token"]) != due.lease_token
                or row["lease_until"] is None
            ):
                return Recorded(version_n=None, new_version=False, change_id=None, lease_lost=True)
            if article is not None and article.canonical_url:
                survivor = follow.duplicate_of(db, due.article_id, article.canonical_url)
                if survivor is not None:
                    self._insert_fetch(db, due.article_id, replace(fetch, outcome="merged"))
                    follow.merge_into(db, due.article_id, survivor, article.canonical_url, checked)
                    return Recorded(
                        version_n=None, new_version=False, change_id=None, merged_into=survivor
                    )
            fetch_id = self._insert_fetch(db, due.article_id, fetch)
            self._update_article(db, result, checked)
            latest = self._c.row(
                f"SELECT id, n, hash FROM versions {CURRENT_VERSION}", [due.article_id] * 2
            )
            change = result.change
            events = self._health.raise_events(db, result, latest is not None, checked)
            if result.quarantine is not None and article is not None:
                db.table("quarantine").insert(
                    {
                        "article_id": due.article_id,
                        "fetch_id": fetch_id,
                        "at": checked,
                        "reason": result.quarantine,
                        "hash": result.content_hash
                        or content_hash(article.title, article.paragraphs),
                        "title": article.title,
                        "paragraphs": to_json(list(article.paragraphs)),
                        "words": sum(len(p.split()) for p in article.paragraphs),
                        "after_n": int(latest["n"]) if latest is not None else None,
                    }
                )
                return Recorded(version_n=None, new_version=False, change_id=None, events=events)
            if article is None:
                if change is not None and change.kind != "edit" and latest is not None:
                    # gone (404/410, moved to a section), or back unchanged behind a 304
                    n = int(latest["n"])
                    if change.kind == "restored":
                        self._seen_again(db, int(latest["id"]), checked)
                    uid = change_uid(row["url"], latest["hash"], f"{change.kind} {checked}", n)
                    event_id = self._insert_change(db, result, uid, n, n, checked)
                    return Recorded(
                        version_n=n, new_version=False, change_id=event_id, events=events
                    )
                if fetch.outcome == "not_modified" and latest is not None:
                    self._seen_again(db, int(latest["id"]), checked)
                    return Recorded(
                        version_n=int(latest["n"]), new_version=False, change_id=None, events=events
                    )
                return Recorded(version_n=None, new_version=False, change_id=None, events=events)
            digest = result.content_hash or content_hash(article.title, article.paragraphs)
            back = (
                self._c.row(
                    "SELECT id, n FROM versions WHERE article_id = ? AND n = ?",
                    [due.article_id, change.back_to],
                )
                if change is not None and change.back_to is not None and latest is not None
                else None
            )
            if back is not None and change is not None and latest is not None:
                # a revert or a headline variant that returns: the known version is current
                # again, no new number (the change row says where from and where to)
                self._seen_again(db, int(back["id"]), checked)
                n = int(back["n"])
                uid = change_uid(row["url"], latest["hash"], f"{change.kind} {checked}", n)
                change_id = self._insert_change(db, result, uid, int(latest["n"]), n, checked)
                return Recorded(version_n=n, new_version=False, change_id=change_id, events=events)
            if latest is not None and latest["hash"] == digest:
                self._seen_again(db, int(latest["id"]), checked)
                n = int(latest["n"])
                change_id = None
                if change is not None and change.kind == "restored":
                    uid = change_uid(row["url"], latest["hash"], f"restored {checked}", n)
                    change_id = self._insert_change(db, result, uid, n, n, checked)
                return Recorded(version_n=n, new_version=False, change_id=change_id, events=events)
            top = self._c.row(
                "SELECT max(n) AS n FROM versions WHERE article_id = ?", [due.article_id]
            )
            n = int(top["n"]) + 1 if top is not None and top["n"] is not None else 1
            db.table("versions").insert(
                {
                    "article_id": due.article_id,
                    "n": n,
                    "hash": digest,
                    "title": article.title,
                    "paragraphs": to_json(list(article.paragraphs)),
                    "published": iso(article.published),
                    "updated": iso(article.updated),
                    "stamps": to_json([s.as_dict() for s in article.stamps]),
                    "language": article.language,
                    "final_url": fetch.final_url,
                    "first_seen_at": checked,
                    "last_seen_at": checked,
                    "seen_count": 1,
                }
            )
            change_id = None  # a first version has no change
            if change is not None and latest is not None:
                uid = change_uid(row["url"], latest["hash"], digest, n)
                change_id = self._insert_change(db, result, uid, int(latest["n"]), n, checked)
            return Recorded(version_n=n, new_version=True, change_id=change_id, events=events)

    @staticmethod
    def _insert_fetch(db: Database, article_id: int, fetch: FetchRecord) -> int:
        return insert_row(
            db,
            "fetches",
            {
                "article_id": article_id,
                "url": fetch.url,
                "started_at": ts(fetch.started_at),
                "outcome": fetch.outcome,
                "status": fetch.status,
                "elapsed_ms": fetch.elapsed_ms,
                "bytes": fetch.bytes,
                "final_url": fetch.final_url,
                "redirects": to_json([_redirect_dict(r) for r in fetch.redirects]),
                "error_kind": fetch.error_kind,
                "error": fetch.error,
            },
        )

    def _insert_change(
        self, db: Database, result: CheckResult, uid: str, from_n: int, to_n: int, checked: str
    ) -> int:
        """The change row and one pending delivery per channel (the outbox)."""
        change = result.change
        assert change is not None
        change_id = insert_row(
            db,
            "changes",
            {
                "uid": uid,
                "article_id": result.due.article_id,
                "from_n": from_n,
                "to_n": to_n,
                "detected_at": checked,
                "title_changed": int(change.title_changed),
                "old_title": change.old_title,
                "new_title": change.new_title,
                "paragraphs_added": change.paragraphs_added,
                "paragraphs_removed": change.paragraphs_removed,
                "paragraphs_modified": change.paragraphs_modified,
                "new_updated_stamp": iso(change.new_updated_stamp),
                "silent": int(change.silent),
                "severity": change.severity,
                "position": change.where,
                "summary": change.summary(),
                "record_json": to_json(change.record()),
                "diff_json": to_json(change.diff_dict()),
                "kind": change.kind,
            },
        )
        routes = [AlertRoute(c) for c in result.channels] + list(result.routes)
        self._outbox.queue_change(
            db, change_id, uid, result.due.article_id, routes, result.checked_at
        )
        return change_id

    @staticmethod
    def _seen_again(db: Database, version_id: int, checked: str) -> None:
        db.execute(
            "UPDATE versions SET last_seen_at = ?, seen_count = seen_count + 1 WHERE id = ?",
            [checked, version_id],
        )

    @staticmethod
    def _update_article(db: Database, result: CheckResult, checked: str) -> None:
        sets = ["last_checked_at = :checked", "next_check_at = :next", "lease_until = NULL"]
        params: dict[str, Any] = {
            "id": result.due.article_id,
            "checked": checked,
            "next": ts(result.next_check_at),
        }
        if result.etag is not None:
            sets.append("etag = :etag")
            params["etag"] = result.etag
        if result.last_modified is not None:
            sets.append("last_modified = :last_modified")
            params["last_modified"] = result.last_modified
        if result.fetch.outcome == "error":
            sets.append("consecutive_failures = consecutive_failures + 1")
            sets.append("last_error = :error")
            params["error"] = result.fetch.error or result.fetch.error_kind or "error"
        elif result.quarantine is not None:
            # the page answered but is no article: shown as failing, the title kept
            sets.append("consecutive_failures = consecutive_failures + 1")
            sets.append("last_error = :error")
            params["error"] = f"quarantined: {result.quarantine}"
            db.execute(f"UPDATE articles SET {', '.join(sets)} WHERE id = :id", params)
            return
        else:
            sets.append("consecutive_failures = 0")
            sets.append("last_error = NULL")
        change = result.change
        if change is not None and change.kind == "removed":
            sets.append("removed_at = coalesce(removed_at, :checked)")
            sets.append("removed_reason = :reason")
            params["reason"] = change.reason
        if result.article is not None or (change is not None and change.kind == "restored"):
            sets.append("removed_at = NULL")
            sets.append("removed_reason = NULL")
        if result.unchanged_checks is not None:
            sets.append("unchanged_checks = :unchanged")
            params["unchanged"] = result.unchanged_checks
        if result.last_change_at is not None:
            sets.append("last_change_at = :changed")
            params["changed"] = ts(result.last_change_at)
        if result.retire:
            sets.append("state = 'retired'")
            sets.append("retired_at = :checked")
        if result.article is not None:
            sets.append("title = :title")
            params["title"] = result.article.title
            if result.article.canonical_url:
                sets.append("canonical_url = :canonical")
                params["canonical"] = result.article.canonical_url
        db.execute(f"UPDATE articles SET {', '.join(sets)} WHERE id = :id", params)
