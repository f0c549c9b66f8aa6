"""Immutable records that flow between the modules.

Every stage of the pipeline (fetch -> extract -> store -> diff -> alert) hands the next one
one of these frozen dataclasses, never a loose dict, so that the contract between modules is
checked by mypy and a record cannot be changed behind its producer's back. ``as_dict`` gives
the JSON form of the design's contracts (times ISO 8601, normalised to UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

StampKind = Literal["published", "updated", "correction"]
StampSource = Literal["jsonld", "meta", "time", "text"]
Severity = Literal["minor", "major"]
ParagraphOpKind = Literal["equal", "added", "removed", "modified", "moved"]
WordOpKind = Literal["equal", "added", "removed"]
Where = Literal["top", "bottom", "middle", "throughout"]
ChangeKind = Literal["edit", "correction", "revert", "headline_test", "removed", "restored"]


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with an explicit offset, normalised to UTC (the JSON contract)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: every instant must carry a zone")
    return value.astimezone(UTC).isoformat()


def parse_iso(value: str | None) -> datetime | None:
    """Inverse of :func:`iso` for values read back from the store."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# --------------------------------------------------------------------------- extraction


PagePatch = tuple[int, tuple[tuple[int, int, int, bytes], ...]]
"""A page given as another page (its base) cut at every ``<`` (how many pieces), with spans
of those pieces replaced: (piece, start, end, the page's bytes there), in page order. The
reader of a page again proves one (:mod:`newswatch.extract.reread`); a capture stores it
(:mod:`newswatch.archive.bodies`)."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """One publish/update/correction stamp read from a page, with where it was read."""

    kind: StampKind
    text: str
    at: datetime | None
    source: StampSource
    reason: str | None = field(default=None, compare=False)
    """Set on the stamps the extractor chose as the page's ``published`` and ``updated``: why
    this one among the candidates (which places agreed, what it outranked). Not part of the
    stamp's identity: two readings of one stamp are equal."""

    def as_dict(self) -> dict[str, Any]:
        data = {"kind": self.kind, "text": self.text, "at": iso(self.at), "source": self.source}
        if self.reason is not None:
            data["reason"] = self.reason
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stamp:
        return cls(
            kind=data["kind"],
            text=data["text"],
            at=parse_iso(data["at"]),
            source=data["source"],
            reason=data.get("reason"),
        )


@dataclass(frozen=True, slots=True)
class Article:
    """What the extractor reads from one page: the article and its stamps."""

    url: str
    title: str
    paragraphs: list[str]
    published: datetime | None = None
    updated: datetime | None = None
    stamps: list[Stamp] = field(default_factory=list)
    language: str | None = None
    canonical_url: str | None = None
    published_local: datetime | None = None
    """``published`` in the zone the page wrote it (aware): its calendar day is the one
    readers see (22:00 EST on 24 Feb is a 24 Feb article, though 25 Feb in UTC)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "paragraphs": list(self.paragraphs),
            "published": iso(self.published),
            "updated": iso(self.updated),
            "stamps": [s.as_dict() for s in self.stamps],
            "language": self.language,
        }


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True, slots=True)
class Redirect:
    status: int
    url: str
    location: str


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One completed HTTP exchange. ``not_modified`` is a 304: nothing to parse."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content: bytes
    text: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    redirects: list[Redirect]
    elapsed_ms: float
    fetched_at: datetime
    # the exchange as on the wire, for raw capture: the last request's headers (credentials
    # left out), the response's headers in order with repeats, the HTTP version
    request_headers: tuple[tuple[str, str], ...] = ()
    response_headers: tuple[tuple[str, str], ...] = ()
    http_version: str = "HTTP/1.1"
    # ``text`` is ``content`` read as strict UTF-8 with no BOM and no other charset declared
    # in the page: the extractor may parse the bytes as they are (it decodes them alike)
    plain_utf8: bool = False

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# --------------------------------------------------------------------------- diffing


@dataclass(frozen=True, slots=True)
class WordOp:
    op: WordOpKind
    text: str

    def as_list(self) -> list[str]:
        return [self.op, self.text]


@dataclass(frozen=True, slots=True)
class ParagraphOp:
    """One step of the paragraph alignment between two versions.

    ``old_index``/``new_index`` point into the paragraphs of each version (``None`` on the
    side where the paragraph does not exist); ``words`` is the word-level diff of a modified
    paragraph (or of a moved one edited on the way; empty when it moved unchanged).
    """

    op: ParagraphOpKind
    old_index: int | None
    new_index: int | None
    old: str | None
    new: str | None
    words: list[WordOp] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "op": self.op,
            "old_index": self.old_index,
            "new_index": self.new_index,
            "old": self.old,
            "new": self.new,
        }
        if self.words:
            data["words"] = [w.as_list() for w in self.words]
        return data


@dataclass(frozen=True, slots=True)
class Change:
    """How one version differs from the one before it (the pure diff's verdict)."""

    title_changed: bool
    old_title: str
    new_title: str
    paragraphs_added: int
    paragraphs_removed: int
    paragraphs_modified: int
    new_updated_stamp: datetime | None
    silent: bool
    severity: Severity
    where: Where | None
    words_added: list[str]
    words_removed: list[str]
    ops: list[ParagraphOp]
    correction: str | None = None  # the text of a correction notice this version added
    # "removed": the page is gone (404/410, or redirected to a home or section page) and the
    # last good version is kept; "restored": it came back. ``reason`` says what was seen.
    kind: ChangeKind = "edit"
    reason: str | None = None
    coarse: bool = False  # the alignment ran past its budget: some blocks are shown whole
    # judged against the whole history (newswatch.judge.revisions): a "revert" or a
    # "headline_test" may return to a known version, which is then current again (no new n)
    back_to: int | None = None
    variants: tuple[str, ...] = ()  # a headline test's variants, first seen first
    slot: str | None = None  # what a headline test alternates: "title" or "lead"

    @property
    def paragraphs_moved(self) -> int:
        return sum(op.op == "moved" for op in self.ops)

    def moves(self) -> list[dict[str, int]]:
        """Where each moved paragraph went, as paragraph numbers (1-based, as shown)."""
        return [
            {"from": op.old_index + 1, "to": op.new_index + 1}
            for op in self.ops
            if op.op == "moved" and op.old_index is not None and op.new_index is not None
        ]

    def summary(self) -> str:
        """A short human line: 'title rewritten; +7 paragraphs (top); updated 18:17 UTC'."""
        parts: list[str] = []
        if self.kind not in ("edit", "correction"):
            label = self.kind.replace("_", " ")
            parts.append(f"{label} ({self.reason})" if self.reason else label)
        if self.title_changed:
            parts.append("title rewritten")
        if self.paragraphs_added:
            where = f" ({self.where})" if self.where else ""
            parts.append(f"+{self.paragraphs_added} paragraph(s){where}")
        if self.paragraphs_removed:
            parts.append(f"-{self.paragraphs_removed} paragraph(s)")
        if self.paragraphs_modified:
            parts.append(f"~{self.paragraphs_modified} paragraph(s) modified")
        moves = self.moves()
        if moves:
            where = ", ".join(f"{m['from']}\u2192{m['to']}" for m in moves[:3])
            more = ", …" if len(moves) > 3 else ""
            parts.append(f"{len(moves)} paragraph(s) moved ({where}{more})")
        if self.new_updated_stamp is not None:
            parts.append(f"update stamp {iso(self.new_updated_stamp)}")
        if self.correction is not None:
            note = self.correction if len(self.correction) <= 60 else self.correction[:59] + "…"
            parts.append(f"correction: \u201c{note}\u201d")
        if self.silent:
            parts.append("silent edit")
        if self.coarse:
            parts.append("coarse diff (too large to align in full)")
        return "; ".join(parts) or "no visible change"

    def record(self) -> dict[str, Any]:
        """The change fields of the ``history --json`` contract (without from/to/at)."""
        return {
            "kind": self.kind,
            "reason": self.reason,
            "title_changed": self.title_changed,
            "paragraphs_added": self.paragraphs_added,
            "paragraphs_removed": self.paragraphs_removed,
            "paragraphs_modified": self.paragraphs_modified,
            "new_updated_stamp": iso(self.new_updated_stamp),
            "silent": self.silent,
            "severity": self.severity,
            "where": self.where,
            "correction": self.correction,
            "paragraphs_moved": self.paragraphs_moved,
            "moves": self.moves(),
            "coarse": self.coarse,
            "back_to": self.back_to,
            "headline_test": (
                {"slot": self.slot, "variants": list(self.variants)} if self.variants else None
            ),
            "words": {"added": list(self.words_added), "removed": list(self.words_removed)},
        }

    def diff_dict(self) -> dict[str, Any]:
        """The full diff (title and every paragraph op) as JSON-ready data."""
        return {
            "title": {"old": self.old_title, "new": self.new_title} if self.title_changed else None,
            "paragraphs": [op.as_dict() for op in self.ops if op.op != "equal"],
        }
