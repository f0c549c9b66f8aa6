"""Rendering the web view's pages: one Jinja2 environment, autoescaping everything.

Every string that came from a watched page (titles, paragraphs, stamps, URLs) reaches HTML
only through an autoescaped ``{{ }}``; the few filters that return markup build it from
escaped text. Links to watched pages are printed only for http(s) URLs, so a
``javascript:`` URL is shown as text, never as a link.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from newswatch.history import stated_update
from newswatch.models import Change
from newswatch.store import MARK_END, MARK_START, ArticleRecord, StoredVersion
from newswatch.textdir import direction
from newswatch.web.diffview import diff_view


def when(value: datetime | None) -> str:
    """An instant as the view shows it: UTC, to the minute."""
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL a link may point to, else None."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def highlight(snippet: str) -> Markup:
    """A search snippet, escaped, with its match marks turned into ``<mark>``."""
    text = str(escape(snippet))
    return Markup(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("newswatch.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["stated_update"] = stated_update
    env.filters["highlight"] = highlight
    env.filters["textdir"] = direction
    return env


@cache
def stylesheet() -> str:
    return files("newswatch.web").joinpath("static/style.css").read_text(encoding="utf-8")


def render(template: str, **context: Any) -> str:
    context.setdefault("root", "")
    context.setdefault("standalone", False)
    context.setdefault("q", "")
    return environment().get_template(template).render(**context)


def stamp_lines(version: StoredVersion) -> list[str]:
    """The in-text stamp lines of a version ("تحديث 18:17 تغ", "Updated 18:17 GMT")."""
    return [s.text for s in version.stamps if s.source == "text" and s.kind != "published"]


def diff_page(
    article: ArticleRecord,
    old: StoredVersion,
    new: StoredVersion,
    change: Change | None,
    *,
    mode: str = "side",
    root: str = "",
    standalone: bool = False,
    context: int = 2,
) -> str:
    """The diff page between two versions; ``standalone`` gives one self-contained file
    (styles inlined, no links into the web view) for ``newswatch diff --format html``."""
    sample = " ".join([new.title, *new.paragraphs[:3]])
    return render(
        "diff.html",
        article=article,
        old=old,
        new=new,
        change=change,
        view=diff_view(change, context, stamp_lines(new)) if change is not None else None,
        mode="inline" if mode == "inline" else "side",
        dir=direction(new.language, sample),
        lang=new.language or "",
        root=root,
        standalone=standalone,
        css=stylesheet() if standalone else "",
    )
