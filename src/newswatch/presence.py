"""Is the article still there? Unpublish and move events, decided from one check. Pure.

A publisher removes an article with a 404/410, or by redirecting its URL to the home page
or a section page. Either is recorded as a ``removed`` change (alerted like an edit) and
the last good version is kept; a later check that finds the article again records a
``restored`` change. A redirect to another *article* URL is a move, not a removal: the
article is still there and its new address becomes its canonical URL.
"""

from __future__ import annotations

from dataclasses import replace

from newswatch.models import Article, Change, FetchResult
from newswatch.normalize import comparable
from newswatch.store import StoredVersion
from newswatch.urls import is_section_url

GONE_STATUSES = frozenset({404, 410})


def gone_status(status: int | None) -> str | None:
    """The reason for a removal when the server says the page is gone, else None."""
    if status == 404:
        return "HTTP 404 Not Found"
    if status == 410:
        return "HTTP 410 Gone"
    return None


def same_article(last: StoredVersion, article: Article) -> bool:
    """Whether ``article`` is (a version of) the stored one: same headline or at least one
    paragraph in common, after the comparison folding."""
    if last.title and comparable(last.title) == comparable(article.title):
        return True
    old = {comparable(p) for p in last.paragraphs if p.strip()}
    return any(comparable(p) in old for p in article.paragraphs if p.strip())


def moved_to_section(
    article_url: str,
    fetched: FetchResult,
    article: Article | None,
    last: StoredVersion | None,
) -> str | None:
    """The reason for a removal when the URL now redirects to a home or section page that
    no longer holds the article (no article at all, or a different one), else None."""
    if not fetched.redirects or last is None:
        return None
    if not is_section_url(article_url, fetched.final_url):
        return None
    if article is not None and same_article(last, article):
        return None
    return f"redirected to {fetched.final_url}"


def removed_change(last: StoredVersion, reason: str) -> Change:
    """The change record of a removal: nothing in the text moved, the page went away."""
    return Change(
        title_changed=False,
        old_title=last.title,
        new_title=last.title,
        paragraphs_added=0,
        paragraphs_removed=0,
        paragraphs_modified=0,
        new_updated_stamp=None,
        silent=False,
        severity="major",
        where=None,
        words_added=[],
        words_removed=[],
        ops=[],
        kind="removed",
        reason=reason,
    )


def restored_change(last: StoredVersion, edit: Change | None, status: int) -> Change:
    """The change record of a return; when the text differs from the last good version,
    the edit's fields (and diff) come along."""
    reason = f"HTTP {status} with the article again"
    if edit is not None:
        return replace(edit, kind="restored", reason=reason)
    return replace(removed_change(last, reason), kind="restored", severity="major")
