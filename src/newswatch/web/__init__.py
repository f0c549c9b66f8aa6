"""The web view of the history: a small read-only ASGI app (Starlette, Jinja2), Atom feeds.

:func:`create_app` builds the app over a read-only :class:`~newswatch.store.HistoryReader`; the
``newswatch serve`` command runs it under uvicorn.
"""

from __future__ import annotations

from newswatch.web.app import create_app

__all__ = ["create_app"]
