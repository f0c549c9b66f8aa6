"""Candidate stamps: one date read from one place of a page, and how much that place is
trusted.

Every reader (JSON-LD, meta tags, microdata, ``<time>``, visible date lines, the address)
returns :class:`Found` records; :mod:`newswatch.extract.stamps` votes among them. Ranks order
the places (lower is more trusted); each origin's best candidate casts one vote of its weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from newswatch.extract.textstamps import TextStamp
from newswatch.models import Stamp, StampKind, StampSource


@dataclass(frozen=True, slots=True)
class Found:
    """A stamp read from one place: ``local`` is its instant as written, ``rank`` says how
    much that place is trusted (lower = more), ``origin`` groups places that vote as one."""

    kind: StampKind
    text: str
    local: datetime
    source: StampSource
    rank: int
    origin: str

    def stamp(self) -> Stamp:
        return Stamp(self.kind, self.text, self.local.astimezone(UTC), self.source)


# ranks: lower wins ties; each origin's best candidate casts one vote of its weight.
R_JSONLD_ARTICLE = 10
R_META = 20
R_ITEMPROP = 25
R_TIME_HINTED = 30
R_TEXT_KEYWORD = 35
R_JSONLD_OTHER = 40
R_META_WEAK = 45
R_TIME_PLAIN = 50
R_TEXT_NEAR_TITLE = 55
R_URL = 60
R_TEXT_SCAN = 70
WEIGHTS = {
    R_JSONLD_ARTICLE: 5,
    R_META: 4,
    R_ITEMPROP: 3,
    R_TIME_HINTED: 3,
    R_TEXT_KEYWORD: 3,
    R_JSONLD_OTHER: 2,
    R_META_WEAK: 2,
    R_TIME_PLAIN: 1,
    R_TEXT_NEAR_TITLE: 2,
    R_URL: 1,
    R_TEXT_SCAN: 1,
}


def text_found(stamp: TextStamp, rank: int, origin: str) -> Found | None:
    """A visible line's stamp as a candidate; a line with no instant cannot vote."""
    if stamp.at is None:
        return None
    return Found(stamp.kind, stamp.text, stamp.at, "text", rank, origin)
