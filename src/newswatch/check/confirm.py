"""Confirm before recording: a small change is fetched once more before it counts.

The rules are :mod:`newswatch.judge.volatile`'s (what is small, what is volatile, how a
learned fragment is read); this is the shell around them: it reads the article's learned
templates, waits the configured delay (``fetch.confirm``), fetches once more (one extra
request per candidate change, never more), and keeps what it learned in the store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from newswatch.clock import Clock
from newswatch.judge import volatile
from newswatch.judge.diff import compare
from newswatch.models import Article
from newswatch.normalize import content_hash
from newswatch.store import CheckingStore, DueArticle, StoredVersion

logger = logging.getLogger("newswatch.check")

Refetch = Callable[[DueArticle], Article | None]


class Confirmer:
    """Reads a fresh extraction through what is known to be volatile, and confirms a small
    change with a second fetch after ``delay`` seconds (0: never)."""

    def __init__(
        self,
        store: CheckingStore,
        refetch: Refetch,
        *,
        delay: float,
        clock: Clock,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._refetch = refetch
        self._delay = delay
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self.extra_requests = 0  # confirmation fetches made (at most one per candidate change)

    @staticmethod
    def _steady(templates: list[str], latest: StoredVersion, article: Article) -> Article:
        paragraphs = volatile.steady(templates, latest.paragraphs, article.paragraphs)
        return (
            article if paragraphs == article.paragraphs else replace(article, paragraphs=paragraphs)
        )

    def steady(self, due: DueArticle, article: Article, latest: StoredVersion | None) -> Article:
        """The article as it should be compared with ``latest`` (the current version):
        learned volatile runs read as stored, and a small change confirmed (or unmasked as
        volatile) by one more fetch. The same object when nothing was masked."""
        if latest is None or latest.hash == content_hash(article.title, article.paragraphs):
            return article  # nothing to mask nor to confirm: the page reads as stored
        templates = self._store.volatile_templates(due.article_id)
        article = self._steady(templates, latest, article)
        if self._delay <= 0:
            return article
        change = compare(latest, article)
        if change is None or not volatile.needs_confirmation(change):
            return article
        self._sleep(self._delay)
        with self._lock:
            self.extra_requests += 1
        second = self._refetch(due)
        if second is None:  # could not confirm: recorded as read
            return article
        again = self._steady(templates, latest, second)
        learned = volatile.learn(article.paragraphs, again.paragraphs)
        if not learned:  # the same on both fetches (a real edit), or changed too much
            return article
        self._store.learn_volatile(due.article_id, learned, self._clock())
        logger.info(
            "%s: volatile fragment(s) learned: %s",
            due.url,
            "; ".join(volatile.shown(t) for t in learned),
        )
        return self._steady([*templates, *learned], latest, article)
