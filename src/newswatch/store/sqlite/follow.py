"""SQL for following discovered articles: dedup across sources, publisher dates, merges.

What a publisher date does is decided by :mod:`newswatch.judge.signals`; here it is read
(:func:`followed`) and written (:func:`apply_signal`).

Kept apart from :mod:`.sources` and :mod:`.checking` (which call these inside their
transactions) so those stay about set-up and the check cycle. Every function takes the open
:class:`sqlite_utils.Database` of a running transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from newswatch import following
from newswatch.models import parse_iso
from newswatch.store.records import Followed, SignalWrite
from newswatch.store.sqlite.rows import ts


def _one(db: Database, sql: str, params: list[Any]) -> dict[str, Any] | None:
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def link_source(db: Database, article_id: int, source_id: int, stamp: str) -> None:
    """Record that ``source_id`` lists ``article_id`` (first and last time it was seen)."""
    db.execute(
        "INSERT INTO article_sources (article_id, source_id, first_seen_at, last_seen_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (article_id, source_id)"
        " DO UPDATE SET last_seen_at = excluded.last_seen_at",
        [article_id, source_id, stamp, stamp],
    )


def resolve(db: Database, url: str) -> dict[str, Any] | None:
    """The watched article for ``url``: by URL, else by canonical URL; a duplicate resolves
    to the article it was merged into."""
    row = _one(db, "SELECT id, merged_into FROM articles WHERE url = ?", [url])
    if row is None:
        row = _one(
            db,
            "SELECT id, merged_into FROM articles WHERE canonical_url = ?"
            " AND merged_into IS NULL ORDER BY id LIMIT 1",
            [url],
        )
    if row is None:
        return None
    target = int(row["merged_into"] or row["id"])
    return _one(
        db,
        "SELECT id, source_id, state, next_check_at, last_checked_at, publisher_updated,"
        " retired_at, merged_into FROM articles WHERE id = ?",
        [target],
    )


def followed(db: Database, url: str) -> Followed | None:
    """The watched article a publisher date for ``url`` is about, as it stands."""
    row = resolve(db, url)
    if row is None:
        return None
    return Followed(
        article_id=int(row["id"]),
        state=row["state"],
        schedule_retired=row["retired_at"] is not None and row["merged_into"] is None,
        next_check_at=parse_iso(row["next_check_at"]),
        last_checked_at=parse_iso(row["last_checked_at"]),
        publisher_updated=parse_iso(row["publisher_updated"]),
    )


def apply_signal(db: Database, source_id: int, write: SignalWrite, now: datetime) -> bool:
    """Write one planned publisher signal; True when it made the article due now (a wake
    is written only if the article is still retired by the schedule)."""
    stamp = ts(now)
    db.execute(
        "UPDATE articles SET publisher_updated = ? WHERE id = ?",
        [ts(write.publisher_updated), write.article_id],
    )
    link_source(db, write.article_id, source_id, stamp)
    if write.wake:
        cursor = db.execute(
            "UPDATE articles SET state = 'active', retired_at = NULL, next_check_at = ?,"
            " unchanged_checks = 0 WHERE id = ? AND state = 'retired'"
            " AND retired_at IS NOT NULL AND merged_into IS NULL",
            [stamp, write.article_id],
        )
        return cursor.rowcount > 0
    if write.due_now:
        db.execute("UPDATE articles SET next_check_at = ? WHERE id = ?", [stamp, write.article_id])
        return True
    return False


def merge_into(db: Database, article_id: int, survivor: int, canonical: str, stamp: str) -> None:
    """Retire ``article_id`` as a duplicate of ``survivor``; what the survivor inherits (its
    sources, the newest publisher date) is decided by :mod:`newswatch.following`."""
    db.execute(
        "UPDATE articles SET state = 'retired', merged_into = ?, canonical_url = ?,"
        " lease_until = NULL, last_checked_at = ?, next_check_at = NULL WHERE id = ?",
        [survivor, canonical, stamp, article_id],
    )
    links = [
        following.SourceLink(int(r[0]), _stamp(r[1]), _stamp(r[2]))
        for r in db.execute(
            "SELECT source_id, first_seen_at, last_seen_at FROM article_sources"
            " WHERE article_id = ? ORDER BY source_id",
            [article_id],
        ).fetchall()
    ]
    has = [
        int(r[0])
        for r in db.execute(
            "SELECT source_id FROM article_sources WHERE article_id = ?", [survivor]
        ).fetchall()
    ]
    db.conn.executemany(
        "INSERT INTO article_sources (article_id, source_id, first_seen_at, last_seen_at)"
        " VALUES (?, ?, ?, ?)",
        [
            (survivor, link.source_id, ts(link.first_seen_at), ts(link.last_seen_at))
            for link in following.inherited_sources(links, has)
        ],
    )
    dates = db.execute(
        "SELECT publisher_updated FROM articles WHERE id IN (?, ?)", [survivor, article_id]
    ).fetchall()
    newest = following.newest_date(*(parse_iso(r[0]) for r in dates))
    db.execute(
        "UPDATE articles SET publisher_updated = ? WHERE id = ?",
        [ts(newest) if newest is not None else None, survivor],
    )


def _stamp(value: str) -> datetime:
    parsed = parse_iso(value)
    assert parsed is not None  # article_sources stamps are NOT NULL
    return parsed
