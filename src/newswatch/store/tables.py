"""The history's tables as both backends hold them, for copying one into the other.

Each table is listed in an order that respects its references, with its key and the columns
whose values need converting between the backends: instants (ISO 8601 text in SQLite,
``timestamptz`` in PostgreSQL), JSON (text, ``jsonb``/``json``) and flags (0/1,
``boolean``). In between, every value is in one neutral form: an aware UTC ``datetime``, the
parsed JSON, a ``bool``, or the plain number or text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    key: tuple[str, ...] = ("id",)
    times: frozenset[str] = field(default_factory=frozenset)
    json: frozenset[str] = field(default_factory=frozenset)
    flags: frozenset[str] = field(default_factory=frozenset)

    @property
    def keyed_by_id(self) -> bool:
        return self.key == ("id",)


def _table(name: str, key: tuple[str, ...] = ("id",), **kinds: str) -> Table:
    def cols(kind: str) -> frozenset[str]:
        return frozenset(kinds.get(kind, "").split())

    return Table(name, key, cols("times"), cols("json"), cols("flags"))


TABLES: tuple[Table, ...] = (
    _table(
        "sources",
        times="created_at updated_at health_since last_discovery_at discovery_lease_until",
        flags="enabled last_discovery_not_modified",
    ),
    _table(
        "articles",
        times="first_seen_at last_checked_at next_check_at lease_until removed_at"
        " publisher_updated last_change_at retired_at",
    ),
    _table("article_sources", ("article_id", "source_id"), times="first_seen_at last_seen_at"),
    _table(
        "versions",
        times="published updated first_seen_at last_seen_at",
        json="paragraphs stamps",
    ),
    _table(
        "changes",
        times="detected_at new_updated_stamp",
        json="record_json diff_json",
        flags="title_changed silent",
    ),
    _table("fetches", times="started_at", json="redirects"),
    _table("events", times="at"),
    _table("deliveries", times="next_attempt_at created_at delivered_at lease_until"),
    _table("quarantine", times="at", json="paragraphs"),
    _table("discovery_validators", ("source_id", "url"), times="checked_at"),
    _table("generations", ("article_id", "generation"), times="made_at", json="report_json"),
    _table(
        "past_versions",
        times="published updated first_seen_at last_seen_at",
        json="paragraphs stamps",
    ),
    _table(
        "past_changes",
        times="detected_at new_updated_stamp",
        json="record_json diff_json",
        flags="title_changed silent",
    ),
    _table("capture_bodies", ("sha256",), times="created_at"),
    _table("captures", times="fetched_at", json="request_headers response_headers redirects"),
    _table("past_capture_links", ("capture_id", "generation")),
)
"""Every table of the history, referenced tables first."""
