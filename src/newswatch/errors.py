"""One exception hierarchy for the whole library.

Library code raises these and never exits the process; the CLI maps them to messages and
exit codes (config errors exit 2, everything else 1).
"""

from __future__ import annotations

from datetime import datetime


class NewswatchError(Exception):
    """Base of every error newswatch raises on purpose."""


class ConfigError(NewswatchError):
    """The configuration file is missing, unreadable or invalid.

    ``problems`` holds one line per problem, each naming the file, the line where known, the
    field path and what was expected.
    """

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


class FetchError(NewswatchError):
    """A page could not be fetched; ``kind`` says why in one word for logs and the store.

    ``retry_after`` is when the server (or our politeness towards it) allows the next try:
    from a ``Retry-After`` header on 429/503, or the end of a host's back-off.
    """

    kind = "fetch"

    def __init__(
        self,
        url: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: datetime | None = None,
    ) -> None:
        self.url = url
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"{url}: {message}")


class NetworkError(FetchError):
    """Connection refused, DNS failure, reset: the server could not be reached."""

    kind = "network"


class FetchTimeout(FetchError):
    """The server did not answer within the configured time."""

    kind = "timeout"


class HTTPStatusError(FetchError):
    """The server answered with a status that carries no article (4xx/5xx)."""

    kind = "http"


class TooLargeError(FetchError):
    """The body exceeded the configured size cap."""

    kind = "too_large"


class NotHTMLError(FetchError):
    """The response is not an HTML page (image, PDF, JSON, ...)."""

    kind = "not_html"


class TooManyRedirects(FetchError):
    """A redirect loop or an over-long redirect chain."""

    kind = "redirects"


class RobotsDisallowed(FetchError):
    """The site's robots.txt does not allow our User-Agent to fetch this URL."""

    kind = "robots"


class OutOfScope(FetchError):
    """A page or redirect pointed at a non-public address no configured source or
    ``fetch.allow`` entry trusts; nothing was connected to."""

    kind = "scope"


class HostBackoff(FetchError):
    """The host asked us to wait (Retry-After, or repeated 429/503): not fetched now."""

    kind = "backoff"


class ExtractError(NewswatchError):
    """A page parsed but holds no article (no title and no body)."""


class PageTooComplex(ExtractError):
    """A page beyond the extractor's work budgets (too large, too deep, too many paragraphs):
    refused before it costs minutes or gigabytes. The message starts "too complex: "."""

    def __init__(self, why: str) -> None:
        super().__init__(f"too complex: {why}")


class DiscoveryError(NewswatchError):
    """A feed, sitemap or index page could not be read as one (after it was fetched)."""


class StoreError(NewswatchError):
    """The database cannot be opened or migrated."""
