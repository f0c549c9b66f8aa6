"""Validators of discovered documents: the ETag/Last-Modified each feed, sitemap or index
page of a source was last read with, so the next discovery can ask for it conditionally."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from newswatch.errors import StoreError
from newswatch.store.records import DocumentValidators
from newswatch.store.sqlite.connection import SqliteConnection
from newswatch.store.sqlite.rows import ts


class ValidatorStore:
    """Reading and keeping discovery validators, per source and document URL."""

    def __init__(self, c: SqliteConnection) -> None:
        self._c = c

    def discovery_validators(self, source: str, settings: str) -> list[DocumentValidators]:
        """The source's validators kept under these ``settings`` (none under others)."""
        rows = self._c.rows(
            "SELECT v.url, v.etag, v.last_modified FROM discovery_validators v"
            " JOIN sources s ON s.id = v.source_id WHERE s.name = ? AND v.settings = ?"
            " ORDER BY v.url",
            [source, settings],
        )
        return [DocumentValidators(r["url"], r["etag"], r["last_modified"]) for r in rows]

    def save_discovery_validators(
        self,
        source: str,
        settings: str,
        validators: Sequence[DocumentValidators],
        now: datetime,
    ) -> None:
        """Upsert the validators of documents just read; a document now served without any
        validator loses its row (nothing to send back)."""
        stamp = ts(now)
        with self._c.transaction() as db:
            row = self._c.row("SELECT id FROM sources WHERE name = ?", [source])
            if row is None:
                raise StoreError(f"unknown source {source!r}")
            source_id = int(row["id"])
            for v in validators:
                if v.etag is None and v.last_modified is None:
                    db.execute(
                        "DELETE FROM discovery_validators WHERE source_id = ? AND url = ?",
                        [source_id, v.url],
                    )
                    continue
                db.execute(
                    "INSERT INTO discovery_validators"
                    " (source_id, url, etag, last_modified, settings, checked_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, url) DO UPDATE SET"
                    " etag = excluded.etag, last_modified = excluded.last_modified,"
                    " settings = excluded.settings, checked_at = excluded.checked_at",
                    [source_id, v.url, v.etag, v.last_modified, settings, stamp],
                )
