"""Raw captures, for both backends: written inside a check's transaction, read back by digest.

The body rows are content-addressed (a conflict on the SHA-256 is skipped), so a page fetched
unchanged a hundred times, by however many hosts, is stored once; the capture rows are what
differs per fetch (headers, time, redirects). Pruning drops capture rows and then the bodies
no row names.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from newswatch.models import Redirect
from newswatch.store.records import (
    CaptureFilter,
    CapturePrune,
    CaptureUsage,
    CaptureWrite,
    Headers,
    MadeReading,
    Pruned,
    StoredBody,
    StoredCapture,
)
from newswatch.store.sql.dialect import Db, Dialect, Executor, Row
from newswatch.store.sql.readers import CURRENT_VERSION
from newswatch.store.sql.rows import Records
from newswatch.store.sql.writes import redirect_dict

_SELECT = (
    "SELECT c.*, s.name AS source_name FROM captures c"
    " JOIN articles a ON a.id = c.article_id JOIN sources s ON s.id = a.source_id"
)

_VERSION_COLUMNS = (
    "v.article_id, v.n, v.hash, v.title, v.paragraphs, v.published, v.updated, v.stamps,"
    " v.language, v.final_url, v.first_seen_at, v.last_seen_at, v.seen_count, v.reading"
)

_INSERT_BODY = (
    "INSERT INTO capture_bodies (sha256, size, stored, zstd, base, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING"
)


def base_present(tx: Executor, d: Dialect, capture: CaptureWrite, lock: str = "") -> bool:
    """Whether the body ``capture`` was compressed against is still stored (always, for a
    plain frame), asked inside the transaction that will write the capture.

    Pruning must not take the base away between this answer and the commit: SQLite runs
    one writer at a time; on PostgreSQL ``lock`` takes ``capture_bodies`` in ROW EXCLUSIVE
    mode first (as any insert would, and checks do not wait for one another), which a
    pruning's SHARE ROW EXCLUSIVE lock waits for (see :class:`Captures`), so the pruning's
    look for frames naming a base sees this one, or this look sees the base gone."""
    if capture.body_base is None:
        return True
    if lock:
        tx.execute(lock)
    found = tx.execute(
        d.sql("SELECT 1 FROM capture_bodies WHERE sha256 = ? AND base IS NULL"),
        [capture.body_base],
    ).fetchone()
    return found is not None


def insert_capture(
    tx: Executor, d: Dialect, article_id: int, fetch_id: int, capture: CaptureWrite, now: Any
) -> None:
    """Write one capture (and its body, unless a body of that digest is stored already);
    ``now`` is already a parameter of the dialect (``d.time`` of the check's instant)."""
    tx.execute(
        d.sql(_INSERT_BODY),
        [
            capture.body_sha256,
            capture.body_size,
            len(capture.body_zstd),
            capture.body_zstd,
            capture.body_base,
            now,
        ],
    )
    values = {
        "article_id": article_id,
        "fetch_id": fetch_id,
        "role": capture.role,
        "version_n": capture.version_n,
        "url": capture.url,
        "final_url": capture.final_url,
        "method": capture.method,
        "request_headers": d.json([list(h) for h in capture.request_headers]),
        "status": capture.status,
        "response_headers": d.json([list(h) for h in capture.response_headers]),
        "http_version": capture.http_version,
        "redirects": d.json([redirect_dict(r) for r in capture.redirects]),
        "fetched_at": d.time(capture.fetched_at),
        "body_sha256": capture.body_sha256,
        "body_size": capture.body_size,
    }
    marks = ", ".join("?" for _ in values)
    tx.execute(
        d.sql(f"INSERT INTO captures ({', '.join(values)}) VALUES ({marks})"), list(values.values())
    )


def _headers(value: Any) -> Headers:
    return tuple((str(name), str(val)) for name, val in value)


def capture_record(row: Row, d: Dialect) -> StoredCapture:
    return StoredCapture(
        id=int(row["id"]),
        article_id=int(row["article_id"]),
        fetch_id=int(row["fetch_id"]),
        source=str(row["source_name"]),
        role=row["role"],
        version_n=row["version_n"],
        url=row["url"],
        final_url=row["final_url"],
        method=row["method"],
        request_headers=_headers(d.read_json(row["request_headers"])),
        status=int(row["status"]),
        response_headers=_headers(d.read_json(row["response_headers"])),
        http_version=row["http_version"],
        redirects=tuple(
            Redirect(int(r["status"]), str(r["url"]), str(r["location"]))
            for r in d.read_json(row["redirects"])
        ),
        fetched_at=d.required_time(row["fetched_at"]),
        body_sha256=row["body_sha256"],
        body_size=int(row["body_size"]),
    )


#: a capture that made a version of an earlier generation is pruned only with role ``made``
#: asked for: it is that version's page, and the next re-extraction reads it again
_NOT_PAST_MADE = (
    "NOT EXISTS (SELECT 1 FROM past_capture_links l WHERE l.capture_id = c.id AND l.role = 'made')"
)

#: the past links of pruned captures go with them (an id is never left to a later capture)
_UNLINK_PRUNED = (
    "DELETE FROM past_capture_links WHERE NOT EXISTS"
    " (SELECT 1 FROM captures c WHERE c.id = past_capture_links.capture_id)"
)


_ORPHAN_BODIES = (
    "DELETE FROM capture_bodies WHERE NOT EXISTS"
    " (SELECT 1 FROM captures c WHERE c.body_sha256 = capture_bodies.sha256)"
    " AND NOT EXISTS (SELECT 1 FROM capture_bodies d WHERE d.base = capture_bodies.sha256)"
)


def _body(row: Row) -> StoredBody:
    return StoredBody(str(row["sha256"]), bytes(row["zstd"]), row["base"])


class Captures:
    """The capture reader and pruning over one backend's connection. ``prune_lock`` is
    run before a pruning looks for the bodies nothing needs (PostgreSQL: the lock that
    waits for the checks writing a frame against a base, see :func:`base_present`)."""

    def __init__(self, db: Db, dialect: Dialect, prune_lock: str = "") -> None:
        self.db = db
        self.d = dialect
        self.prune_lock = prune_lock

    def captures(self, filters: CaptureFilter, *, limit: int | None = None) -> list[StoredCapture]:
        where, params = self._where(filters)
        sql = f"{_SELECT}{where} ORDER BY c.fetched_at, c.id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [capture_record(r, self.d) for r in self.db.rows(self.d.sql(sql), params)]

    def capture(self, capture_id: int) -> StoredCapture | None:
        row = self.db.row(self.d.sql(f"{_SELECT} WHERE c.id = ?"), [capture_id])
        return capture_record(row, self.d) if row is not None else None

    def version_capture(
        self, article_id: int, n: int, generation: int | None = None
    ) -> StoredCapture | None:
        sql = self.d.sql
        if generation is not None:
            link = self.db.row(
                sql(
                    "SELECT capture_id, role, version_n FROM past_capture_links"
                    " WHERE article_id = ? AND generation = ? AND version_n = ?"
                    " ORDER BY role != 'made', capture_id LIMIT 1"
                ),
                [article_id, generation, n],
            )
            if link is not None:
                found = self.capture(int(link["capture_id"]))
                if found is None:
                    return None
                return replace(found, role=link["role"], version_n=link["version_n"])
            current = self.db.row(sql("SELECT generation FROM articles WHERE id = ?"), [article_id])
            if current is None or int(current["generation"]) != generation:
                return None
        row = self.db.row(
            sql(
                f"{_SELECT} WHERE c.article_id = ? AND c.version_n = ?"
                " ORDER BY c.role != 'made', c.fetched_at, c.id LIMIT 1"
            ),
            [article_id, n],
        )
        return capture_record(row, self.d) if row is not None else None

    def capture_body(self, sha256: str) -> StoredBody | None:
        row = self.db.row(
            self.d.sql("SELECT sha256, zstd, base FROM capture_bodies WHERE sha256 = ?"), [sha256]
        )
        return _body(row) if row is not None else None

    def version_body(self, article_id: int, n: int) -> StoredBody | None:
        row = self.db.row(
            self.d.sql(
                "SELECT b.sha256, b.zstd, b.base FROM captures c"
                " JOIN capture_bodies b ON b.sha256 = c.body_sha256"
                " WHERE c.article_id = ? AND c.version_n = ? AND c.role = 'made'"
                " AND b.base IS NULL ORDER BY c.id DESC LIMIT 1"
            ),
            [article_id, n],
        )
        return _body(row) if row is not None else None

    def made_reading(self, article_id: int) -> MadeReading | None:
        # one statement, so the version and the body that made it are of one generation
        row = self.db.row(
            self.d.sql(
                f"SELECT v.*, b.sha256, b.zstd, b.base FROM (SELECT {_VERSION_COLUMNS}"
                f" FROM versions v {CURRENT_VERSION}) AS v"
                " JOIN captures c ON c.article_id = ? AND c.version_n = v.n"
                " AND c.role = 'made'"
                " JOIN capture_bodies b ON b.sha256 = c.body_sha256 AND b.base IS NULL"
                " WHERE v.reading IS NOT NULL ORDER BY c.id DESC LIMIT 1"
            ),
            [article_id, article_id, article_id],
        )
        if row is None:
            return None
        return MadeReading(Records(self.d).version(row), str(row["reading"]), _body(row))

    def capture_usage(self) -> list[CaptureUsage]:
        rows = self.db.rows(
            "SELECT s.name AS source, count(*) AS captures,"
            " count(DISTINCT c.body_sha256) AS bodies, sum(c.body_size) AS raw"
            " FROM captures c JOIN articles a ON a.id = c.article_id"
            " JOIN sources s ON s.id = a.source_id GROUP BY s.name ORDER BY s.name"
        )
        stored = {
            r["source"]: int(r["stored"] or 0)
            for r in self.db.rows(
                "SELECT source, sum(stored) AS stored FROM (SELECT DISTINCT s.name AS source,"
                " b.sha256, b.stored FROM captures c JOIN capture_bodies b"
                " ON b.sha256 = c.body_sha256 JOIN articles a ON a.id = c.article_id"
                " JOIN sources s ON s.id = a.source_id) AS used GROUP BY source"
            )
        }
        return [
            CaptureUsage(
                source=r["source"],
                captures=int(r["captures"]),
                bodies=int(r["bodies"]),
                raw_bytes=int(r["raw"] or 0),
                stored_bytes=stored.get(r["source"], 0),
            )
            for r in rows
        ]

    def prune_captures(self, rule: CapturePrune) -> Pruned:
        if not rule.roles:
            return Pruned(0, 0)
        where = ["c.role IN (" + ", ".join("?" for _ in rule.roles) + ")"]
        if "made" not in rule.roles:
            where.append(_NOT_PAST_MADE)
        params: list[Any] = list(rule.roles)
        if rule.source is not None:
            where.append("s.name = ?")
            params.append(rule.source)
        if rule.before is not None:
            where.append("c.fetched_at < ?")
            params.append(self.d.time(rule.before))
        doomed = (
            "SELECT c.id FROM captures c JOIN articles a ON a.id = c.article_id"
            " JOIN sources s ON s.id = a.source_id WHERE " + " AND ".join(where)
        )
        with self.db.transaction() as tx:
            captures = tx.execute(
                self.d.sql(f"DELETE FROM captures WHERE id IN ({doomed})"), params
            ).rowcount
            tx.execute(_UNLINK_PRUNED)
            if self.prune_lock:
                tx.execute(self.prune_lock)
            # the bodies no capture names, a base once no frame left is compressed against
            # it (a base names no base: two rounds at most)
            bodies = 0
            while True:
                gone = tx.execute(_ORPHAN_BODIES).rowcount
                bodies += int(gone)
                if not gone:
                    break
        return Pruned(int(captures), bodies)

    def _where(self, filters: CaptureFilter) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if filters.article_id is not None:
            where.append("c.article_id = ?")
            params.append(filters.article_id)
        if filters.source is not None:
            where.append("s.name = ?")
            params.append(filters.source)
        if filters.since is not None:
            where.append("c.fetched_at >= ?")
            params.append(self.d.time(filters.since))
        if filters.until is not None:
            where.append("c.fetched_at < ?")
            params.append(self.d.time(filters.until))
        if filters.versions_only:
            where.append("c.role IN ('made', 'confirmed')")
        return (" WHERE " + " AND ".join(where) if where else ""), params
