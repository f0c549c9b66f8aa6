"""HTTP fetching: the only package that speaks httpx.

:class:`Fetcher` turns a URL into a :class:`~newswatch.models.FetchResult` or a
:class:`~newswatch.errors.FetchError` subclass, within the bounds of :class:`FetchSettings`
(one deadline for the whole fetch, a cap on the inflated body, redirects followed by hand,
content types checked, politeness when given, the fetch scope when given: see
:mod:`.scope` and :mod:`.network`). Each concern has its own module here; this
module re-exports the public names so ``from newswatch.fetch import Fetcher`` keeps working.

httpx imports its command-line client (``httpx._main``: rich, pygments) with itself whenever
those happen to be installed; newswatch never runs that client, and importing it was half of
httpx's import, a tenth of a ``check``'s start-up. A ``None`` in ``sys.modules`` makes that one
import fail, and httpx then defines its stub ``main`` (its own fallback when they are absent).
"""

import sys

if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from newswatch.fetch.client import Fetcher
from newswatch.fetch.scope import FetchScope
from newswatch.fetch.settings import ACCEPT_ENCODING, DEFAULT_USER_AGENT, Expect, FetchSettings

__all__ = [
    "ACCEPT_ENCODING",
    "DEFAULT_USER_AGENT",
    "Expect",
    "FetchScope",
    "FetchSettings",
    "Fetcher",
]
