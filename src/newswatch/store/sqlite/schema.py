"""The SQLite schema, built and upgraded by newswatch itself.

The schema is an ordered list of migrations; ``schema_migrations`` records which ones a
database has had, so opening an older file upgrades it in place and opening a file written
by a newer newswatch is refused instead of being silently misread. Each migration runs in
its own transaction together with its bookkeeping row, so a crash never leaves a half
applied step. Table and column names are plain so the file reads well in Datasette: times
are ISO 8601 UTC text, JSON columns hold JSON text, booleans are 0/1.

Add a migration by appending a function to :data:`MIGRATIONS`; never edit a released one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from newswatch.errors import StoreError
from newswatch.models import iso


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its version number, a name for the log, and what it does."""

    version: int
    name: str
    apply: Callable[[Database], None]


def _initial(db: Database) -> None:
    """Version 1: sources, articles, versions, changes, fetches, deliveries."""
    db.table("sources").create(
        {
            "id": int,
            "name": str,
            "url": str,
            "kind": str,
            "interval_seconds": float,
            "timezone": str,
            "enabled": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null=["name", "url", "kind", "interval_seconds", "timezone", "enabled"],
        defaults={"enabled": 1, "timezone": "UTC"},
    )
    db.table("sources").create_index(["name"], unique=True)

    db.table("articles").create(
        {
            "id": int,
            "source_id": int,
            "url": str,
            "canonical_url": str,
            "title": str,
            "state": str,
            "first_seen_at": str,
            "last_checked_at": str,
            "next_check_at": str,
            "lease_until": str,
            "lease_token": int,
            "etag": str,
            "last_modified": str,
            "consecutive_failures": int,
            "last_error": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
        not_null=["source_id", "url", "state", "first_seen_at", "lease_token"],
        defaults={"state": "active", "lease_token": 0, "consecutive_failures": 0},
    )
    db.table("articles").create_index(["url"], unique=True)
    db.table("articles").create_index(["canonical_url"])
    db.table("articles").create_index(["state", "next_check_at"])
    db.table("articles").create_index(["source_id"])

    db.table("versions").create(
        {
            "id": int,
            "article_id": int,
            "n": int,
            "hash": str,
            "title": str,
            "paragraphs": str,
            "published": str,
            "updated": str,
            "stamps": str,
            "language": str,
            "final_url": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "seen_count": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        not_null=[
            "article_id",
            "n",
            "hash",
            "title",
            "paragraphs",
            "stamps",
            "first_seen_at",
            "last_seen_at",
            "seen_count",
        ],
        defaults={"seen_count": 1},
    )
    db.table("versions").create_index(["article_id", "n"], unique=True)

    db.table("changes").create(
        {
            "id": int,
            "uid": str,
            "article_id": int,
            "from_n": int,
            "to_n": int,
            "detected_at": str,
            "title_changed": int,
            "old_title": str,
            "new_title": str,
            "paragraphs_added": int,
            "paragraphs_removed": int,
            "paragraphs_modified": int,
            "new_updated_stamp": str,
            "silent": int,
            "severity": str,
            "position": str,
            "summary": str,
            "record_json": str,
            "diff_json": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        not_null=[
            "uid",
            "article_id",
            "from_n",
            "to_n",
            "detected_at",
            "title_changed",
            "paragraphs_added",
            "paragraphs_removed",
            "paragraphs_modified",
            "silent",
            "severity",
            "summary",
            "record_json",
            "diff_json",
        ],
    )
    db.table("changes").create_index(["uid"], unique=True)
    db.table("changes").create_index(["article_id", "id"])

    db.table("fetches").create(
        {
            "id": int,
            "article_id": int,
            "url": str,
            "started_at": str,
            "outcome": str,
            "status": int,
            "elapsed_ms": float,
            "bytes": int,
            "final_url": str,
            "redirects": str,
            "error_kind": str,
            "error": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        not_null=["article_id", "url", "started_at", "outcome", "redirects"],
    )
    db.table("fetches").create_index(["article_id", "id"])

    db.table("deliveries").create(
        {
            "id": int,
            "change_id": int,
            "channel": str,
            "key": str,
            "state": str,
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "created_at": str,
            "delivered_at": str,
        },
        pk="id",
        foreign_keys=[("change_id", "changes", "id")],
        not_null=["change_id", "channel", "key", "state", "attempts", "next_attempt_at"],
        defaults={"state": "pending", "attempts": 0},
    )
    db.table("deliveries").create_index(["key"], unique=True)
    db.table("deliveries").create_index(["state", "next_attempt_at"])
    db.table("deliveries").create_index(["change_id"])


def _alert_routing(db: Database) -> None:
    """Version 2: source health, source/article events, event and digest deliveries.

    A delivery now announces a change, an event or a digest of held changes, so
    ``change_id`` becomes optional; ``source_id`` lets digests and ``newswatch sources``
    group deliveries without joining through changes.
    """
    sources = db.table("sources")
    sources.add_column("health", str, not_null_default="ok")
    sources.add_column("failure_streak", int, not_null_default=0)
    sources.add_column("extract_streak", int, not_null_default=0)
    sources.add_column("health_since", str)
    sources.add_column("health_error", str)

    db.table("events").create(
        {
            "id": int,
            "uid": str,
            "source_id": int,
            "article_id": int,
            "kind": str,
            "message": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id"), ("article_id", "articles", "id")],
        not_null=["uid", "source_id", "kind", "message", "at"],
    )
    db.table("events").create_index(["uid"], unique=True)
    db.table("events").create_index(["source_id", "id"])

    deliveries = db.table("deliveries")
    deliveries.transform(not_null={"change_id": False})
    deliveries.add_column("kind", str, not_null_default="change")
    deliveries.add_column("event_id", int)
    deliveries.add_column("source_id", int)
    deliveries.add_column("digest_id", int)
    db.execute(
        "UPDATE deliveries SET source_id = (SELECT a.source_id FROM changes c"
        " JOIN articles a ON a.id = c.article_id WHERE c.id = deliveries.change_id)"
    )
    deliveries.create_index(["channel", "source_id", "created_at"])
    deliveries.create_index(["digest_id"])


#: characters the full-text index drops so a search matches with or without them: Arabic
#: tatweel and the common harakat (fathatan .. sukun, superscript alef). Fixed once written
#: into a database's triggers; changing it needs a new migration that rebuilds the index.
_FTS_DROPPED = "\u0640\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"


def _fts_fold(expr: str) -> str:
    """SQL that removes :data:`_FTS_DROPPED` from ``expr`` (plain SQL: any SQLite tool that
    inserts a version keeps the index right, no newswatch function needed)."""
    for char in _FTS_DROPPED:
        expr = f"replace({expr}, char({ord(char)}), '')"
    return expr


def _fts_body(column: str) -> str:
    """The paragraphs JSON array of ``column`` as one text, a paragraph per line."""
    return _fts_fold(f"(SELECT group_concat(value, char(10)) FROM json_each({column}))")


def _search(db: Database) -> None:
    """Version 3: full-text search over every version (FTS5), kept by triggers; an index
    for date-range filters on changes.

    ``versions_fts`` holds each version's title and body, its rowid being ``versions.id``;
    the triggers keep it in step with any insert, update or delete on ``versions``.
    """
    db.execute(
        "CREATE VIRTUAL TABLE versions_fts USING fts5("
        " title, body, tokenize = \"unicode61 remove_diacritics 2 categories 'L* N* Co M*'\")"
    )
    insert = (
        "INSERT INTO versions_fts (rowid, title, body) VALUES"
        f" (new.id, {_fts_fold('new.title')}, {_fts_body('new.paragraphs')});"
    )
    delete = "DELETE FROM versions_fts WHERE rowid = old.id;"
    db.execute(f"CREATE TRIGGER versions_fts_insert AFTER INSERT ON versions BEGIN {insert} END")
    db.execute(f"CREATE TRIGGER versions_fts_delete AFTER DELETE ON versions BEGIN {delete} END")
    db.execute(
        "CREATE TRIGGER versions_fts_update AFTER UPDATE OF title, paragraphs ON versions"
        f" BEGIN {delete} {insert} END"
    )
    db.execute(
        "INSERT INTO versions_fts (rowid, title, body) SELECT id,"
        f" {_fts_fold('title')}, {_fts_body('paragraphs')} FROM versions"
    )
    db.table("changes").create_index(["detected_at"])


def _discovery(db: Database) -> None:
    """Version 4: which sources found each article, unpublish state, publisher dates, kinds.

    ``article_sources`` records every source that found an article (one article row however
    many feeds list it); ``articles.merged_into`` points a duplicate found under another URL
    (same canonical URL) at the row that is watched. ``removed_at``/``removed_reason`` mark
    an article whose page is gone (it is still re-checked, to see it return);
    ``publisher_updated`` is the newest feed ``updated``/sitemap ``lastmod`` seen for it.
    Changes get a ``kind`` (edit, removed, restored); sources their last discovery.
    """
    db.table("article_sources").create(
        {"article_id": int, "source_id": int, "first_seen_at": str, "last_seen_at": str},
        pk=("article_id", "source_id"),
        foreign_keys=[("article_id", "articles", "id"), ("source_id", "sources", "id")],
        not_null=["article_id", "source_id", "first_seen_at", "last_seen_at"],
    )
    db.table("article_sources").create_index(["source_id", "article_id"])
    db.execute(
        "INSERT INTO article_sources (article_id, source_id, first_seen_at, last_seen_at)"
        " SELECT id, source_id, first_seen_at, first_seen_at FROM articles"
    )
    articles = db.table("articles")
    articles.add_column("removed_at", str)
    articles.add_column("removed_reason", str)
    articles.add_column("publisher_updated", str)
    articles.add_column("merged_into", int)
    db.table("changes").add_column("kind", str, not_null_default="edit")
    sources = db.table("sources")
    sources.add_column("last_discovery_at", str)
    sources.add_column("last_discovery_error", str)
    sources.add_column("last_discovered", int)


def _quarantine(db: Database) -> None:
    """Version 5: extractions refused as a new version (consent walls, soft 404s, ...)."""
    db.table("quarantine").create(
        {
            "id": int,
            "article_id": int,
            "fetch_id": int,
            "at": str,
            "reason": str,
            "hash": str,
            "title": str,
            "paragraphs": str,
            "words": int,
            "after_n": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("fetch_id", "fetches", "id")],
        not_null=["article_id", "fetch_id", "at", "reason", "hash", "title", "paragraphs"],
    )
    db.table("quarantine").create_index(["article_id", "id"])
    db.table("quarantine").create_index(["fetch_id"], unique=True)


def _schedule_state(db: Database) -> None:
    """Version 6: what the adaptive re-check schedule needs per article."""
    articles = db.table("articles")
    articles.add_column("unchanged_checks", int, not_null_default=0)
    articles.add_column("last_change_at", str)
    articles.add_column("retired_at", str)


def _discovery_validators(db: Database) -> None:
    """Version 7: conditional GET for discovery.

    ``discovery_validators`` keeps, per source and fetched document (the source URL, each
    child sitemap), the ETag/Last-Modified of the last successful read, sent back on the
    next discovery; ``settings`` fingerprints the source's discovery settings so a changed
    ``pattern`` or ``select`` reads the documents in full again. A source whose document
    answered 304 has ``last_discovery_not_modified`` set.
    """
    db.table("discovery_validators").create(
        {
            "source_id": int,
            "url": str,
            "etag": str,
            "last_modified": str,
            "settings": str,
            "checked_at": str,
        },
        pk=("source_id", "url"),
        foreign_keys=[("source_id", "sources", "id")],
        not_null=["source_id", "url", "settings", "checked_at"],
    )
    db.table("sources").add_column("last_discovery_not_modified", int, not_null_default=0)


def _delivery_leases(db: Database) -> None:
    """Version 8: deliveries are claimed with a lease and a fencing token, like articles,
    so several processes on one database never send one delivery at the same time."""
    deliveries = db.table("deliveries")
    deliveries.add_column("lease_until", str)
    deliveries.add_column("lease_token", int, not_null_default=0)


def _volatile(db: Database) -> None:
    """Version 9: volatile fragments learned per article (judge/volatile's templates)."""
    db.execute(
        "CREATE TABLE volatile (id INTEGER PRIMARY KEY,"
        " article_id INTEGER NOT NULL REFERENCES articles (id),"
        " template TEXT NOT NULL, learned_at TEXT NOT NULL, UNIQUE (article_id, template))"
    )


def _generations(db: Database) -> None:
    """Version 10: extraction generations.

    ``versions`` and ``changes`` always hold an article's current reading, the one every
    reader shows; ``articles.generation`` numbers it (every history recorded so far is
    generation 1). A re-extraction moves the reading it replaces into ``past_versions`` and
    ``past_changes`` (tagged with its generation, still readable and comparable) and notes
    the new generation, with its report, in ``generations``.
    """
    db.table("articles").add_column("generation", int, not_null_default=1)
    db.execute(
        "CREATE TABLE generations (article_id INTEGER NOT NULL REFERENCES articles (id),"
        " generation INTEGER NOT NULL, made_at TEXT NOT NULL, versions INTEGER NOT NULL,"
        " changes INTEGER NOT NULL, report_json TEXT NOT NULL,"
        " PRIMARY KEY (article_id, generation))"
    )
    db.execute(
        "CREATE TABLE past_versions (id INTEGER PRIMARY KEY,"
        " article_id INTEGER NOT NULL REFERENCES articles (id), generation INTEGER NOT NULL,"
        " n INTEGER NOT NULL, hash TEXT NOT NULL, title TEXT NOT NULL, paragraphs TEXT NOT NULL,"
        " published TEXT, updated TEXT, stamps TEXT NOT NULL, language TEXT, final_url TEXT,"
        " first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, seen_count INTEGER NOT NULL,"
        " UNIQUE (article_id, generation, n))"
    )
    db.execute(
        "CREATE TABLE past_changes (id INTEGER PRIMARY KEY, change_id INTEGER NOT NULL,"
        " article_id INTEGER NOT NULL REFERENCES articles (id), generation INTEGER NOT NULL,"
        " uid TEXT NOT NULL, from_n INTEGER NOT NULL, to_n INTEGER NOT NULL,"
        " detected_at TEXT NOT NULL, title_changed INTEGER NOT NULL, old_title TEXT,"
        " new_title TEXT, paragraphs_added INTEGER NOT NULL, paragraphs_removed INTEGER NOT NULL,"
        " paragraphs_modified INTEGER NOT NULL, new_updated_stamp TEXT, silent INTEGER NOT NULL,"
        " severity TEXT NOT NULL, position TEXT, summary TEXT NOT NULL,"
        " record_json TEXT NOT NULL, diff_json TEXT NOT NULL, kind TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX past_changes_article ON past_changes (article_id, generation, id)")


def _captures(db: Database) -> None:
    """Version 11: raw captures. ``capture_bodies`` holds each distinct body once, keyed by
    the SHA-256 of the bytes as received, zstd-compressed; ``captures`` one row per kept
    exchange (request and response headers as JSON lists of pairs), linked to its fetch
    and to the version it made or confirmed."""
    db.execute(
        "CREATE TABLE capture_bodies (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL,"
        " stored INTEGER NOT NULL, zstd BLOB NOT NULL, created_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE captures (id INTEGER PRIMARY KEY,"
        " article_id INTEGER NOT NULL REFERENCES articles (id),"
        " fetch_id INTEGER NOT NULL UNIQUE REFERENCES fetches (id),"
        " role TEXT NOT NULL, version_n INTEGER, url TEXT NOT NULL, final_url TEXT NOT NULL,"
        " method TEXT NOT NULL, request_headers TEXT NOT NULL, status INTEGER NOT NULL,"
        " response_headers TEXT NOT NULL, http_version TEXT NOT NULL, redirects TEXT NOT NULL,"
        " fetched_at TEXT NOT NULL,"
        " body_sha256 TEXT NOT NULL REFERENCES capture_bodies (sha256),"
        " body_size INTEGER NOT NULL)"
    )
    db.execute("CREATE INDEX captures_article ON captures (article_id, version_n)")
    db.execute("CREATE INDEX captures_fetched ON captures (fetched_at)")
    db.execute("CREATE INDEX captures_body ON captures (body_sha256)")


def _discovery_leases(db: Database) -> None:
    """Version 12: a source's discovery is leased to one process at a time
    (``discovery_lease_until``), fenced by ``discovery_token``."""
    db.table("sources").add_column("discovery_lease_until", str)
    db.table("sources").add_column("discovery_token", int, not_null_default=0)


def _retired_index(db: Database) -> None:
    """Version 13: every claim revives articles retired "in the future" (by a clock that ran
    ahead); without this small partial index that look was a scan of every article."""
    db.execute("CREATE INDEX articles_retired ON articles (retired_at) WHERE state = 'retired'")


def _past_capture_links(db: Database) -> None:
    """Version 14: a re-extraction renumbers versions, so it relinks the article's captures
    (``captures.role``/``version_n`` always speak of the current generation) and keeps the
    links it replaced here, tagged with their generation."""
    db.execute(
        "CREATE TABLE past_capture_links (capture_id INTEGER NOT NULL,"
        " article_id INTEGER NOT NULL REFERENCES articles (id), generation INTEGER NOT NULL,"
        " role TEXT NOT NULL, version_n INTEGER, PRIMARY KEY (capture_id, generation))"
    )
    db.execute(
        "CREATE INDEX past_capture_links_version"
        " ON past_capture_links (article_id, generation, version_n)"
    )


def _capture_bases(db: Database) -> None:
    """Version 15: a body may be a frame compressed against another stored body (``base``:
    a confirmation against the body that made its version), kept while a frame needs it.
    No foreign key: a copy between databases writes a table's rows in key order, a frame
    before its base as often as not; writers check the base (see ``store.sql.captures``)."""
    db.execute("ALTER TABLE capture_bodies ADD COLUMN base TEXT")
    db.execute("CREATE INDEX capture_bodies_base ON capture_bodies (base) WHERE base IS NOT NULL")


def _readings(db: Database) -> None:
    """Version 16: how each version was read from the page that made it (``reading``, set
    by the checker; NULL for versions made before, or rebuilt by a re-extraction), so a
    later page differing only in what extraction ignores is not extracted again."""
    db.execute("ALTER TABLE versions ADD COLUMN reading TEXT")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _initial),
    Migration(2, "alert routing: events, source health, digests", _alert_routing),
    Migration(3, "full-text search over versions", _search),
    Migration(4, "discovery, dedup and unpublish state", _discovery),
    Migration(5, "quarantine", _quarantine),
    Migration(6, "adaptive schedule state", _schedule_state),
    Migration(7, "discovery validators (conditional GET)", _discovery_validators),
    Migration(8, "delivery leases", _delivery_leases),
    Migration(9, "volatile fragments", _volatile),
    Migration(10, "extraction generations", _generations),
    Migration(11, "raw captures", _captures),
    Migration(12, "discovery leases", _discovery_leases),
    Migration(13, "index of retired articles", _retired_index),
    Migration(14, "capture links of past generations", _past_capture_links),
    Migration(15, "capture bodies compressed against a base", _capture_bases),
    Migration(16, "how each version was read", _readings),
)
"""Every schema step in order; ``MIGRATIONS[-1].version`` is the version this code writes."""

LATEST_VERSION = MIGRATIONS[-1].version


def _ensure_bookkeeping(db: Database) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )


def current_version(db: Database) -> int:
    """The highest migration applied to ``db`` (0 for an empty database)."""
    if not db.table("schema_migrations").exists():
        return 0
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(
    db: Database, now: datetime, migrations: tuple[Migration, ...] = MIGRATIONS
) -> list[int]:
    """Apply the pending ``migrations`` to ``db``; return the versions applied.

    Each step takes the write lock (``BEGIN IMMEDIATE``) and re-reads the version inside
    its transaction, so two processes opening the same new file do not both apply it.
    Raises :class:`StoreError` when the database is newer than ``migrations`` know.
    """
    latest = migrations[-1].version if migrations else 0
    _ensure_bookkeeping(db)
    found = current_version(db)
    if found > latest:
        raise StoreError(
            f"database schema version {found} is newer than this newswatch supports "
            f"({latest}); upgrade newswatch"
        )
    applied: list[int] = []
    for step in migrations:
        if step.version <= found:
            continue
        with db.conn:
            db.execute("BEGIN IMMEDIATE")
            if current_version(db) >= step.version:
                continue  # another process got there first
            step.apply(db)
            db.table("schema_migrations").insert(
                {"version": step.version, "name": step.name, "applied_at": iso(now)}
            )
        applied.append(step.version)
    return applied
