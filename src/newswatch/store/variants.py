"""The spellings of a URL a reader may mean: the store looks an article up by each."""

from __future__ import annotations

from newswatch.urls import canonicalize


def url_variants(url: str) -> list[str]:
    """The URL as given plus its form with/without a trailing slash, and its canonical form
    (as discovery stores it: no tracking parameters, no fragment)."""
    bare = url.rstrip("/") or url
    canonical = canonicalize(url)
    return list(dict.fromkeys([url, bare, bare + "/", *([canonical] if canonical else [])]))
