"""Publish/update stamps of one parsed page: every stamp it carries, and the two that count.

A page states its dates in up to five places that often disagree: JSON-LD, ``<meta>`` tags
(Open Graph, Dublin Core, vendor names), ``itemprop`` microdata, ``<time>`` elements and the
visible text (a date line under the headline, an "Updated 18:17 GMT" line in the body). All
are recorded as :class:`~newswatch.models.Stamp` s. ``published`` is the calendar day most
sources agree on (a weighted vote: one stale JSON-LD block must not win), ``updated``
prefers what readers see over metadata (metadata lags a live story) and falls back to
``published`` when the page shows no update. Pages with no metadata at all (blogs, forums,
press releases) get a last-resort scan for a short date line near the headline.

The readers live in their own modules (:mod:`~newswatch.extract.jsonld`,
:mod:`~newswatch.extract.markup`, :mod:`~newswatch.extract.datelines`,
:mod:`~newswatch.extract.textstamps`); this one holds the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newswatch.extract.candidates import R_TEXT_KEYWORD, WEIGHTS, Found, text_found
from newswatch.extract.datelines import (
    HINTED_OTHER_LETTERS,
    dateline_stamps,
    near_title_stamps,
    scan_text_stamps,
)
from newswatch.extract.dates import zone_named
from newswatch.extract.fetchtime import FetchTime, When, fetch_time
from newswatch.extract.jsonld import jsonld_stamps, state_stamps
from newswatch.extract.markup import (
    image_stamps,
    itemprop_stamps,
    meta_stamps,
    time_stamps,
    url_stamps,
)
from newswatch.extract.meta import MetaNodes, meta_nodes
from newswatch.extract.regions import article_scope
from newswatch.extract.textstamps import TextStamp, parse_stamp_line, stamps_in_lines
from newswatch.models import Stamp, StampKind


@dataclass(frozen=True, slots=True)
class StampReading:
    """The stamps of one page and the publication/update instants chosen from them (UTC).

    ``published_local`` is ``published`` in the zone the page wrote it: its calendar day is
    the one readers see (an article of 24 Feb 22:00 EST is not a 25 Feb article).
    """

    published: datetime | None
    updated: datetime | None
    stamps: list[Stamp]
    published_local: datetime | None = None
    clock: FetchTime | None = None
    """The fetch time as the readers consulted it: since and until when a fetch of the same
    page would read the same stamps (None: read with no fetch time)."""


def _plausible(found: Found, fetched_at: FetchTime | None) -> bool:
    return fetched_at is None or fetched_at.plausible(found.local)


@dataclass(frozen=True, slots=True)
class _Choice:
    """The winner of a vote and why it won, in words for the ``reason`` of its stamp."""

    found: Found
    reason: str


_PLACES = {
    "jsonld": "JSON-LD",
    "meta": "meta tags",
    "itemprop": "microdata",
    "time": "<time>",
    "near": "the date line by the headline",
    "dateline": "the dateline opening the story",
    "lines": "a stamp line in the text",
    "url": "the address",
    "image": "the image's address",
    "scan": "a date line on the page",
    "state": "the page's script data",
}


def _vote(found: list[Found], kind: StampKind, fetched_at: FetchTime | None) -> _Choice | None:
    """The stamp of the calendar day most places agree on.

    Each origin (JSON-LD, meta tags, microdata, ``<time>``, visible lines...) casts one vote
    for the day of its most trusted stamp, weighted by how much that origin is trusted; the
    winning day's most trusted stamp is returned. A stale JSON-LD block or a meta tag left by
    a template is outvoted by the others.
    """
    ranked = sorted(
        (f for f in found if f.kind == kind and _plausible(f, fetched_at)), key=lambda f: f.rank
    )
    if not ranked:
        return None
    votes: dict[date, int] = {}
    voters: dict[date, list[str]] = {}
    voted: set[str] = set()
    for candidate in ranked:
        if candidate.origin in voted:
            continue
        voted.add(candidate.origin)
        day = candidate.local.date()
        votes[day] = votes.get(day, 0) + WEIGHTS.get(candidate.rank, 1)
        voters.setdefault(day, []).append(_PLACES.get(candidate.origin, candidate.origin))
    top = max(votes.values())
    chosen = next((c for c in ranked if votes.get(c.local.date()) == top), ranked[0])
    day = chosen.local.date()
    reason = f"{' + '.join(voters[day])} say {day.isoformat()} (weight {votes[day]})"
    others = sorted((d for d in votes if d != day), key=lambda d: -votes[d])
    if others:
        reason += "; outvoted: " + ", ".join(
            f"{' + '.join(voters[d])} {d.isoformat()} ({votes[d]})" for d in others[:3]
        )
    return _Choice(chosen, reason)


def read_stamps(
    tree: LexborHTMLParser,
    paragraphs: Sequence[str],
    *,
    timezone: str = "UTC",
    fetched_at: When = None,
    url: str | None = None,
    scope: LexborNode | None = None,
    nodes: MetaNodes | None = None,
    lead: Sequence[str] = (),
    openings: Sequence[str] | None = None,
) -> StampReading:
    """Every stamp of the page and the chosen ``published``/``updated`` instants (UTC).

    ``paragraphs`` are the extracted body paragraphs (in-text stamp lines are among them),
    ``lead`` the short lines between the headline and the body (an "Updated 18:17 GMT" line
    under the byline), ``openings`` the first paragraphs when ``paragraphs`` are not the
    body (a dateline may open the story; by default the first paragraphs). ``timezone``
    (IANA name or abbreviation) reads stamps that name no zone; ``fetched_at`` resolves
    relative stamps and rejects dates after the fetch; ``url`` is a last resort for a date
    written in the article's address. ``scope`` is the article's container when the caller
    found it already (:func:`~newswatch.extract.regions.article_scope`), ``nodes`` its meta
    tags and JSON-LD scripts (:func:`~newswatch.extract.meta.meta_nodes`).

    The candidates are weighed in this order: the places that speak for the article
    (markup, ``<time>``, the date line by the headline, a dateline opening the story) vote;
    with none of them, a dated stamp line in the text ("Published 14 March 2024 18:17")
    decides, and only then the address, a date line anywhere on the page, or the address of
    the page's image. The chosen stamps carry the ``reason`` they won.
    """
    zone = zone_named(timezone) or UTC
    clock = fetch_time(fetched_at)  # one for every reader: it keeps what they asked
    scan = _Scan(tree, zone)
    if scope is None:
        scope = article_scope(tree)
    if nodes is None:
        nodes = meta_nodes(tree)
    found = jsonld_stamps(nodes.scripts, zone) + meta_stamps(nodes.metas, zone)
    found += itemprop_stamps(nodes.itemprops, zone)
    found += time_stamps(nodes.times, zone, scope)
    pending: list[TextStamp] = []  # time-only lines by the headline: dated once we know the day
    for stamp, rank in near_title_stamps(scope, zone, clock):
        near = text_found(stamp, rank, "near")
        if near is not None:
            found.append(near)
        elif stamp.kind != "published":
            pending.append(stamp)
    found += dateline_stamps(paragraphs if openings is None else openings, zone)
    lines = [*lead, *paragraphs]
    published = _vote(found, "published", clock)
    if published is not None:
        published = _redated(published, found, clock)
    article_date = published.found.local if published is not None else None
    in_text = stamps_in_lines(lines, timezone=zone, article_date=article_date, fetched_at=clock)
    if published is None:
        # a dated stamp line in the text outranks a day guessed from the address
        published = _vote(_lines_found(in_text), "published", clock)
        if published is None:
            found += url_stamps(tree, url)
            published = _vote(found, "published", clock) or _markup_update(found, clock)
        if published is None:
            found += scan.found() or _state(tree, zone) or image_stamps(nodes.metas)
            published = _vote(found, "published", clock)
        if published is not None:
            in_text = stamps_in_lines(
                lines, timezone=zone, article_date=published.found.local, fetched_at=clock
            )
    found += _lines_found(in_text)
    if published is not None:
        found += _dated(pending, zone, published.found.local, clock)

    visible = _visible_update(found, published.found if published is not None else None, clock)
    updated = (
        _Choice(visible, "the latest update stamp readers see (metadata lags a live story)")
        if visible is not None
        else _vote(found, "updated", clock)
    )
    if published is None and updated is not None:
        # a page that shows only an update date: readers take that date as its date
        published = _Choice(updated.found, "the page shows only this update date")
    if updated is None or (published is not None and updated.found.local < published.found.local):
        updated = published
    stamps = _unique([f.stamp() for f in found] + _undated(in_text))
    chosen_published = published.found if published is not None else None
    return StampReading(
        published=_utc(chosen_published),
        updated=_utc(updated.found) if updated is not None else None,
        stamps=_explain(stamps, published, updated),
        published_local=(
            _as_shown(chosen_published, found, scan) if chosen_published is not None else None
        ),
        clock=clock,
    )


_SHOWN = ("near", "time", "dateline")  # origins readers see as the article's date


def _redated(published: _Choice, found: list[Found], fetched_at: FetchTime | None) -> _Choice:
    """Markup's ``datePublished`` against the date readers see by the headline.

    When they disagree and the markup's own modification date is the day shown, the story
    was re-dated (re-published under a later date, the first draft's date left in the
    markup): its date is the one readers see, which the markup confirms.
    """
    if published.found.source not in ("jsonld", "meta", "itemprop"):
        return published
    shown = sorted(
        (
            f
            for f in found
            if f.kind == "published" and f.origin in _SHOWN and _plausible(f, fetched_at)
        ),
        key=lambda f: f.rank,
    )
    if not shown:
        return published
    day = shown[0].local.date()
    if day <= published.found.local.date():
        return published
    confirmed = any(
        f.kind == "updated" and f.source in ("jsonld", "meta") and f.local.date() == day
        for f in found
    )
    if not confirmed:
        return published
    return _Choice(
        shown[0],
        f"{_PLACES[shown[0].origin]} says {day.isoformat()}, as the markup's modification"
        f" date does; the markup's datePublished {published.found.local.date().isoformat()}"
        " is the first draft's",
    )


def _state(tree: LexborHTMLParser, zone: tzinfo) -> list[Found]:
    """The publication date in the page's script state (read only when nothing else dates
    the page: it walks every script)."""
    return state_stamps([node.text() for node in tree.css("script")], zone)


def _markup_update(found: list[Found], fetched_at: FetchTime | None) -> _Choice | None:
    """The markup's modification date when it gives no publication date: the page's own
    statement of its date, ahead of a date line found anywhere on the page."""
    markup = [f for f in found if f.source in ("jsonld", "meta", "itemprop") and f.origin != "url"]
    choice = _vote(markup, "updated", fetched_at)
    if choice is None:
        return None
    return _Choice(choice.found, f"the markup gives only a modification date: {choice.reason}")


def _utc(found: Found | None) -> datetime | None:
    return found.local.astimezone(UTC) if found is not None else None


def _explain(
    stamps: list[Stamp], published: _Choice | None, updated: _Choice | None
) -> list[Stamp]:
    """The stamps with the chosen ones saying why they were chosen."""
    reasons: dict[Stamp, str] = {}
    if published is not None:
        reasons[published.found.stamp()] = f"chosen as published: {published.reason}"
    if updated is not None and (published is None or updated.found is not published.found):
        reasons[updated.found.stamp()] = f"chosen as updated: {updated.reason}"
    return [replace(s, reason=reasons[s]) if s in reasons else s for s in stamps]


def _dated(
    stamps: list[TextStamp], zone: tzinfo, article_date: datetime, fetched_at: FetchTime | None
) -> list[Found]:
    """Time-only stamps by the headline ("Updated 18:17 GMT"), dated from the article."""
    found: list[Found] = []
    for stamp in stamps:
        dated = parse_stamp_line(
            stamp.text,
            timezone=zone,
            article_date=article_date,
            fetched_at=fetched_at,
            default_kind=stamp.kind,
            max_other_letters=HINTED_OTHER_LETTERS,
        )
        if dated is not None and (candidate := text_found(dated, R_TEXT_KEYWORD, "near")):
            found.append(candidate)
    return found


class _Scan:
    """The last-resort date scan of a page, run at most once (it walks the whole body) and
    only when asked for."""

    def __init__(self, tree: LexborHTMLParser, zone: tzinfo) -> None:
        self.tree, self.zone = tree, zone
        self.result: list[Found] | None = None

    def found(self) -> list[Found]:
        if self.result is None:
            self.result = scan_text_stamps(self.tree, self.zone)
        return self.result


def _as_shown(published: Found, found: list[Found], scan: _Scan) -> datetime:
    """``published`` in the page's own zone when its metadata speaks UTC.

    Sites often write metadata in UTC ("...T01:49:09Z") but show local time to readers
    ("November 8, 2023 at 5:49 p.m."). A visible stamp whose wall time matches the instant
    up to a whole zone offset reveals that offset; a visible date one day off the UTC day
    says on which side of midnight readers are.
    """
    instant = published.local
    if instant.utcoffset() != timedelta(0) or published.source not in ("jsonld", "meta"):
        return instant
    base = instant.astimezone(UTC).replace(tzinfo=None)
    visible = sorted(
        (f for f in found if f.kind == "published" and f.source in ("text", "time")),
        key=lambda f: f.rank,
    )
    if not visible:
        visible = [f for f in scan.found() if f.kind == "published"]
    for shown in visible[:1]:  # the article's own visible date, not any date on the page
        if shown.local.utcoffset() != timedelta(0):
            if shown.local == instant and shown.local.tzinfo is not None:
                return instant.astimezone(shown.local.tzinfo)
            continue
        wall = shown.local.replace(tzinfo=None)
        if wall.time() != time(0):
            minutes = (wall - base).total_seconds() / 60
            quarter = round(minutes / 15) * 15
            if abs(minutes - quarter) < 1.5 and abs(quarter) <= 14 * 60:
                return instant.astimezone(timezone(timedelta(minutes=quarter)))
            continue
        days = (wall.date() - base.date()).days
        if days == 0:
            return instant
        if days == -1 and base.hour < 12:
            return instant.astimezone(timezone(-timedelta(hours=base.hour + 1)))
        if days == 1 and base.hour >= 10:
            return instant.astimezone(timezone(timedelta(hours=24 - base.hour)))
    return instant


def _lines_found(stamps: list[TextStamp]) -> list[Found]:
    found = (text_found(s, R_TEXT_KEYWORD, "lines") for s in stamps)
    return [f for f in found if f is not None]


def _undated(stamps: list[TextStamp]) -> list[Stamp]:
    """Stamps read with no instant (a correction note, "5 minutes ago" with no fetch time)."""
    return [Stamp(s.kind, s.text, None, "text") for s in stamps if s.at is None]


def _visible_update(
    found: list[Found], published: Found | None, fetched_at: FetchTime | None
) -> Found | None:
    """The latest update readers see in the text; it beats metadata, which lags."""
    visible = [
        f
        for f in found
        if f.source == "text"
        and f.kind == "updated"
        and _plausible(f, fetched_at)
        and (published is None or f.local >= published.local)
    ]
    return max(visible, key=lambda f: f.local) if visible else None


def _unique(stamps: list[Stamp]) -> list[Stamp]:
    seen: set[tuple[str, str, datetime | None, str]] = set()
    out: list[Stamp] = []
    for stamp in stamps:
        key = (stamp.kind, stamp.text, stamp.at, stamp.source)
        if key not in seen:
            seen.add(key)
            out.append(stamp)
    return out
