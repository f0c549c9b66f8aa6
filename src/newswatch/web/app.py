"""The web view's routes: change list, article timeline, diffs, search, Atom feeds.

Read-only by construction: only GET/HEAD routes, over a read-only
:class:`~newswatch.store.HistoryReader` whose connection SQLite itself keeps from
writing. Handlers are plain functions (Starlette runs them in its thread pool); the store
serialises them on its one connection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from newswatch.errors import NewswatchError
from newswatch.judge.diff import compare
from newswatch.store import (
    CHANGE_KINDS,
    KIND_ALIASES,
    ChangeFilter,
    ChangeKind,
    HistoryReader,
    StoredChange,
    StoredVersion,
    VersionStub,
)
from newswatch.textdir import direction
from newswatch.web.capture import captured_page
from newswatch.web.feed import atom_feed
from newswatch.web.pages import diff_page, environment, render, safe_href
from newswatch.web.params import (
    MAX_NUMBER,
    RefuseControlCharacters,
    path_number,
    query_number,
    query_when,
)
from newswatch.web.security import Guard

PAGE_SIZE = 50
SEARCH_PAGE = 20
FEED_SIZE = 50


def _filters(request: Request) -> tuple[ChangeFilter, dict[str, str]]:
    """The change-list filters of a request, and the query items that reproduce them."""
    params = request.query_params
    kinds = [KIND_ALIASES.get(k, k) for k in params.getlist("kind") if k]
    bad = [k for k in kinds if k not in CHANGE_KINDS]
    if bad:
        raise HTTPException(400, f"unknown kind {bad[0]!r} (one of {', '.join(CHANGE_KINDS)})")
    severity = params.get("severity") or None
    if severity not in (None, "major", "minor"):
        raise HTTPException(400, "severity must be major or minor")
    filters = ChangeFilter(
        source=params.get("source") or None,
        kinds=tuple(cast(ChangeKind, k) for k in kinds),
        severity=severity,
        since=query_when(request, "since"),
        until=query_when(request, "until", end=True),
    )
    keep = {
        k: v
        for k, v in (
            ("source", filters.source),
            ("kind", kinds[0] if kinds else None),
            ("severity", severity),
            ("since", params.get("since")),
            ("until", params.get("until")),
        )
        if v
    }
    return filters, keep


def create_app(
    reader: HistoryReader,
    *,
    token: str | None = None,
    page_size: int = PAGE_SIZE,
    base_url: str | None = None,
) -> Guard:
    """The ASGI app over ``reader`` (a read-only store: the view only reads), behind the
    access token when one is set.

    Feed links are absolute on ``base_url`` (the address the view is served at) when given,
    else relative to the feed; never built from the request's Host header, which the client
    chooses.
    """
    base = (base_url or "").rstrip("/")

    def page(template: str, code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(render(template, **context), status_code=code)

    def changes(request: Request) -> Response:
        filters, keep = _filters(request)
        result = reader.change_page(
            filters,
            before=query_number(request, "before"),
            after=query_number(request, "after"),
            limit=page_size,
        )

        def query(**extra: int) -> str:
            return urlencode({**keep, **extra})

        return page(
            "changes.html",
            page=result,
            filters=filters,
            form=keep,
            sources=reader.source_names(),
            kinds=CHANGE_KINDS,
            query=query,
        )

    def article(request: Request) -> Response:
        record = reader.article(path_number(request, "article_id"))
        if record is None:
            raise HTTPException(404, "no such article")
        generations = reader.generations(record.id)
        current = next((g.n for g in generations if g.current), 1)
        asked = query_number(request, "generation", current)
        past = asked != current
        if past and asked not in {g.n for g in generations}:
            raise HTTPException(404, f"this article has no extraction generation {asked}")
        if past:  # an earlier reading of the history, kept by a re-extraction
            assert asked is not None
            earlier = reader.generation_versions(record.id, asked)
            stubs: Sequence[StoredVersion | VersionStub] = earlier
            n = query_number(request, "v", earlier[-1].n if earlier else None)
            shown = next((v for v in earlier if v.n == n), None)
            changes = reader.generation_changes(record.id, asked)[:200]
        else:
            live = reader.version_stubs(record.id)
            stubs = live
            n = query_number(request, "v", live[-1].n if live else None)
            shown = reader.version(record.id, n) if n is not None else None
            changes = reader.changes(record.id, limit=200)
        if n is not None and shown is None:
            raise HTTPException(404, f"this article has no version {n}")
        sample = " ".join([record.title or "", *(shown.paragraphs[:3] if shown else [])])
        language = shown.language if shown else None
        return page(
            "article.html",
            article=record,
            href=safe_href(record.url),
            versions=stubs,
            changes=changes,
            shown=shown,
            capture=reader.version_capture(record.id, shown.n) if shown and not past else None,
            generations=generations if len(generations) > 1 else [],
            generation=asked,
            past=past,
            dir=direction(language, sample),
            lang=language or "",
        )

    def diff(request: Request) -> Response:
        record = reader.article(path_number(request, "article_id"))
        if record is None:
            raise HTTPException(404, "no such article")
        last = reader.latest_version(record.id)
        if last is None:
            raise HTTPException(404, "this article has no version yet")
        to_n = query_number(request, "to", last.n)
        assert to_n is not None
        from_n = query_number(request, "from", to_n - 1)
        assert from_n is not None
        old, new = reader.version(record.id, from_n), reader.version(record.id, to_n)
        if old is None or new is None:
            raise HTTPException(404, f"versions run from v1 to v{last.n}")
        mode = "inline" if request.query_params.get("view") == "inline" else "side"
        return HTMLResponse(diff_page(record, old, new, compare(old, new), mode=mode))

    def by_url(request: Request) -> Response:
        url = request.query_params.get("url", "")
        record = reader.find_article(url) if url else None
        if record is None:
            raise HTTPException(404, "that URL is not a watched article")
        return RedirectResponse(f"/articles/{record.id}", status_code=303)

    def change(request: Request) -> Response:
        found = reader.change_by_uid(request.path_params["uid"])
        if found is None:
            raise HTTPException(404, "no such change")
        return RedirectResponse(
            f"/articles/{found.article_id}/diff?from={found.from_n}&to={found.to_n}",
            status_code=303,
        )

    def search(request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        number = max(1, query_number(request, "page", 1) or 1)
        if number * SEARCH_PAGE > MAX_NUMBER:
            raise HTTPException(400, "page is out of range")
        hits = (
            reader.search(q, limit=SEARCH_PAGE + 1, offset=(number - 1) * SEARCH_PAGE) if q else []
        )
        return page(
            "search.html",
            q=q,
            hits=hits[:SEARCH_PAGE],
            more=len(hits) > SEARCH_PAGE,
            page=number,
        )

    def feed(request: Request) -> Response:
        source = request.path_params.get("name")
        if source is not None and source not in reader.source_names():
            raise HTTPException(404, f"no source named {source!r}")
        found = reader.change_page(ChangeFilter(source=source), limit=FEED_SIZE).changes
        entry_template = environment().get_template("entry.html")

        def diff_url(c: StoredChange) -> str:
            return f"{base}/articles/{c.article_id}/diff?from={c.from_n}&to={c.to_n}"

        def content(c: StoredChange) -> str:
            return entry_template.render(c=c, href=safe_href(c.url), diff_url=diff_url(c))

        body = atom_feed(
            feed_id=f"urn:newswatch:source:{source}" if source else "urn:newswatch:changes",
            title=f"newswatch: changes in {source}" if source else "newswatch: all changes",
            self_url=base + _path_and_query(request),
            html_url=base + "/" + (f"?{urlencode({'source': source})}" if source else ""),
            changes=found,
            diff_url=diff_url,
            content=content,
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
        return page("error.html", code=status, status=status, message=detail)

    async def store_error(request: Request, exc: Exception) -> Response:
        return page("error.html", code=503, status=503, message=f"database: {exc}")

    static = StaticFiles(packages=[("newswatch.web", "static")])
    routes = [
        Route("/", changes),
        Route("/articles/{article_id:int}", article),
        Route("/articles/{article_id:int}/diff", diff),
        Route(
            "/articles/{article_id:int}/versions/{n:int}/capture",
            lambda request: captured_page(reader, request),
        ),
        Route("/article", by_url),
        Route("/changes/{uid}", change),
        Route("/search", search),
        Route("/feed.atom", feed),
        Route("/sources/{name}/feed.atom", feed),
        Route("/favicon.ico", no_icon),
        Mount("/static", app=static, name="static"),
    ]
    handlers: dict[Any, Callable[..., Any]] = {
        HTTPException: http_error,
        NewswatchError: store_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    return Guard(RefuseControlCharacters(app), token=token)


def _path_and_query(request: Request) -> str:
    """The request's own path and query (the access token left out), not its Host."""
    url = request.url.remove_query_params("token")
    return url.path + (f"?{url.query}" if url.query else "")
