"""Publisher signals: what a feed item's ``updated`` or a sitemap ``<lastmod>`` does. Pure.

The newest date is kept. It is news when it is newer than the one seen before, or (the
first date we hear of) newer than our last check: then the article is due now, and one the
schedule retired for lack of change wakes up. Merged duplicates and articles of a source
whose URL moved stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from newswatch.store import Followed, SignalWrite


def publisher_signals(
    found: Mapping[str, Followed], updates: Sequence[tuple[str, datetime]], now: datetime
) -> list[SignalWrite]:
    """The writes for ``updates`` (URL, date) on the articles ``found`` by URL, in order
    (a later date for the same article in the same batch sees the earlier one)."""
    current: dict[int, Followed] = {}
    writes: list[SignalWrite] = []
    for url, updated in updates:
        known = found.get(url)
        if known is None:
            continue
        article = current.get(known.article_id, known)
        seen = article.publisher_updated
        if seen is not None and updated <= seen:
            continue
        checked = article.last_checked_at
        news = seen is not None or (checked is not None and updated > checked)
        wake = news and article.state == "retired" and article.schedule_retired
        pending = article.next_check_at is not None and article.next_check_at <= now
        due_now = news and article.state == "active" and not pending
        writes.append(SignalWrite(article.article_id, updated, wake, due_now))
        if wake:
            article = replace(article, state="active", schedule_retired=False, next_check_at=now)
        elif due_now:
            article = replace(article, next_check_at=now)
        current[article.article_id] = replace(article, publisher_updated=updated)
    return writes
