"""What an alert says: one :class:`Alert` record, its readable default text, template fields.

Everything here is built from stored records, so a delivery retried days later says exactly
what the first attempt would have said. Text that comes from a page (titles, words) is
wrapped in Unicode isolates (FSI ... PDI): an Arabic headline inside an English line then
keeps its own direction and cannot drag the arrows, numbers or link around it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from newswatch.alerts.payload import webhook_payload
from newswatch.judge.routing import change_kinds
from newswatch.models import iso
from newswatch.store import DeliverySubject, StoredChange, StoredEvent
from newswatch.templating import isolate

AlertKind = Literal["change", "event", "digest"]

#: words listed in the default text before "…"
SUMMARY_WORDS = 24
#: changes listed in a digest's default text before "… and N more"
DIGEST_LINES = 50

_EVENT_TITLES = {
    "source_failing": "source failing",
    "extraction_broken": "extraction broken",
    "recovered": "recovered",
    "removed": "article removed",
}


@dataclass(frozen=True, slots=True)
class Alert:
    """One message to send: a change, a source/article event, or a digest of changes."""

    kind: AlertKind
    id: str
    source: str
    change: StoredChange | None = None
    event: StoredEvent | None = None
    changes: tuple[StoredChange, ...] = ()

    @classmethod
    def of(cls, subject: DeliverySubject) -> Alert:
        delivery = subject.delivery
        if subject.event is not None:
            return cls("event", subject.event.uid, subject.source, event=subject.event)
        if delivery.kind == "digest":
            return cls("digest", delivery.key.split(":")[0], subject.source, changes=subject.digest)
        assert subject.change is not None
        return cls("change", subject.change.uid, subject.source, change=subject.change)

    @property
    def url(self) -> str | None:
        if self.change is not None:
            return self.change.url
        if self.event is not None:
            return self.event.url
        return None

    @property
    def title(self) -> str:
        if self.change is not None:
            return self.change.title
        if self.event is not None:
            return self.event.title or _EVENT_TITLES.get(self.event.kind, self.event.kind)
        return f"{len(self.changes)} changes"


# --------------------------------------------------------------------------- words


def _titles(change: StoredChange) -> tuple[str, str]:
    title = change.diff.get("title") or {}
    return str(title.get("old") or change.title), str(title.get("new") or change.title)


def added_words(change: StoredChange) -> list[str]:
    """Words in modified paragraphs plus the words of added paragraphs, in page order."""
    return _words(change, "added", "new")


def removed_words(change: StoredChange) -> list[str]:
    return _words(change, "removed", "old")


def _words(change: StoredChange, op: str, side: str) -> list[str]:
    out: list[str] = []
    for paragraph in change.diff.get("paragraphs") or []:
        if paragraph.get("op") == op:
            out.extend(str(paragraph.get(side) or "").split())
        for word_op, text in paragraph.get("words") or []:
            if word_op == op:
                out.extend(str(text).split())
    return out


def _clip(words: list[str], limit: int = SUMMARY_WORDS) -> str:
    text = " ".join(words[:limit])
    return isolate(text) + (" …" if len(words) > limit else "")


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else "-"


# --------------------------------------------------------------------------- default text


def default_subject(alert: Alert) -> str:
    if alert.change is not None:
        change = alert.change
        what = "headline rewritten" if change.title_changed else change.severity + " edit"
        if change.silent:
            what += ", silent"
        return f"[newswatch] {alert.source}: {isolate(change.title)} ({what})"
    if alert.event is not None:
        return f"[newswatch] {alert.source}: {_EVENT_TITLES.get(alert.event.kind, 'event')}"
    return f"[newswatch] {alert.source}: {len(alert.changes)} changes (digest)"


def change_text(change: StoredChange) -> str:
    """The readable body for one change: headline, stamp, what changed, words, link."""
    old, new = _titles(change)
    lines = [
        f"{change.source}: {change.severity} change, version {change.from_n} \u2192 "
        f"{change.to_n}, seen {_when(change.at)}",
    ]
    if change.title_changed:
        lines.append(f"Headline: {isolate(old)} \u2192 {isolate(new)}")
    else:
        lines.append(f"Headline: {isolate(new)}")
    if change.new_updated_stamp is not None:
        lines.append(f"Update stamp: {_when(change.new_updated_stamp)}")
    elif change.silent:
        lines.append("Update stamp: none moved (silent edit)")
    lines.append(f"What changed: {change.summary}")
    added, removed = added_words(change), removed_words(change)
    if added:
        lines.append(f"Added: {_clip(added)}")
    if removed:
        lines.append(f"Removed: {_clip(removed)}")
    correction = change.record.get("correction")
    if correction:
        lines.append(f"Correction: {isolate(correction)}")
    lines.append(change.url)
    return "\n".join(lines)


def default_text(alert: Alert) -> str:
    if alert.change is not None:
        return change_text(alert.change)
    if alert.event is not None:
        event = alert.event
        lines = [f"{alert.source}: {_EVENT_TITLES.get(event.kind, event.kind)}", event.message]
        if event.title:
            lines.append(f"Headline: {isolate(event.title)}")
        lines.append(f"At: {_when(event.at)}")
        if event.url:
            lines.append(event.url)
        return "\n".join(lines)
    first = alert.changes[0].at if alert.changes else None
    lines = [f"{alert.source}: {len(alert.changes)} changes since {_when(first)}"]
    for change in alert.changes[:DIGEST_LINES]:
        lines.append(
            f"- {isolate(change.title)} v{change.from_n}\u2192v{change.to_n} "
            f"({change.severity}): {change.summary}\n  {change.url}"
        )
    if len(alert.changes) > DIGEST_LINES:
        lines.append(f"… and {len(alert.changes) - DIGEST_LINES} more")
    return "\n".join(lines)


def log_text(alert: Alert) -> str:
    """One line for the log channel."""
    if alert.change is not None:
        change = alert.change
        return (
            f"[{change.source}] {isolate(change.title)} v{change.from_n}\u2192v{change.to_n} "
            f"({change.severity}): {change.summary} <{change.url}>"
        )
    if alert.event is not None:
        return f"[{alert.source}] {alert.event.kind}: {alert.event.message}"
    titles = ", ".join(isolate(c.title) for c in alert.changes[:5])
    more = f" and {len(alert.changes) - 5} more" if len(alert.changes) > 5 else ""
    return f"[{alert.source}] digest of {len(alert.changes)} changes: {titles}{more}"


# --------------------------------------------------------------------------- machine forms


def payload(alert: Alert) -> dict[str, Any]:
    """The webhook JSON: the design's change body, or an event or digest body."""
    if alert.change is not None:
        return {"type": "change", **webhook_payload(alert.change)}
    if alert.event is not None:
        event = alert.event
        return {
            "type": "event",
            "id": event.uid,
            "event": event.kind,
            "source": event.source,
            "url": event.url,
            "title": event.title,
            "message": event.message,
            "at": iso(event.at),
        }
    return {
        "type": "digest",
        "id": alert.id,
        "source": alert.source,
        "count": len(alert.changes),
        "changes": [webhook_payload(c) for c in alert.changes],
    }


def change_fields(change: StoredChange) -> dict[str, Any]:
    old, new = _titles(change)
    return {
        **change.as_dict(),
        "source": change.source,
        "url": change.url,
        "title": change.title,
        "old_title": old,
        "new_title": new,
        "summary": change.summary,
        "kinds": change_kinds(change),
        "words_added": added_words(change),
        "words_removed": removed_words(change),
        "stamp": iso(change.new_updated_stamp),
        "diff": change.diff,
        "text": change_text(change),
    }


def template_context(alert: Alert) -> dict[str, Any]:
    """The fields a user template sees (documented in README.md, "Alert templates")."""
    changes: Iterable[StoredChange] = alert.changes or ([alert.change] if alert.change else [])
    event = alert.event
    return {
        "kind": alert.kind,
        "id": alert.id,
        "source": alert.source,
        "url": alert.url,
        "title": alert.title,
        "subject": default_subject(alert),
        "text": default_text(alert),
        "change": change_fields(alert.change) if alert.change is not None else None,
        "changes": [change_fields(c) for c in changes],
        "count": len(alert.changes) if alert.kind == "digest" else 1,
        "event": {"kind": event.kind, "message": event.message, "at": iso(event.at)}
        if event is not None
        else None,
    }
